from dataclasses import dataclass
from datetime import timedelta

from application.ports import Clock
from application.use_case import UseCase
from domain.unit_of_work import UnitOfWork
from domain.webhooks import ClaimedDelivery, Delivery

# Events routed per round: routing is a few statements whatever the number.
ROUTED_PER_ROUND = 200


@dataclass(frozen=True, slots=True)
class TakeDueDeliveriesCommand:
    limit: int
    lease: timedelta


@dataclass(frozen=True, slots=True)
class TakenDeliveries:
    """The deliveries claimed, and whether more events wait to be routed than one round routes."""

    claimed: list[ClaimedDelivery]
    more_to_route: bool


class TakeDueDeliveries(UseCase):
    """What a dispatcher does first in each round, in one transaction: route the events recorded
    since the last round to the webhooks that want them, then claim up to `limit` due deliveries
    for `lease`.

    Rules: an event goes to each active webhook of its project subscribed to its type that existed
    when it happened (Webhook.wants); an event no webhook wants is dropped. Claims follow
    DeliveryRepository.claim_due: due, unclaimed, one event of a task per webhook at a time and in
    order. A dispatcher that dies holding claims leaves them to the next one once the lease ends.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: TakeDueDeliveriesCommand) -> TakenDeliveries:
        now = self._clock.now()
        async with self._uow:
            events = await self._uow.outbox.take_unrouted(ROUTED_PER_ROUND)
            if events:
                webhooks = await self._uow.webhooks.active_for_projects(
                    {event.project_id for event in events}
                )
                deliveries = [
                    Delivery.of(event, webhook, now)
                    for event in events
                    for webhook in webhooks
                    if webhook.project_id == event.project_id and webhook.wants(event)
                ]
                await self._uow.deliveries.add(deliveries)
                wanted = {delivery.event_position for delivery in deliveries}
                await self._uow.outbox.mark_routed([e.position for e in events if e.position in wanted])
                await self._uow.outbox.remove([e.position for e in events if e.position not in wanted])
            claimed = await self._uow.deliveries.claim_due(now, now + command.lease, command.limit)
        return TakenDeliveries(claimed=claimed, more_to_route=len(events) == ROUTED_PER_ROUND)
