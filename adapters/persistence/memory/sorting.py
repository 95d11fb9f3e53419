from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar
from uuid import UUID

from domain.paging import SortKey


class _HasId(Protocol):
    @property
    def id(self) -> UUID: ...


Row = TypeVar("Row", bound=_HasId)


def sort_rows(rows: Iterable[Row], sort: Sequence[SortKey]) -> list[Row]:
    """Order as the SQL adapters do: by each key in turn, ties by ascending id, text by code point.

    Python's sort is stable (also with reverse=True), so sorting by id first and then by each key
    from the last to the first gives the same order as `ORDER BY k1, k2, ..., id`.
    """
    ordered = sorted(rows, key=lambda row: row.id)
    for key in reversed(sort):
        ordered.sort(key=lambda row: getattr(row, key.field), reverse=key.descending)
    return ordered
