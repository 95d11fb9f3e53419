from dataclasses import dataclass
from uuid import UUID

from application.use_case import UseCase
from application.webhooks.access import load_webhook
from domain.unit_of_work import UnitOfWork
from domain.users import Actor
from domain.webhooks import Webhook


@dataclass(frozen=True, slots=True)
class GetWebhookQuery:
    actor: Actor
    project_id: UUID
    webhook_id: UUID


class GetWebhook(UseCase):
    """One of a project's webhooks. Rules: its managers and admins only; a webhook of another
    project is 'not found'."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: GetWebhookQuery) -> Webhook:
        async with self._uow.read_only():
            return await load_webhook(self._uow, query.actor, query.project_id, query.webhook_id)
