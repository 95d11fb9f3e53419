"""The in-memory database: tables of rows keyed by id, one writer at a time, undo on rollback."""

import asyncio
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

_ABSENT = object()
# Set while the current task is inside a read-only unit of work.
_reading: ContextVar[bool] = ContextVar("memory_store_reading", default=False)


class MemoryStore:
    """Holds every table for the life of the process.

    Writing transactions are serialised by one lock (the strictest isolation, as SQLite's BEGIN
    IMMEDIATE), and each keeps an undo log of the rows it touched, so a rollback costs what the
    transaction wrote, not the size of the store. Readers take no lock: they see the last committed
    rows, reading a row that the open writer has touched from its undo log, which holds the
    committed version. Rows are copied in and out: no caller holds a live row.
    """

    def __init__(self) -> None:
        self._tables: dict[str, dict[UUID, Any]] = {}
        self._undo: dict[tuple[str, UUID], Any] | None = None
        self.lock = asyncio.Lock()

    def begin(self) -> None:
        self._undo = {}

    def commit(self) -> None:
        self._undo = None

    def rollback(self) -> None:
        for (table, key), old in (self._undo or {}).items():
            if old is _ABSENT:
                self._tables[table].pop(key, None)
            else:
                self._tables[table][key] = old
        self._undo = None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Within the block, this task reads committed rows only and may not write."""
        token = _reading.set(True)
        try:
            yield
        finally:
            _reading.reset(token)

    def get(self, table: str, key: UUID) -> Any | None:
        row = self._tables.get(table, {}).get(key)
        if self._undo is not None and _reading.get():
            committed = self._undo.get((table, key), row)
            row = None if committed is _ABSENT else committed
        return copy.copy(row)

    def rows(self, table: str) -> Iterator[Any]:
        current = self._tables.get(table, {})
        if self._undo is None or not _reading.get():
            for row in current.values():
                yield copy.copy(row)
            return
        touched = {key: old for (name, key), old in self._undo.items() if name == table}
        for key, row in current.items():
            committed = touched.pop(key, row)
            if committed is not _ABSENT:
                yield copy.copy(committed)
        # Rows the writer deleted are still committed.
        for old in touched.values():
            if old is not _ABSENT:
                yield copy.copy(old)

    def put(self, table: str, key: UUID, row: Any) -> None:
        rows = self._writable(table)
        assert self._undo is not None
        self._undo.setdefault((table, key), rows.get(key, _ABSENT))
        rows[key] = copy.copy(row)

    def delete(self, table: str, key: UUID) -> None:
        rows = self._writable(table)
        assert self._undo is not None
        self._undo.setdefault((table, key), rows.get(key, _ABSENT))
        rows.pop(key, None)

    def _writable(self, table: str) -> dict[UUID, Any]:
        if _reading.get():
            raise ReadOnlyTransactionError("a read-only unit of work cannot write")
        if self._undo is None:
            raise RuntimeError("writes to the memory store need an open unit of work")
        return self._tables.setdefault(table, {})


class ReadOnlyTransactionError(RuntimeError):
    """A write inside a read-only unit of work: a programming error, whatever the database."""
