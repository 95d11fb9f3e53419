"""An empty database per test, on SQLite and on PostgreSQL, left as empty as it was found."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.persistence.sqlalchemy import migrations


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'taskboard.db'}"
    # Resolved from a sync fixture: pytest-asyncio cannot start an async fixture from a running loop.
    url: str = request.getfixturevalue("postgresql_empty_url")
    return url


@pytest.fixture
async def database_url(empty_database: str) -> AsyncIterator[str]:
    """A database with no tables; whatever a test migrates is undone afterwards."""
    yield empty_database
    # The PostgreSQL database is shared by the whole run, so hand it back empty even after a failure.
    await empty_again(empty_database)


async def empty_again(url: str) -> None:
    """Take every migration back and drop Alembic's own table: the database is as it was created."""
    await migrations.downgrade(url, "base")
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        await engine.dispose()
