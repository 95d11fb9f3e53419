from dataclasses import dataclass
from uuid import UUID

from application.use_case import UseCase
from application.webhooks.access import load_webhook
from domain.paging import Page, PageRequest
from domain.unit_of_work import UnitOfWork
from domain.users import Actor
from domain.webhooks import Delivery, DeliveryStatus


@dataclass(frozen=True, slots=True)
class ListDeliveriesQuery:
    actor: Actor
    project_id: UUID
    webhook_id: UUID
    status: DeliveryStatus | None = None
    page: PageRequest = PageRequest()


class ListDeliveries(UseCase):
    """A webhook's deliveries, newest first, a page at a time, with their status, attempts and last
    answer. Rules: the project's managers and admins."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: ListDeliveriesQuery) -> Page[Delivery]:
        async with self._uow.read_only():
            await load_webhook(self._uow, query.actor, query.project_id, query.webhook_id)
            return await self._uow.deliveries.list_for_webhook(query.webhook_id, query.status, query.page)
