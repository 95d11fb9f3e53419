"""Deliveries end to end: changes made over HTTP, a dispatcher the test runs round by round, and a
real receiver on a loopback port. The clock is the test's, so leases and backoff pass without
waiting."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.webhooks.dispatcher import Dispatcher, dispatcher_for
from application.ports import Clock
from tests.conftest import FastHashingProvider, settings_for, start_app, stop_app
from tests.http.conftest import Account, container_of, new_account, settings_of
from tests.http.tracker import PROJECTS, create_project
from tests.unit.fakes import FakeClock
from tests.webhooks.receiver import Receiver, running_receiver


class ClockProvider(Provider):
    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock

    @provide(scope=Scope.APP)
    def clock(self) -> Clock:
        return self._clock


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture(scope="module")
async def module_app(
    api_database: tuple[str, AsyncEngine | None], clock: FakeClock
) -> AsyncIterator[Litestar]:
    url, _ = api_database
    application = create_app(settings_for(url), FastHashingProvider(), ClockProvider(clock))
    await start_app(application)
    yield application
    await stop_app(application)


@pytest.fixture(scope="module")
async def module_receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def receiver(module_receiver: Receiver) -> Receiver:
    module_receiver.reset()
    return module_receiver


@pytest.fixture
async def dispatcher(app: Litestar) -> Dispatcher:
    return await dispatcher_for(container_of(app), await settings_of(app))


@pytest.fixture
async def manager(app: Litestar, api: httpx.AsyncClient) -> Account:
    return await new_account(app, api)


@pytest.fixture
async def project(api: httpx.AsyncClient, manager: Account) -> dict[str, Any]:
    return await create_project(api, manager, key="OPS")


@pytest.fixture
async def webhook(
    api: httpx.AsyncClient, manager: Account, project: dict[str, Any], receiver: Receiver
) -> dict[str, Any]:
    """The receiver, subscribed to every event of the project."""
    response = await api.post(
        f"{PROJECTS}/{project['id']}/webhooks",
        json={
            "url": receiver.url,
            "events": [
                "task.created",
                "task.updated",
                "task.deleted",
                "task.restored",
                "comment.created",
                "comment.updated",
                "comment.deleted",
            ],
        },
        headers=manager.headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def drain(dispatcher: Dispatcher) -> int:
    """Rounds until one finds nothing due; how many attempts they made."""
    attempted = 0
    while handled := await dispatcher.run_once():
        attempted += handled
    return attempted
