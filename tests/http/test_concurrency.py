"""Real concurrent requests: task numbers never collide and no update is lost silently.

The requests run at once through the in-process client (asyncio.gather), each on its own session
and connection, as under a real server.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.composition import create_app
from adapters.persistence.caller import Caller
from adapters.persistence.sqlalchemy.tasks import SqlAlchemyTaskRepository
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.tasks import Task
from domain.unit_of_work import UnitOfWork
from tests.conftest import FastHashingProvider, empty_tables, http_client, settings_for, start_app, stop_app
from tests.http.conftest import Account, assert_problem, on_every_backend
from tests.http.tracker import (
    TASKS,
    Team,
    create_fifty_tasks_at_once,
    create_task,
    if_match,
    list_tasks,
    make_team,
    read_task,
)


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


@on_every_backend
async def test_fifty_simultaneous_creates_get_fifty_distinct_keys(api: httpx.AsyncClient, team: Team) -> None:
    responses = await create_fifty_tasks_at_once(api, team)

    keys = {response.json()["key"] for response in responses}
    assert keys == {f"OPS-{n}" for n in range(1, 51)}
    listed = await list_tasks(api, team.manager, {"limit": 100})
    assert {item["key"] for item in listed["items"]} == keys
    assert listed["total"] == 50
    # The counter moved on past the race: the next task takes the next number.
    assert (await create_task(api, team.manager, team.project_id))["key"] == "OPS-51"


@on_every_backend
async def test_two_updates_from_one_version_with_if_match_one_wins_the_other_gets_412(
    api: httpx.AsyncClient, team: Team
) -> None:
    task = await create_task(api, team.manager, team.project_id, "Original")
    url = f"{TASKS}/{task['id']}"

    first, second = await asyncio.gather(
        api.patch(
            url, json={"title": "From the manager", "priority": "urgent"}, headers=if_match(team.manager, 1)
        ),
        api.patch(
            url,
            json={"title": "From the contributor", "status": "in_progress"},
            headers=if_match(team.contributor, 1),
        ),
    )

    assert sorted([first.status_code, second.status_code]) == [200, 412], [first.text, second.text]
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert_problem(loser, 412)
    # Read as the winner, whose answer says whether they watch the task.
    stored = await read_task(api, team.manager if winner is first else team.contributor, task["id"])
    assert stored == winner.json() | {"latest_comments": []}
    assert stored["version"] == 2


# --- both requests read the same version before either writes -------------------------------------
#
# Without If-Match the service cannot know which version the caller saw: only the database's
# versioned UPDATE notices that another request changed the row since this one read it. Scheduling
# alone rarely makes two requests read before either writes, so a repository that waits for the
# other request just before saving forces that interleaving. PostgreSQL only: SQLite's
# BEGIN IMMEDIATE queues whole transactions, so there the second request simply reads the new version.


class MeetBeforeSaving(SqlAlchemyTaskRepository):
    """The SQL task repository, except that `update` waits until every racer is about to save."""

    def __init__(self, session: AsyncSession, barrier: asyncio.Barrier) -> None:
        super().__init__(session)
        self._barrier = barrier

    async def update(self, task: Task) -> None:
        # The timeout only turns a bug (one request never getting here) into a failure, not a hang.
        await asyncio.wait_for(self._barrier.wait(), timeout=30)
        await super().update(task)


class RacingUpdatesProvider(Provider):
    def __init__(self, barrier: asyncio.Barrier) -> None:
        super().__init__()
        self._barrier = barrier

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, session: AsyncSession, caller: Caller) -> UnitOfWork:
        uow = SqlAlchemyUnitOfWork(session, caller)
        uow.tasks = MeetBeforeSaving(session, self._barrier)
        return uow


@pytest.fixture
async def racing(
    postgresql_url: str, postgresql_engine: AsyncEngine
) -> AsyncIterator[tuple[Litestar, httpx.AsyncClient]]:
    """The API on PostgreSQL, with two task updates forced to read before either saves."""
    await empty_tables(postgresql_engine)
    application = create_app(
        settings_for(postgresql_url), FastHashingProvider(), RacingUpdatesProvider(asyncio.Barrier(2))
    )
    await start_app(application)
    async with http_client(application) as client:
        yield application, client
    await stop_app(application)


@pytest.mark.parametrize(("header", "refused"), [(True, 412), (False, 409)])
async def test_two_updates_that_read_the_same_version_one_wins_and_none_is_lost(
    racing: tuple[Litestar, httpx.AsyncClient], header: bool, refused: int
) -> None:
    app, api = racing
    team = await make_team(app, api)
    task = await create_task(api, team.manager, team.project_id, "Original")
    url = f"{TASKS}/{task['id']}"

    def headers(account: Account) -> dict[str, str]:
        return if_match(account, 1) if header else account.headers

    first, second = await asyncio.gather(
        api.patch(
            url, json={"title": "From the manager", "priority": "urgent"}, headers=headers(team.manager)
        ),
        api.patch(
            url,
            json={"title": "From the contributor", "status": "in_progress"},
            headers=headers(team.contributor),
        ),
    )

    assert sorted([first.status_code, second.status_code]) == [200, refused], [first.text, second.text]
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert_problem(loser, refused)
    # Read as the winner, whose answer says whether they watch the task.
    stored = await read_task(api, team.manager if winner is first else team.contributor, task["id"])
    assert stored == winner.json() | {"latest_comments": []}
    assert stored["version"] == 2
