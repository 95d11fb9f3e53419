from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.use_case import UseCase
from application.webhooks.access import load_managed_project
from domain.unit_of_work import UnitOfWork
from domain.users import Actor
from domain.webhooks import Webhook


@dataclass(frozen=True, slots=True)
class ListWebhooksQuery:
    actor: Actor
    project_id: UUID


class ListWebhooks(UseCase):
    """A project's webhooks, oldest first. Rules: its managers and admins only."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: ListWebhooksQuery) -> Sequence[Webhook]:
        async with self._uow.read_only():
            await load_managed_project(self._uow, query.actor, query.project_id)
            return await self._uow.webhooks.list_for_project(query.project_id)
