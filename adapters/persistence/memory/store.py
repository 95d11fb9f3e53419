"""The in-memory database: tables of rows keyed by id, one writer at a time, undo on rollback."""

import asyncio
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from domain.unit_of_work import WriteInReadOnlyUnitOfWork

_ABSENT = object()
_Versions = dict[tuple[str, UUID], Any]
# While the current task is inside a read-only unit of work: the rows changed since it began,
# as they were when it began.
_snapshot: ContextVar[_Versions | None] = ContextVar("memory_store_snapshot", default=None)


class MemoryStore:
    """Holds every table for the life of the process.

    Writing transactions are serialised by one lock (the strictest isolation, as SQLite's BEGIN
    IMMEDIATE), and each keeps an undo log of the rows it touched, so a rollback costs what the
    transaction wrote, not the size of the store. Readers take no lock and see one snapshot, the
    data as committed when they began: a row the open writer touched is read from its undo log, and
    a writer that commits while readers are open hands them the versions it replaced. Rows are
    copied in and out: no caller holds a live row.
    """

    def __init__(self) -> None:
        self._tables: dict[str, dict[UUID, Any]] = {}
        self._undo: _Versions | None = None
        # Per open savepoint, innermost last: the rows touched since it began, as they were then.
        self._savepoints: list[_Versions] = []
        self._open_snapshots: list[_Versions] = []
        self.lock = asyncio.Lock()

    def clear(self) -> None:
        """Forget every row, as a new process would start (between tests, or to reset a demo)."""
        self._tables.clear()

    def begin(self) -> None:
        self._undo = {}
        self._savepoints = []

    def savepoint(self) -> None:
        """Begin a savepoint inside the open writer: `rollback_to_savepoint` undoes what follows."""
        self._writable_undo()
        self._savepoints.append({})

    def release_savepoint(self) -> None:
        """Keep what the innermost savepoint wrote, as part of the savepoint around it, if any."""
        released = self._savepoints.pop()
        if self._savepoints:
            for place, old in released.items():
                self._savepoints[-1].setdefault(place, old)

    def rollback_to_savepoint(self) -> None:
        """Undo what was written since the innermost savepoint began, and end it."""
        for (table, key), old in self._savepoints.pop().items():
            if old is _ABSENT:
                self._tables[table].pop(key, None)
            else:
                self._tables[table][key] = old

    def commit(self) -> None:
        for snapshot in self._open_snapshots:
            for place, old in (self._undo or {}).items():
                snapshot.setdefault(place, old)
        self._undo = None
        self._savepoints = []

    def rollback(self) -> None:
        for (table, key), old in (self._undo or {}).items():
            if old is _ABSENT:
                self._tables[table].pop(key, None)
            else:
                self._tables[table][key] = old
        self._undo = None
        self._savepoints = []

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Within the block, this task reads the data as committed at its start, and may not write."""
        snapshot: _Versions = {}
        self._open_snapshots.append(snapshot)
        token = _snapshot.set(snapshot)
        try:
            yield
        finally:
            _snapshot.reset(token)
            self._open_snapshots.remove(snapshot)

    def get(self, table: str, key: UUID) -> Any | None:
        row = self._tables.get(table, {}).get(key, _ABSENT)
        older = self._older_versions(table)
        if older:
            row = older.get(key, row)
        return None if row is _ABSENT else copy.copy(row)

    def rows(self, table: str) -> Iterator[Any]:
        current = self._tables.get(table, {})
        older = self._older_versions(table)
        for key, row in current.items():
            seen = older.pop(key, row) if older else row
            if seen is not _ABSENT:
                yield copy.copy(seen)
        # Rows deleted since the snapshot was taken are still in it.
        for old in older.values():
            if old is not _ABSENT:
                yield copy.copy(old)

    def put(self, table: str, key: UUID, row: Any) -> None:
        rows = self._touch(table, key)
        rows[key] = copy.copy(row)

    def delete(self, table: str, key: UUID) -> None:
        rows = self._touch(table, key)
        rows.pop(key, None)

    def _touch(self, table: str, key: UUID) -> dict[UUID, Any]:
        """The table's rows, once the row's present version is kept for a rollback (and for the
        innermost savepoint's)."""
        rows, undo = self._writable(table)
        undo.setdefault((table, key), rows.get(key, _ABSENT))
        if self._savepoints:
            self._savepoints[-1].setdefault((table, key), rows.get(key, _ABSENT))
        return rows

    def _older_versions(self, table: str) -> dict[UUID, Any]:
        """For a reader: the rows of `table` whose stored version is newer than its snapshot."""
        snapshot = _snapshot.get()
        if snapshot is None:
            return {}
        # The open writer's undo log holds the committed versions of what it touched; the snapshot
        # holds what later commits replaced, and wins, being older still.
        places = {**(self._undo or {}), **snapshot}
        return {key: old for (name, key), old in places.items() if name == table}

    def _writable(self, table: str) -> tuple[dict[UUID, Any], _Versions]:
        return self._tables.setdefault(table, {}), self._writable_undo()

    def _writable_undo(self) -> _Versions:
        if _snapshot.get() is not None:
            raise WriteInReadOnlyUnitOfWork("a read-only unit of work cannot write")
        if self._undo is None:
            raise RuntimeError("writes to the memory store need an open unit of work")
        return self._undo
