from collections.abc import Iterable, Sequence
from typing import TypeVar

from domain.paging import SortKey

Row = TypeVar("Row")


def sort_rows(rows: Iterable[Row], sort: Sequence[SortKey]) -> list[Row]:
    """Order as the SQL adapters do: by each key in turn, ties by ascending id, text by code point.

    Python's sort is stable (also with reverse=True), so sorting by id first and then by each key
    from the last to the first gives the same order as `ORDER BY k1, k2, ..., id`.
    """
    ordered = sorted(rows, key=lambda row: getattr(row, "id"))
    for key in reversed(sort):
        ordered.sort(key=lambda row: getattr(row, key.field), reverse=key.descending)
    return ordered
