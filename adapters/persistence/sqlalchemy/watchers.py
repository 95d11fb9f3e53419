from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy.models import task_watchers


class SqlAlchemyWatcherRepository:
    """Watchers in one statement per call, whatever the number of tasks and users."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def watch(self, task_ids: Collection[UUID], user_ids: Collection[UUID], at: datetime) -> None:
        rows = [
            {"task_id": task, "user_id": user, "created_at": at} for task in task_ids for user in user_ids
        ]
        if not rows:
            return
        # Both dialects spell "insert unless the pair is there" alike (ON CONFLICT DO NOTHING).
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        await self._session.execute(dialect.insert(task_watchers).values(rows).on_conflict_do_nothing())

    async def unwatch(self, task_id: UUID, user_id: UUID) -> None:
        await self._session.execute(
            delete(task_watchers).where(
                task_watchers.c.task_id == task_id, task_watchers.c.user_id == user_id
            )
        )
