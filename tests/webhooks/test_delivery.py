"""Webhook deliveries as a receiver sees them: signed, in order per task, at least once, never for a
change that was rolled back, retried with backoff; and on PostgreSQL, dispatchers that run side by
side never attempt one delivery at the same time."""

import asyncio
import dataclasses
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.settings import MEMORY_URL
from adapters.webhooks.dispatcher import LEASE, Dispatcher
from application.ports import Clock
from domain.events import EventType, task_event
from domain.ids import new_id
from domain.tasks import Priority, Task
from domain.unit_of_work import UnitOfWork
from tests.conftest import FastHashingProvider, http_client, settings_for, start_app, stop_app
from tests.http.conftest import Account, container_of, new_account, on_both_databases, on_every_backend
from tests.http.tracker import PROJECTS, TASKS, add_comment, create_project, create_task, if_match
from tests.unit.fakes import FakeClock
from tests.webhooks.conftest import ClockProvider, drain
from tests.webhooks.receiver import Receiver


def deliveries_url(project: dict[str, Any], webhook: dict[str, Any]) -> str:
    return f"{PROJECTS}/{project['id']}/webhooks/{webhook['id']}/deliveries"


async def deliveries(
    api: httpx.AsyncClient, manager: Account, project: dict[str, Any], webhook: dict[str, Any]
) -> list[dict[str, Any]]:
    response = await api.get(deliveries_url(project, webhook), headers=manager.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@on_every_backend
async def test_a_change_reaches_the_webhook_as_json_signed_with_its_secret(
    api: httpx.AsyncClient,
    manager: Account,
    project: dict[str, Any],
    webhook: dict[str, Any],
    receiver: Receiver,
    dispatcher: Dispatcher,
    clock: FakeClock,
) -> None:
    task = await create_task(api, manager, project["id"], "Rotate the certificates", priority="high")

    assert await drain(dispatcher) == 1

    [received] = await receiver.wait_for(1)
    assert received.signed_with(webhook["secret"])
    assert received.headers["content-type"] == "application/json"
    assert received.headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    event = received.event
    assert set(event) == {"id", "type", "occurred_at", "project_id", "data"}
    assert (event["id"], event["type"], event["project_id"]) == (
        received.webhook_id,
        "task.created",
        project["id"],
    )
    assert event["occurred_at"] == task["created_at"]
    assert {key: event["data"]["task"][key] for key in ("id", "key", "title", "priority", "version")} == {
        "id": task["id"],
        "key": "OPS-1",
        "title": "Rotate the certificates",
        "priority": "high",
        "version": 1,
    }
    [delivery] = await deliveries(api, manager, project, webhook)
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 1, 204)
    assert delivery["event_id"] == event["id"]


