from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.use_case import UseCase
from application.webhooks.access import load_webhook
from domain.errors import NotFound
from domain.unit_of_work import UnitOfWork
from domain.users import Actor
from domain.webhooks import Delivery


@dataclass(frozen=True, slots=True)
class RetryDeliveryCommand:
    actor: Actor
    project_id: UUID
    webhook_id: UUID
    delivery_id: UUID


class RetryDelivery(UseCase):
    """Send a delivery again now: one that failed for good, one waiting for its next attempt, or one
    that was delivered and is wanted again. Its attempts count afresh, in a new 24-hour window.

    Rules: the project's managers and admins; a delivery being attempted right now is a conflict.
    Later events of the same task to the same webhook wait behind it again until it is settled.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: RetryDeliveryCommand) -> Delivery:
        async with self._uow:
            await load_webhook(self._uow, command.actor, command.project_id, command.webhook_id)
            delivery = await self._uow.deliveries.get(command.webhook_id, command.delivery_id)
            if delivery is None:
                raise NotFound("delivery not found")
            delivery.retry(self._clock.now())
            await self._uow.deliveries.reschedule(delivery)
        return delivery
