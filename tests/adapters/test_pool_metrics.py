"""The pool gauges follow an engine's connections as they are checked out and given back, and the
pool keeps its size: by default a request beyond it waits for a connection instead of opening one."""

import asyncio
from contextlib import AsyncExitStack

import pytest
from prometheus_client import REGISTRY

from adapters.metrics import POOL_CHECKED_OUT, watch_pool
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.settings import DEFAULT_DATABASE_POOL_SIZE as POOL_SIZE


def gauges() -> tuple[float | None, ...]:
    return tuple(
        REGISTRY.get_sample_value(f"taskboard_db_pool_{name}") for name in ("size", "checked_out", "overflow")
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    # Resolved from a sync fixture: pytest-asyncio cannot start an async fixture from a running loop.
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


async def test_the_gauges_count_connections_in_use_and_beyond_the_pool_size(database_url: str) -> None:
    engine = create_engine(database_url, pool_overflow=2)
    watch_pool(engine)
    try:
        assert gauges() == (POOL_SIZE, 0, 0)
        async with AsyncExitStack() as held:
            for _ in range(POOL_SIZE + 2):
                await held.enter_async_context(engine.connect())
            assert gauges() == (POOL_SIZE, POOL_SIZE + 2, 2)
        # Given back: the pool keeps its size in idle connections and closes the two beyond it.
        assert gauges() == (POOL_SIZE, 0, 0)
        async with engine.connect():
            assert gauges() == (POOL_SIZE, 1, 0)
        assert gauges() == (POOL_SIZE, 0, 0)
    finally:
        await engine.dispose()


async def test_by_default_a_checkout_beyond_the_pool_waits_for_a_connection_given_back(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    watch_pool(engine)
    try:
        async with AsyncExitStack() as held:
            first = await held.enter_async_context(engine.connect())
            for _ in range(POOL_SIZE - 1):
                await held.enter_async_context(engine.connect())
            waiting = asyncio.create_task(engine.connect().start())
            await asyncio.sleep(0.2)
            assert not waiting.done()
            assert gauges() == (POOL_SIZE, POOL_SIZE, 0)

            await first.close()
            connection = await asyncio.wait_for(waiting, timeout=5)
            # It got the connection given back: none was opened beyond the pool's size.
            assert gauges() == (POOL_SIZE, POOL_SIZE, 0)
            await connection.close()
    finally:
        await engine.dispose()


async def test_an_in_memory_sqlite_database_has_no_pool_to_report() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    before = REGISTRY.get_sample_value("taskboard_db_pool_checked_out") or 0
    POOL_CHECKED_OUT.set(-1)  # a value no pool would report
    watch_pool(engine)
    try:
        async with engine.connect():
            assert REGISTRY.get_sample_value("taskboard_db_pool_checked_out") == -1
    finally:
        POOL_CHECKED_OUT.set(before)
        await engine.dispose()