async def test_a_tampered_body_or_another_secret_does_not_verify(
    api: httpx.AsyncClient,
    manager: Account,
    project: dict[str, Any],
    webhook: dict[str, Any],
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    await create_task(api, manager, project["id"])
    await drain(dispatcher)
    [received] = await receiver.wait_for(1)

    tampered = type(received)(headers=received.headers, body=received.body.replace(b"OPS-1", b"OPS-2"))
    assert received.signed_with(webhook["secret"])
    assert not tampered.signed_with(webhook["secret"])
    assert not received.signed_with("whsec_" + "A" * 32)


@on_both_databases
async def test_the_events_of_a_task_arrive_in_order_one_at_a_time_while_other_tasks_go_on(
    api: httpx.AsyncClient,
    manager: Account,
    project: dict[str, Any],
    webhook: dict[str, Any],
    receiver: Receiver,
    dispatcher: Dispatcher,
    clock: FakeClock,
) -> None:
    first = await create_task(api, manager, project["id"], "First")
    for version, status in ((1, "in_progress"), (2, "blocked")):
        response = await api.patch(
            f"{TASKS}/{first['id']}", json={"status": status}, headers=if_match(manager, version)
        )
        assert response.status_code == 200, response.text
    await add_comment(api, manager, first["id"], "Waiting on the vendor.")
    receiver.answer(500)

    # The first event fails: the later ones of its task wait behind it, not attempted at all.
    assert await drain(dispatcher) == 1
    second = await create_task(api, manager, project["id"], "Second")
    assert await drain(dispatcher) == 1
    clock.advance(timedelta(seconds=10))
    assert await drain(dispatcher) == 4

    arrived = [(event["type"], event["data"]) for event in receiver.events()]
    assert [(kind, data.get("task", data.get("comment"))["id"]) for kind, data in arrived] == [
        ("task.created", first["id"]),
        ("task.created", second["id"]),
        ("task.created", first["id"]),
        ("task.updated", first["id"]),
        ("task.updated", first["id"]),
        ("comment.created", arrived[-1][1]["comment"]["id"]),
    ]
    assert [data["task"]["status"] for kind, data in arrived[2:5]] == ["todo", "in_progress", "blocked"]
    assert arrived[-1][1]["comment"]["task_id"] == first["id"]


@on_every_backend
async def test_a_delivery_claimed_by_a_dispatcher_that_dies_mid_batch_is_delivered_by_the_next(
    api: httpx.AsyncClient,
    app: Litestar,
    manager: Account,
    project: dict[str, Any],
    webhook: dict[str, Any],
    receiver: Receiver,
    dispatcher: Dispatcher,
    clock: FakeClock,
) -> None:
    for title in ("One", "Two", "Three"):
        await create_task(api, manager, project["id"], title)
    receiver.hold()
    dying = asyncio.create_task(dispatcher.run_once())
    sent = await receiver.wait_for(3)
    dying.cancel()  # the three are sent, their answers never recorded
    with pytest.raises(asyncio.CancelledError):
        await dying
    receiver.release()
    survivor = Dispatcher(container_of(app), dispatcher._sender, poll_interval=1)

    # Claimed by the dead one until its lease runs out; then they are due again.
    assert await survivor.run_once() == 0
    clock.advance(LEASE + timedelta(seconds=1))
    assert await drain(survivor) == 3

    assert sorted(r.webhook_id for r in receiver.received) == sorted(2 * [r.webhook_id for r in sent])
    assert {d["status"] for d in await deliveries(api, manager, project, webhook)} == {"delivered"}


@on_every_backend
async def test_a_rolled_back_change_sends_no_event_and_a_committed_one_is_sent(
    app: Litestar,
    api: httpx.AsyncClient,
    manager: Account,
    project: dict[str, Any],
    webhook: dict[str, Any],
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    class Boom(Exception):
        pass

    async def change_the_project(*, then_fail: bool) -> Task:
        async with container_of(app)() as request:
            uow = await request.get(UnitOfWork)
            clock = await request.get(Clock)
            async with uow:
                stored = await uow.projects.get_by_id(project_id)
                assert stored is not None
                task = Task.create(
                    id=new_id(),
                    project_id=project_id,
                    number=await uow.projects.next_task_number(project_id),
                    title="Written in a unit of work",
                    description="",
                    priority=Priority.LOW,
                    assignee_id=None,
                    reporter_id=manager.id,
                    due_date=None,
                    tag_ids=frozenset(),
                    now=clock.now(),
                )
                await uow.tasks.create(task)
                await uow.outbox.append(task_event(EventType.TASK_CREATED, task, stored))
                if then_fail:
                    raise Boom
        return task

    project_id = UUID(project["id"])
    with pytest.raises(Boom):
        await change_the_project(then_fail=True)
    assert await drain(dispatcher) == 0
    committed = await change_the_project(then_fail=False)
    assert await drain(dispatcher) == 1

    assert [event["data"]["task"]["id"] for event in receiver.events()] == [str(committed.id)]
    # The rolled-back change left nothing, not even its task number.
    response = await api.get(f"{TASKS}/{committed.id}", headers=manager.headers)
    assert response.json()["key"] == "OPS-1"


@on_both_databases
async def test_500s_are_retried_with_backoff_for_24_hours_then_failed_until_retried_by_hand(
    api: httpx.AsyncClient,
    manager: Account,
    project: dict[str, Any],
    webhook: dict[str, Any],
    receiver: Receiver,
    dispatcher: Dispatcher,
    clock: FakeClock,
) -> None:
    receiver.answer(*[500] * 11)
    await create_task(api, manager, project["id"])
    started = clock.now()
    waits = []
    while True:
        assert await drain(dispatcher) == 1
        [delivery] = await deliveries(api, manager, project, webhook)
        if delivery["status"] != "pending":
            break
        due = delivery["next_attempt_at"]
        assert await drain(dispatcher) == 0  # not before it is due
        wait = datetime.fromisoformat(due) - clock.now()
        waits.append(wait.total_seconds())
        clock.advance(wait)

    assert waits == [10, 30, 90, 270, 810, 2430, 7290, 21600, 21600, 21600]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("failed", 11, 500)
    assert delivery["last_error"] == "answered 500 Internal Server Error"
    assert delivery["next_attempt_at"] is None
    assert clock.now() - started < timedelta(hours=24)

    retried = await api.post(
        f"{deliveries_url(project, webhook)}/{delivery['id']}/retry", headers=manager.headers
    )
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    assert await drain(dispatcher) == 1
    [delivery] = await deliveries(api, manager, project, webhook)
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 1, 204)
    assert len(receiver.received) == 12


on_postgresql = pytest.mark.parametrize("api_backend", ["postgresql"], indirect=True)


async def many_tasks(api: httpx.AsyncClient, manager: Account, project: dict[str, Any], count: int) -> None:
    for number in range(count):
        await create_task(api, manager, project["id"], f"Task {number}")


@on_postgresql
async def test_a_second_dispatcher_takes_only_what_the_first_has_not_claimed(
    app: Litestar,
    api: httpx.AsyncClient,
    manager: Account,
    project: dict[str, Any],
    webhook: dict[str, Any],
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    await many_tasks(api, manager, project, 30)
    other = Dispatcher(container_of(app), dispatcher._sender, poll_interval=1)
    receiver.hold()

    first = asyncio.create_task(dispatcher.run_once())
    await receiver.wait_for(20)  # a batch, every request of it still unanswered
    second = asyncio.create_task(other.run_once())
    held = await receiver.wait_for(30)
    receiver.release()

    assert list(await asyncio.gather(first, second)) == [20, 10]
    assert len({received.webhook_id for received in held}) == 30
    assert await drain(dispatcher) + await drain(other) == 0
    assert len(receiver.received) == 30


@on_postgresql
async def test_dispatchers_running_side_by_side_deliver_every_event_exactly_once(
    app: Litestar,
    api: httpx.AsyncClient,
    manager: Account,
    project: dict[str, Any],
    webhook: dict[str, Any],
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    await many_tasks(api, manager, project, 40)
    sender = dispatcher._sender
    # Small batches, so that their claims overlap in time on separate connections.
    side_by_side = [Dispatcher(container_of(app), sender, poll_interval=1, batch_size=3) for _ in range(3)]

    attempted = await asyncio.gather(*(drain(each) for each in side_by_side))

    assert sum(attempted) == 40
    assert sorted(r.webhook_id for r in receiver.received) == sorted(
        {r.webhook_id for r in receiver.received}
    )
    assert len(receiver.received) == 40


@on_postgresql
async def test_a_claim_passes_over_a_delivery_another_transaction_has_locked_instead_of_waiting(
    app: Litestar,
    api: httpx.AsyncClient,
    manager: Account,
    project: dict[str, Any],
    webhook: dict[str, Any],
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    await many_tasks(api, manager, project, 2)
    # Routed, and the first delivery held back once: both now exist as rows.
    receiver.answer(500, 500)
    assert await drain(dispatcher) == 2
    engine = await container_of(app).get(AsyncEngine)
    clock = await container_of(app).get(Clock)
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(seconds=10))
    async with engine.connect() as locker:
        await locker.execute(
            text("SELECT id FROM webhook_deliveries ORDER BY event_position LIMIT 1 FOR UPDATE")
        )
        # Were the claim to wait for the lock, this would fail instead of answering at once.
        async with asyncio.timeout(10):
            assert await dispatcher.run_once() == 1
        await locker.rollback()
    assert await drain(dispatcher) == 1
    assert len({r.webhook_id for r in receiver.received}) == 2


async def test_the_app_runs_its_own_dispatcher_when_in_process_delivery_is_on(
    receiver: Receiver, clock: FakeClock
) -> None:
    # An idle dispatcher looks again only after a minute: the delivery comes from being woken.
    settings = dataclasses.replace(
        settings_for(MEMORY_URL), webhook_in_process=True, webhook_poll_interval_ms=60_000
    )
    application = create_app(settings, FastHashingProvider(), ClockProvider(clock))
    await start_app(application)
    try:
        async with http_client(application) as client:
            manager = await new_account(application, client)
            project = await create_project(client, manager)
            response = await client.post(
                f"{PROJECTS}/{project['id']}/webhooks",
                json={"url": receiver.url, "events": ["task.created"]},
                headers=manager.headers,
            )
            assert response.status_code == 201, response.text
            await create_task(client, manager, project["id"], "Delivered in process")
            application.state.webhook_dispatcher.wake()
            [received] = await receiver.wait_for(1)
    finally:
        await stop_app(application)

    assert received.event["data"]["task"]["title"] == "Delivered in process"
    assert received.signed_with(response.json()["secret"])
