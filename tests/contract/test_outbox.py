"""The outbox and the deliveries behave alike on memory, SQLite and PostgreSQL: an event is kept only
with its change, routed to the webhooks that want it, claimed under a lease, one event of a task per
webhook at a time and in order, and recorded under the claim that took it."""

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest

from application.webhooks.record_attempts import RecordAttempts, RecordAttemptsCommand
from application.webhooks.take_due_deliveries import (
    ROUTED_PER_ROUND,
    TakeDueDeliveries,
    TakeDueDeliveriesCommand,
)
from domain.events import EventType, RecordedEvent, task_event
from domain.paging import PageRequest
from domain.projects import Project
from domain.tasks import Task
from domain.unit_of_work import UnitOfWork
from domain.users import User
from domain.webhooks import AttemptOutcome, ClaimedDelivery, DeliveryStatus, Webhook
from tests.conftest import UnitOfWorkFactory
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock

LEASE = timedelta(seconds=60)
EVERY_EVENT = frozenset(EventType)
OK, FAILED = AttemptOutcome(204), AttemptOutcome(500, "answered 500 Internal Server Error")


@pytest.fixture
def clock(world: World) -> FakeClock:
    # After everything the world stores: webhooks made now want the events recorded from now on.
    return FakeClock(world.now() + timedelta(days=1))


async def subscribe(
    world: World,
    project: Project,
    clock: FakeClock,
    events: frozenset[EventType] = EVERY_EVENT,
    url: str = "https://hooks.example.com/in",
) -> Webhook:
    webhook = Webhook.create(
        project_id=project.id, url=url, events=events, secret=None, active=True, now=clock.now()
    )
    async with world.uow() as uow:
        await uow.webhooks.create(webhook)
    return webhook


async def record_change(
    world: World, project: Project, task: Task, kind: EventType, clock: FakeClock
) -> None:
    clock.advance(timedelta(seconds=1))
    task.updated_at = clock.now()
    async with world.uow() as uow:
        await uow.outbox.append(task_event(kind, task, project))


async def take(uow_factory: UnitOfWorkFactory, clock: FakeClock, limit: int = 20) -> list[ClaimedDelivery]:
    use_case = TakeDueDeliveries(uow_factory(), clock)
    return (await use_case.execute(TakeDueDeliveriesCommand(limit=limit, lease=LEASE))).claimed


async def settle(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, claimed: list[ClaimedDelivery], outcome: AttemptOutcome
) -> None:
    use_case = RecordAttempts(uow_factory(), clock)
    await use_case.execute(RecordAttemptsCommand(attempts=[(each, outcome) for each in claimed]))


def events_of(claimed: list[ClaimedDelivery]) -> list[UUID]:
    return [each.event_id for each in claimed]


async def unrouted(world: World) -> list[RecordedEvent]:
    async with world.uow() as uow:
        return await uow.outbox.take_unrouted(100)


