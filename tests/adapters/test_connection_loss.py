"""A pooled connection that died is found by its first statement's error, not by a ping per request.

PostgreSQL ends the server process behind the pool's connection (pg_terminate_backend, as a server
restart or a proxy's idle timeout would), so the pool holds a dead connection. The next unit of
work opened for a signed-in caller finds that out at the caller check, before the use case has read or written
anything, drops the connection and begins once more on a fresh one: the caller never notices.
"""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.persistence.caller import Caller
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.errors import StoreUnavailable
from domain.users import User
from tests.conftest import _asyncpg_dsn, empty_tables
from tests.factories import UserFactory


@pytest.fixture
async def engine(postgresql_url: str, postgresql_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """An engine of the test's own, with one pooled connection, whose sessions the test may end."""
    await empty_tables(postgresql_engine)
    engine = create_engine(postgresql_url, pool_size=1)
    yield engine
    await engine.dispose()


async def end_pooled_session(engine: AsyncEngine, url: str) -> None:
    """Terminate the server process behind the engine's one pooled connection, from outside."""
    async with engine.connect() as pooled:
        pid = await pooled.scalar(text("SELECT pg_backend_pid()"))
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        assert await connection.fetchval("SELECT pg_terminate_backend($1)", pid)
        # Termination is asynchronous: wait until the process is gone.
        gone = "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $1"
        for _ in range(500):
            if await connection.fetchval(gone, pid):
                break
            await asyncio.sleep(0.01)
    finally:
        await connection.close()


async def stored_user(engine: AsyncEngine) -> User:
    user = UserFactory.build()
    uow = SqlAlchemyUnitOfWork(AsyncSession(engine))
    async with uow:
        await uow.users.create(user)
    return user


def count_statements(engine: AsyncEngine) -> list[str]:
    statements: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return statements


@pytest.mark.postgres
async def test_a_dead_pooled_connection_is_replaced_without_the_caller_noticing(
    engine: AsyncEngine, postgresql_url: str
) -> None:
    user = await stored_user(engine)
    await end_pooled_session(engine, postgresql_url)
    statements = count_statements(engine)

    uow = SqlAlchemyUnitOfWork(AsyncSession(engine), Caller(user.as_actor()))
    async with uow.read_only():
        seen = await uow.users.get_by_id(user.id)

    assert seen == user
    # The caller check went out twice, on the dead connection and on the fresh one; then the read.
    assert len([s for s in statements if "FROM users" in s]) == 3
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_without_a_caller_check_the_dead_connection_fails_once_and_the_next_unit_of_work_works(
    engine: AsyncEngine, postgresql_url: str
) -> None:
    """Sign-in and other anonymous units of work have no first statement of their own to spend, so
    the use case's first statement meets the dead connection (a 503 over HTTP); the pool replaces
    it for the next."""
    user = await stored_user(engine)
    await end_pooled_session(engine, postgresql_url)

    uow = SqlAlchemyUnitOfWork(AsyncSession(engine))
    with pytest.raises(StoreUnavailable) as lost:
        async with uow.read_only():
            await uow.users.get_by_id(user.id)
    assert isinstance(lost.value.__cause__, DBAPIError)
    assert lost.value.__cause__.connection_invalidated

    again = SqlAlchemyUnitOfWork(AsyncSession(engine))
    async with again.read_only():
        assert await again.users.get_by_id(user.id) == user


@pytest.mark.postgres
async def test_one_lost_connection_retires_every_connection_pooled_before_it(
    postgresql_engine: AsyncEngine, postgresql_url: str
) -> None:
    """After a server restart the pool holds only dead connections. The first error retires them all,
    so one request fails (a 503), not one per pooled connection, and the next ones connect afresh."""
    await empty_tables(postgresql_engine)
    engine = create_engine(postgresql_url, pool_size=3)
    try:
        user = await stored_user(engine)
        async with engine.connect() as one, engine.connect() as two, engine.connect() as three:
            pids = [await c.scalar(text("SELECT pg_backend_pid()")) for c in (one, two, three)]
        admin = await asyncpg.connect(_asyncpg_dsn(postgresql_url))
        try:
            await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", pids)
            for _ in range(500):  # termination is asynchronous: wait until the processes are gone
                if not await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = any($1)", pids
                ):
                    break
                await asyncio.sleep(0.01)
        finally:
            await admin.close()

        outcomes = []
        for _ in range(3):
            uow = SqlAlchemyUnitOfWork(AsyncSession(engine))
            try:
                async with uow.read_only():
                    outcomes.append(await uow.users.get_by_id(user.id) == user)
            except StoreUnavailable:
                outcomes.append(False)
    finally:
        await engine.dispose()

    assert outcomes == [False, True, True]
