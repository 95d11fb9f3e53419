"""Run Alembic from code (the CLI, readiness checks, tests) against an async engine."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.persistence.sqlalchemy.engine import ensure_sqlite_directory

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["configure_logging"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(database_url: str, revision: str = "head") -> None:
    await _run(database_url, lambda config: command.upgrade(config, revision))


async def downgrade(database_url: str, revision: str) -> None:
    await _run(database_url, lambda config: command.downgrade(config, revision))


async def current_revision(database_url: str) -> str | None:
    # A fresh checkout has no ./var/ yet; SQLite would fail to open the file instead of answering "base".
    ensure_sqlite_directory(database_url)
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def is_known(revision: str) -> bool:
    """Whether `revision` is one of this code's migrations (a newer release's is not)."""
    script = ScriptDirectory.from_config(alembic_config())
    return any(known.revision == revision for known in script.walk_revisions())


def history() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [f"{revision.revision}: {revision.doc}" for revision in reversed(list(script.walk_revisions()))]


async def _run(database_url: str, operation: Callable[[Config], None]) -> None:
    # A plain engine, without the service's SQLite pragmas: table rebuilds in batch mode need
    # foreign keys off, and PostgreSQL runs the whole migration in one transaction.
    ensure_sqlite_directory(database_url)
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: operation(alembic_config(sync)))
    finally:
        await engine.dispose()
