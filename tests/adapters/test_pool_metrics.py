"""The pool gauges follow an engine's connections as they are checked out and given back."""

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
    engine = create_engine(database_url)
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
