"""Loading a project's webhooks for whoever manages the project (see application/permissions.py)."""

from uuid import UUID

from application.permissions import ProjectAccess
from application.projects.access import load_project_access
from domain.errors import NotFound
from domain.unit_of_work import UnitOfWork
from domain.users import Actor
from domain.webhooks import Webhook


async def load_managed_project(uow: UnitOfWork, actor: Actor, project_id: UUID) -> ProjectAccess:
    """Webhooks are the managers' (and admins'): other members are refused, anyone else gets
    'project not found'. A webhook's URL and deliveries tell where the project's data goes."""
    access = await load_project_access(uow, actor, project_id)
    access.ensure_can_manage()
    return access


async def load_webhook(uow: UnitOfWork, actor: Actor, project_id: UUID, webhook_id: UUID) -> Webhook:
    await load_managed_project(uow, actor, project_id)
    webhook = await uow.webhooks.get(project_id, webhook_id)
    if webhook is None:
        raise NotFound("webhook not found")
    return webhook
