"""The outbox table: events inserted in the transaction of their change, until they are routed."""

from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.outbox import event_payload
from adapters.persistence.sqlalchemy.models import OutboxModel
from domain.events import DomainEvent, RecordedEvent

# The ORM types a model's table as a FromClause; Core's insert, update and delete want the Table.
_outbox = cast(Table, OutboxModel.__table__)


class SqlAlchemyOutbox:
    """Collects the events a use case appends; its unit of work calls `write` just before it
    commits (after the history entries), `forget_since` when a savepoint rolls back, and `discard`
    when it rolls back."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._pending: list[DomainEvent] = []

    async def append(self, event: DomainEvent) -> None:
        self._pending.append(event)

    def mark(self) -> int:
        """Where a savepoint begins in what is appended."""
        return len(self._pending)

    def forget_since(self, mark: int) -> None:
        """Drop what was appended after `mark`: its savepoint was rolled back."""
        del self._pending[mark:]

    async def write(self) -> None:
        """Every event appended, in one INSERT (none when nothing was), in the order appended.

        Sent at the end of the transaction, which still holds the rows of the changes: the
        positions the database hands out follow the order in which the changes of one task commit.
        """
        if not self._pending:
            return
        rows = [_row(event) for event in self._pending]
        self._pending = []
        await self._session.execute(insert(_outbox).values(rows))

    def discard(self) -> None:
        """The unit of work rolled back: none of its events happened."""
        self._pending = []

    async def take_unrouted(self, limit: int) -> list[RecordedEvent]:
        statement = (
            select(
                _outbox.c.position,
                _outbox.c.id,
                _outbox.c.type,
                _outbox.c.occurred_at,
                _outbox.c.project_id,
                _outbox.c.task_id,
            )
            # As the partial index says it, so SQLite uses the index.
            .where(~_outbox.c.routed)
            .order_by(_outbox.c.position)
            .limit(limit)
            # PostgreSQL: another dispatcher's events are passed over, not waited for. SQLite has
            # no row locks (the statement renders without the clause): the write lock of BEGIN
            # IMMEDIATE already keeps every other dispatcher out.
            .with_for_update(skip_locked=True)
        )
        rows = await self._session.execute(statement)
        return [
            RecordedEvent(
                position=row.position,
                id=row.id,
                type=row.type,
                occurred_at=row.occurred_at,
                project_id=row.project_id,
                task_id=row.task_id,
            )
            for row in rows
        ]

    async def mark_routed(self, positions: list[int]) -> None:
        if positions:
            await self._session.execute(
                update(_outbox).where(_outbox.c.position.in_(positions)).values(routed=True)
            )

    async def remove(self, positions: list[int]) -> None:
        if positions:
            await self._session.execute(delete(_outbox).where(_outbox.c.position.in_(positions)))


def _row(event: DomainEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "occurred_at": event.occurred_at,
        "project_id": event.project_id,
        "task_id": event.task_id,
        "payload": event_payload(event).decode(),
        "routed": False,
    }
