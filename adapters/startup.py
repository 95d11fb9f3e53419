"""What `taskboard serve` makes sure of before it serves: the database answers, and its schema is at
the newest revision, migrated there first when TASKBOARD_MIGRATE_ON_START=true. A server started
anyway would answer every request with a 503 or a 500."""

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from adapters.persistence.sqlalchemy import migrations
from adapters.settings import MEMORY_URL, Settings, masked_url

logger = logging.getLogger("taskboard")
# A database that does not answer within this is as good as down, for a server about to start.
CONNECT_TIMEOUT_SECONDS = 10


class StartupRefused(Exception):
    """Why the server will not start and what to run instead, in one line."""


async def prepare_database(settings: Settings) -> None:
    if settings.database_url == MEMORY_URL:
        return
    url = settings.database_url
    current = await _current_revision(url)
    head = migrations.head_revision()
    if current == head:
        return
    if current is not None and not migrations.is_known(current):
        raise StartupRefused(
            f"the database is at revision {current}, which this version of taskboard does not know (a "
            f"newer one migrated it); serve that one, or run its `taskboard db downgrade {head}` first"
        )
    if not settings.migrate_on_start:
        raise StartupRefused(
            f"the database schema is at revision {current or 'none'}, not the newest ({head}); "
            "run `taskboard db upgrade` first, or set TASKBOARD_MIGRATE_ON_START=true"
        )
    await migrations.upgrade(url)
    logger.info("migrated the database from revision %s to %s", current or "none", head)


async def _current_revision(url: str) -> str | None:
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            return await migrations.current_revision(url)
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        raise StartupRefused(
            f"cannot connect to the database at {masked_url(url)} ({_reason(error)}); "
            "start it, or correct TASKBOARD_DATABASE_URL"
        ) from None


def _reason(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT_SECONDS} s"
    # SQLAlchemy's own text adds the statement and a link; the driver's first line says it all.
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
