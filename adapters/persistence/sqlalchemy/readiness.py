"""Readiness on SQL: the database answers, and its schema is at the newest migration."""

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.health import Readiness

logger = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 5


class SqlReadinessProbe:
    def __init__(self, engine: AsyncEngine, expected_revision: str | None) -> None:
        self._engine = engine
        self._expected = expected_revision

    async def check(self) -> Readiness:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                revision = await self._current_revision(connection)
        except (SQLAlchemyError, OSError, TimeoutError):
            # The details (host names, driver messages) go to the log, not to anonymous callers.
            logger.warning("readiness: database unreachable", exc_info=True)
            return Readiness(ready=False, checks={"database": "unreachable", "schema": "unknown"})
        if revision != self._expected:
            schema = f"at revision {revision or 'none'}, expected {self._expected}"
            return Readiness(ready=False, checks={"database": "ok", "schema": schema})
        return Readiness(ready=True, checks={"database": "ok", "schema": "ok"})

    @staticmethod
    async def _current_revision(connection: AsyncConnection) -> str | None:
        has_table = await connection.run_sync(lambda sync: sync.dialect.has_table(sync, "alembic_version"))
        if not has_table:
            return None
        revision: str | None = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        return revision
