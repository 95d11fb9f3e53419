"""A database that is locked, slow or out of connections answers 503 with Retry-After, never 500,
and leaves nothing written; the same app serves again as soon as the trouble is gone.

(The database going down and coming back: tests/faults/test_database_outage.py.)
"""

import dataclasses
import sqlite3
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from dishka import AsyncContainer, Provider, Scope, provide
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.models import Base, ProjectModel, TaskModel
from adapters.settings import Settings
from application.retries import MAX_ATTEMPTS
from tests.conftest import (
    FastHashingProvider,
    _asyncpg_dsn,
    empty_tables,
    http_client,
    settings_for,
    start_app,
    stop_app,
)
from tests.factories_work import unique_project_key
from tests.http.conftest import assert_problem, new_account
from tests.http.tracker import PROJECTS, TASKS, create_project


@dataclasses.dataclass(frozen=True)
class Served:
    app: Litestar
    api: httpx.AsyncClient

    @property
    def container(self) -> AsyncContainer:
        container: AsyncContainer = self.app.state.dishka_container
        return container


async def serve(settings: Settings, *providers: Provider) -> AsyncIterator[Served]:
    """An app of the test's own: these tests change settings and adapters the shared one keeps."""
    application = create_app(settings, FastHashingProvider(), *providers)
    await start_app(application)
    try:
        async with http_client(application) as client:
            yield Served(application, client)
    finally:
        await stop_app(application)


def assert_unavailable(response: httpx.Response) -> str:
    """A 503 problem telling the client when to come back; returns its detail."""
    body = assert_problem(response, 503)
    assert int(response.headers["Retry-After"]) >= 1
    detail: str = body["detail"]
    return detail


async def count(engine: AsyncEngine, model: type[Base]) -> int:
    async with engine.connect() as connection:
        total = await connection.scalar(select(func.count()).select_from(model))
    return int(total or 0)


# --- SQLite: another process holds the write lock -------------------------------------------------


@pytest.fixture
async def impatient_sqlite(sqlite_url: str, sqlite_engine: AsyncEngine) -> AsyncIterator[Served]:
    """The API on SQLite, waiting 50 ms for another connection's write lock."""
    await empty_tables(sqlite_engine)
    settings = dataclasses.replace(settings_for(sqlite_url), statement_timeout_ms=50)
    async for served in serve(settings):
        yield served


async def test_a_write_lock_held_past_every_attempt_is_a_503_and_nothing_is_written(
    impatient_sqlite: Served, sqlite_url: str, sqlite_engine: AsyncEngine
) -> None:
    app, api = impatient_sqlite.app, impatient_sqlite.api
    admin = await new_account(app, api)
    lock = sqlite3.connect(str(make_url(sqlite_url).database), isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        response = await api.post(
            PROJECTS, json={"key": unique_project_key(), "name": "Ops"}, headers=admin.headers
        )
    finally:
        lock.execute("COMMIT")
        lock.close()

    assert f"gave up after {MAX_ATTEMPTS} attempts" in assert_unavailable(response)
    assert await count(sqlite_engine, ProjectModel) == 0
    # The lock is gone: the same app writes again.
    await create_project(api, admin)


# --- PostgreSQL: a statement runs past TASKBOARD_STATEMENT_TIMEOUT_MS ------------------------------


@pytest.fixture
async def impatient_postgresql(postgresql_url: str, postgresql_engine: AsyncEngine) -> AsyncIterator[Served]:
    await empty_tables(postgresql_engine)
    settings = dataclasses.replace(settings_for(postgresql_url), statement_timeout_ms=200)
    async for served in serve(settings):
        yield served


@pytest.mark.postgres
async def test_a_statement_past_the_statement_timeout_is_a_503_that_says_so_and_writes_nothing(
    impatient_postgresql: Served, postgresql_url: str, postgresql_engine: AsyncEngine
) -> None:
    app, api = impatient_postgresql.app, impatient_postgresql.api
    manager = await new_account(app, api)
    project = await create_project(api, manager, key="OPS")
    # Another client holds the project row, so the task number cannot be reserved in time.
    holder = await asyncpg.connect(_asyncpg_dsn(postgresql_url))
    try:
        async with holder.transaction():
            await holder.execute("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE", project["id"])
            response = await api.post(
                TASKS, json={"project_id": project["id"], "title": "Waits"}, headers=manager.headers
            )
    finally:
        await holder.close()

    assert "statement timeout" in assert_unavailable(response)
    assert await count(postgresql_engine, TaskModel) == 0
    created = await api.post(
        TASKS, json={"project_id": project["id"], "title": "Fine"}, headers=manager.headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["key"] == "OPS-1"  # the timed-out attempt reserved no number


# --- the pool has no connection to give ------------------------------------------------------------


class OnePooledConnection(Provider):
    """The engine the settings name, with one pooled connection and a 100 ms wait for it."""

    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(settings.database_url, pool_size=1, pool_timeout=0.1)
        yield engine
        await engine.dispose()


@pytest.fixture
async def one_connection(sqlite_url: str, sqlite_engine: AsyncEngine) -> AsyncIterator[Served]:
    await empty_tables(sqlite_engine)
    async for served in serve(settings_for(sqlite_url), OnePooledConnection()):
        yield served


async def test_a_request_that_gets_no_pooled_connection_in_time_is_a_503(one_connection: Served) -> None:
    app, api = one_connection.app, one_connection.api
    member = await new_account(app, api)
    engine = await one_connection.container.get(AsyncEngine)

    async with engine.connect():  # someone else has the only connection
        response = await api.get(PROJECTS, headers=member.headers)

    assert "no database connection became free" in assert_unavailable(response)
    assert (await api.get(PROJECTS, headers=member.headers)).status_code == 200
