"""The in-memory database: tables of rows keyed by id, one writer at a time, undo on rollback."""

import asyncio
import copy
from collections.abc import Iterator
from typing import Any
from uuid import UUID

_ABSENT = object()


class MemoryStore:
    """Holds every table for the life of the process.

    Transactions are serialised by one lock (the strictest isolation, as SQLite's BEGIN IMMEDIATE),
    and each keeps an undo log of the rows it touched, so a rollback costs what the transaction
    wrote, not the size of the store. Rows are copied in and out: no caller holds a live row.
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

    def get(self, table: str, key: UUID) -> Any | None:
        row = self._tables.get(table, {}).get(key)
        return copy.copy(row)

    def rows(self, table: str) -> Iterator[Any]:
        for row in self._tables.get(table, {}).values():
            yield copy.copy(row)

    def put(self, table: str, key: UUID, row: Any) -> None:
        if self._undo is None:
            raise RuntimeError("writes to the memory store need an open unit of work")
        rows = self._tables.setdefault(table, {})
        self._undo.setdefault((table, key), rows.get(key, _ABSENT))
        rows[key] = copy.copy(row)

    def delete(self, table: str, key: UUID) -> None:
        if self._undo is None:
            raise RuntimeError("writes to the memory store need an open unit of work")
        rows = self._tables.setdefault(table, {})
        self._undo.setdefault((table, key), rows.get(key, _ABSENT))
        rows.pop(key, None)
