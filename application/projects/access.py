"""Loading a project together with what the actor may do in it (see application/permissions.py)."""

from uuid import UUID

from application.permissions import ProjectAccess
from domain.errors import NotFound
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


async def load_project_access(
    uow: UnitOfWork, actor: Actor, project_id: UUID, *, include_deleted: bool = False
) -> ProjectAccess:
    """The project and the actor's rights on it, or NotFound when they may not see it.

    With `include_deleted`, a deleted project is found too, by those who may see it.
    """
    found = await uow.projects.get_with_member_role(project_id, actor.id, include_deleted=include_deleted)
    if found is None:
        raise NotFound("project not found")
    project, role = found
    access = ProjectAccess(actor=actor, project=project, role=role)
    if not access.can_view:
        raise NotFound("project not found")
    return access
