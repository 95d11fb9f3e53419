from dataclasses import dataclass
from uuid import UUID

from application.use_case import UseCase
from application.webhooks.access import load_webhook
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class DeleteWebhookCommand:
    actor: Actor
    project_id: UUID
    webhook_id: UUID


class DeleteWebhook(UseCase):
    """Delete a webhook and its deliveries, sent or waiting. Rules: the project's managers and admins."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, command: DeleteWebhookCommand) -> None:
        async with self._uow:
            webhook = await load_webhook(self._uow, command.actor, command.project_id, command.webhook_id)
            await self._uow.webhooks.delete(webhook.id)
