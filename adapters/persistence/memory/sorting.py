"""The order every list follows, in memory as the SQL adapters' ORDER BY gives it, and its pages."""

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from domain.paging import Keyset, Page, PageRequest, SortKey

Row = TypeVar("Row")


class _Descending:
    """A value that sorts the other way round (strings cannot be negated, tuples neither)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.value == other.value

    def __lt__(self, other: "_Descending") -> bool:
        return bool(other.value < self.value)

    __hash__ = None  # type: ignore[assignment]  # compared only, never hashed


def order_key(keyset: Keyset, sort: Sequence[SortKey]) -> tuple[Any, ...]:
    """The key that sorts keysets as `ORDER BY k1, k2, ..., id`: each key in its direction, with
    missing values (None) last in both directions, then id ascending. Text compares by code point,
    as Python's str does and as the SQL adapters ask their databases to.

    One key serves both to sort and to find where a keyset page starts, so the two agree.
    """
    parts: list[Any] = []
    for key, value in zip(sort, keyset.values, strict=True):
        # (missing?, value): a missing value compares only with other missing ones, and after the rest.
        parts.append((value is None, _Descending(value) if key.descending else value))
    parts.append(keyset.id)
    return tuple(parts)


def page_of(
    rows: Iterable[Row], sort: Sequence[SortKey], request: PageRequest, keyset_of: Callable[[Row], Keyset]
) -> Page[Row]:
    """The page `request` asks for of `rows` (all that match the filters) in `sort` order."""
    keyed = sorted(((order_key(keyset_of(row), sort), row) for row in rows), key=itemgetter(0))
    if request.after is None:
        start = request.offset
    else:
        # Strictly after the keyset: a row that still sits exactly on it was on the previous page.
        start = bisect_right(keyed, order_key(request.after, sort), key=itemgetter(0))
    read = [row for _key, row in keyed[start : start + request.rows_to_read]]
    return Page.cut(read, len(keyed), request, keyset_of)