async def test_an_event_is_kept_with_its_change_and_not_without(
    world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    task = await world.task(project, manager)

    async def append_then_fail() -> None:
        async with world.uow() as uow:
            await uow.outbox.append(task_event(EventType.TASK_UPDATED, task, project))
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await append_then_fail()
    assert await unrouted(world) == []

    await record_change(world, project, task, EventType.TASK_UPDATED, clock)
    [event] = await unrouted(world)
    assert (event.type, event.task_id, event.project_id, event.occurred_at) == (
        EventType.TASK_UPDATED,
        task.id,
        project.id,
        clock.now(),
    )


async def test_a_savepoint_that_rolls_back_takes_its_events_and_the_others_are_kept_in_order(
    world: World, project: Project, manager: User
) -> None:
    first, undone, kept = [await world.task(project, manager) for _ in range(3)]

    async def append_then_fail(uow: UnitOfWork) -> None:
        async with uow.savepoint():
            await uow.outbox.append(task_event(EventType.TASK_UPDATED, undone, project))
            raise RuntimeError("this task's change failed")

    async with world.uow() as uow:
        await uow.outbox.append(task_event(EventType.TASK_UPDATED, first, project))
        with pytest.raises(RuntimeError):
            await append_then_fail(uow)
        async with uow.savepoint():
            await uow.outbox.append(task_event(EventType.TASK_DELETED, kept, project))

    events = await unrouted(world)
    assert [(event.type, event.task_id) for event in events] == [
        (EventType.TASK_UPDATED, first.id),
        (EventType.TASK_DELETED, kept.id),
    ]
    assert events[0].position < events[1].position


async def test_events_go_to_the_webhooks_that_want_them_and_the_others_are_dropped(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    other_project = await world.project(manager)
    wants_updates = await subscribe(world, project, clock, frozenset({EventType.TASK_UPDATED}))
    paused = await subscribe(world, project, clock)
    paused.active = False
    async with world.uow() as uow:
        await uow.webhooks.update(paused)
    task, elsewhere = await world.task(project, manager), await world.task(other_project, manager)
    await record_change(world, project, task, EventType.TASK_CREATED, clock)
    await record_change(world, project, task, EventType.TASK_UPDATED, clock)
    await record_change(world, other_project, elsewhere, EventType.TASK_UPDATED, clock)

    claimed = await take(uow_factory, clock)

    assert [each.url for each in claimed] == [wants_updates.url]
    assert await unrouted(world) == []
    async with world.uow() as uow:
        page = await uow.deliveries.list_for_webhook(wants_updates.id, None, PageRequest())
    [delivery] = page.items
    assert (delivery.event_type, delivery.task_id, delivery.status) == (
        EventType.TASK_UPDATED,
        task.id,
        DeliveryStatus.PENDING,
    )
    assert claimed[0].secret == wants_updates.secret
    assert b'"type":"task.updated"' in claimed[0].payload


async def test_a_webhook_gets_no_event_from_before_it_existed(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    task = await world.task(project, manager)
    await record_change(world, project, task, EventType.TASK_UPDATED, clock)
    clock.advance(timedelta(seconds=1))
    await subscribe(world, project, clock)

    assert await take(uow_factory, clock) == []


async def test_a_claim_holds_its_deliveries_until_its_lease_ends(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    await subscribe(world, project, clock)
    for _ in range(3):
        await record_change(world, project, await world.task(project, manager), EventType.TASK_CREATED, clock)

    first = await take(uow_factory, clock, limit=2)
    clock.advance(LEASE / 2)
    second = await take(uow_factory, clock, limit=2)
    clock.advance(LEASE / 2)
    after_the_first_lease = await take(uow_factory, clock, limit=5)

    assert len(first) == 2
    assert len(second) == 1
    assert set(events_of(first)).isdisjoint(events_of(second))
    assert events_of(after_the_first_lease) == events_of(first)


async def test_the_events_of_one_task_are_claimed_one_at_a_time_in_order(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    slow = await subscribe(world, project, clock, url="https://slow.example.com/in")
    fast = await subscribe(world, project, clock, url="https://fast.example.com/in")
    task, other_task = await world.task(project, manager), await world.task(project, manager)
    for kind in (EventType.TASK_CREATED, EventType.TASK_UPDATED, EventType.TASK_DELETED):
        await record_change(world, project, task, kind, clock)
    await record_change(world, project, other_task, EventType.TASK_CREATED, clock)
    first, second, third, other = [event.id for event in await unrouted(world)]
    arrived: dict[str, list[UUID]] = {slow.url: [], fast.url: []}

    async def round_(outcome_for_slow: AttemptOutcome = OK) -> list[ClaimedDelivery]:
        claimed = await take(uow_factory, clock)
        for each in claimed:
            arrived[each.url].append(each.event_id)
        await settle(uow_factory, clock, [c for c in claimed if c.url == fast.url], OK)
        await settle(uow_factory, clock, [c for c in claimed if c.url == slow.url], outcome_for_slow)
        return claimed

    # Each webhook gets each task's first event; the slow one fails it and waits for its retry,
    # holding back that task's later events for itself alone.
    assert len(await round_(FAILED)) == 4
    assert len(await round_()) == 1
    assert len(await round_()) == 1
    assert await round_() == []
    clock.advance(timedelta(seconds=10))
    while await round_():
        pass

    assert arrived[fast.url] == [first, other, second, third]
    assert arrived[slow.url] == [first, other, first, other, second, third]


async def test_a_delivery_failed_for_good_no_longer_holds_back_the_next_event(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    await subscribe(world, project, clock)
    task = await world.task(project, manager)
    await record_change(world, project, task, EventType.TASK_CREATED, clock)
    await record_change(world, project, task, EventType.TASK_UPDATED, clock)

    [first] = await take(uow_factory, clock)
    while first is not None:
        await settle(uow_factory, clock, [first], FAILED)
        clock.advance(timedelta(hours=6))
        claimed = await take(uow_factory, clock)
        if claimed and claimed[0].event_id != first.event_id:
            break
        first = claimed[0]

    [next_event] = claimed
    assert next_event.event_id != first.event_id


async def test_an_attempt_recorded_under_a_claim_that_ran_out_is_dropped(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    webhook = await subscribe(world, project, clock)
    await record_change(world, project, await world.task(project, manager), EventType.TASK_CREATED, clock)
    [stale] = await take(uow_factory, clock)
    clock.advance(LEASE)
    [current] = await take(uow_factory, clock)

    await settle(uow_factory, clock, [stale], OK)
    async with world.uow() as uow:
        [delivery] = (await uow.deliveries.list_for_webhook(webhook.id, None, PageRequest())).items
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)

    await settle(uow_factory, clock, [current], FAILED)
    async with world.uow() as uow:
        [delivery] = (await uow.deliveries.list_for_webhook(webhook.id, None, PageRequest())).items
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=10)
    assert delivery.claimed_until is None


async def test_a_retry_by_hand_makes_a_failed_delivery_due_now_with_its_attempts_counted_afresh(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    webhook = await subscribe(world, project, clock)
    await record_change(world, project, await world.task(project, manager), EventType.TASK_CREATED, clock)
    claimed = await take(uow_factory, clock)
    await settle(uow_factory, clock, claimed, FAILED)

    async with world.uow() as uow:
        delivery = await uow.deliveries.get(webhook.id, claimed[0].id)
        assert delivery is not None
        delivery.retry(clock.now())
        await uow.deliveries.reschedule(delivery)
    [again] = await take(uow_factory, clock)

    assert (again.id, again.attempts, again.first_attempt_at) == (claimed[0].id, 0, None)


async def test_deleting_a_webhook_deletes_its_deliveries(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    webhook, kept = await subscribe(world, project, clock), await subscribe(world, project, clock)
    await record_change(world, project, await world.task(project, manager), EventType.TASK_CREATED, clock)
    await take(uow_factory, clock, limit=0)

    async with world.uow() as uow:
        await uow.webhooks.delete(webhook.id)
    clock.advance(LEASE)

    assert [each.url for each in await take(uow_factory, clock)] == [kept.url]
    async with world.uow() as uow:
        assert await uow.webhooks.get(project.id, webhook.id) is None
        assert [w.id for w in await uow.webhooks.list_for_project(project.id)] == [kept.id]


async def test_deliveries_are_listed_newest_first_and_by_status(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    webhook = await subscribe(world, project, clock)
    for _ in range(3):
        await record_change(world, project, await world.task(project, manager), EventType.TASK_CREATED, clock)
        clock.advance(timedelta(seconds=1))
        claimed = await take(uow_factory, clock)
    await settle(uow_factory, clock, claimed, OK)

    async with world.uow() as uow:
        everything = await uow.deliveries.list_for_webhook(webhook.id, None, PageRequest(limit=2))
        delivered = await uow.deliveries.list_for_webhook(webhook.id, DeliveryStatus.DELIVERED, PageRequest())
        after = await uow.deliveries.list_for_webhook(webhook.id, None, PageRequest(after=everything.next))

    created = [d.created_at for d in [*everything.items, *after.items]]
    assert created == sorted(created, reverse=True)
    assert (everything.total, len(after.items)) == (3, 1)
    assert [d.id for d in delivered.items] == [claimed[0].id]


async def test_simultaneous_claims_never_take_the_same_delivery(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    await subscribe(world, project, clock)
    for _ in range(12):
        await record_change(world, project, await world.task(project, manager), EventType.TASK_CREATED, clock)
    await take(uow_factory, clock, limit=0)

    claims = await asyncio.gather(*(take(uow_factory, clock, limit=3) for _ in range(6)))

    taken = [event for claim in claims for event in events_of(claim)]
    assert len(taken) == len(set(taken)) == 12


async def test_a_round_routes_a_bounded_number_of_events_and_says_when_more_are_waiting(
    uow_factory: UnitOfWorkFactory, world: World, project: Project, manager: User, clock: FakeClock
) -> None:
    task = await world.task(project, manager)
    async with world.uow() as uow:
        for _ in range(ROUTED_PER_ROUND + 1):
            await uow.outbox.append(task_event(EventType.TASK_UPDATED, task, project))
    use_case = TakeDueDeliveries(uow_factory(), clock)
    command = TakeDueDeliveriesCommand(limit=20, lease=LEASE)

    first, second = await use_case.execute(command), await use_case.execute(command)

    assert (first.more_to_route, second.more_to_route) == (True, False)
    assert await unrouted(world) == []
