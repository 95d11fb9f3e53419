"""Task history on SQLite and PostgreSQL: entries collected while a use case runs, written in one
INSERT as its unit of work commits, and read with Core into views."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy.models import TaskHistoryModel, TaskModel, UserModel
from adapters.persistence.sqlalchemy.sorting import paged, rows_and_total, table_terms, with_total
from domain.history import (
    HISTORY_SORT,
    ActivityFilters,
    FieldChange,
    HistoryEntry,
    HistoryView,
    history_keyset,
)
from domain.paging import Page, PageRequest
from domain.users import UserRef

_history = TaskHistoryModel.__table__
_tasks = TaskModel.__table__
_users = UserModel.__table__

_VIEW_COLUMNS = (
    _history.c.id,
    _history.c.task_id,
    _history.c.project_id,
    _history.c.actor_id,
    _history.c.at,
    _history.c.action,
    _history.c.changes,
    _users.c.full_name.label("actor_name"),
)
# The actor's name as their account has it now (deleted accounts too: an entry keeps its actor).
_VIEWS = select(*_VIEW_COLUMNS).select_from(_history.join(_users, _users.c.id == _history.c.actor_id))


class SqlAlchemyHistoryRepository:
    """Collects what a use case records; its unit of work calls `write` before it commits, and
    `forget_since` when a savepoint rolls back."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._pending: list[HistoryEntry] = []

    def record(self, entry: HistoryEntry) -> None:
        self._pending.append(entry)

    def mark(self) -> int:
        """Where a savepoint begins in what is recorded."""
        return len(self._pending)

    def forget_since(self, mark: int) -> None:
        """Drop what was recorded after `mark`: its savepoint was rolled back."""
        del self._pending[mark:]

    async def write(self) -> None:
        """Everything recorded, in one statement (no statement when nothing was)."""
        if not self._pending:
            return
        rows = [_row(entry) for entry in self._pending]
        self._pending = []
        await self._session.execute(insert(TaskHistoryModel).values(rows))

    def discard(self) -> None:
        """The unit of work rolled back: nothing it recorded happened."""
        self._pending = []

    async def list_for_task(self, task_id: UUID, page: PageRequest) -> Page[HistoryView]:
        return await self._page([_history.c.task_id == task_id], page)

    async def list_for_project(
        self, project_id: UUID, filters: ActivityFilters, page: PageRequest
    ) -> Page[HistoryView]:
        conditions: list[ColumnElement[bool]] = [_history.c.project_id == project_id]
        if filters.actor_id is not None:
            conditions.append(_history.c.actor_id == filters.actor_id)
        if filters.actions:
            conditions.append(_history.c.action.in_(sorted(action.value for action in filters.actions)))
        if filters.since is not None:
            conditions.append(_history.c.at >= filters.since)
        if not filters.include_deleted_tasks:
            live = select(_tasks.c.id).where(_tasks.c.project_id == project_id, ~_tasks.c.is_deleted)
            conditions.append(_history.c.task_id.in_(live))
        return await self._page(conditions, page)

    async def _page(self, conditions: Sequence[ColumnElement[bool]], page: PageRequest) -> Page[HistoryView]:
        count = select(func.count()).select_from(_history).where(*conditions)
        terms = table_terms(self._session, _history, HISTORY_SORT)
        statement = with_total(paged(_VIEWS.where(*conditions), terms, page), count)
        rows, total = await rows_and_total(self._session, statement, count, page)
        return Page.cut([_view_from_row(row) for row in rows], total, page, history_keyset)


def _row(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "task_id": entry.task_id,
        "project_id": entry.project_id,
        "actor_id": entry.actor_id,
        "at": entry.at,
        "action": entry.action,
        "changes": [{"field": c.field, "from": c.before, "to": c.after} for c in entry.changes],
    }


def _view_from_row(row: Row[*tuple[Any, ...]]) -> HistoryView:
    entry = HistoryEntry(
        id=row.id,
        task_id=row.task_id,
        project_id=row.project_id,
        actor_id=row.actor_id,
        at=row.at,
        action=row.action,
        changes=tuple(FieldChange(c["field"], c["from"], c["to"]) for c in row.changes),
    )
    return HistoryView(entry=entry, actor=UserRef(id=row.actor_id, full_name=row.actor_name))
