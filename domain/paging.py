"""Pagination and sorting shared by every list: pages by offset, or by keyset (after a given row)."""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from domain.errors import ValidationFailed

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# The largest offset both databases take (a signed 64-bit integer); asyncpg and SQLite refuse more.
MAX_OFFSET = 2**63 - 1

T = TypeVar("T")

# Each field a list may sort by, with the type of the value it compares (e.g. `int` for a rank,
# `date | None` for a due date). A keyset holds values of these types, and whoever stores or
# carries a keyset outside the process (an HTTP cursor) reads them back by it.
SortFields = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False


def parse_sort(text: str, allowed: Collection[str]) -> tuple[SortKey, ...]:
    """Parse `-created_at,email` into sort keys, refusing fields outside the whitelist or repeated."""
    keys: list[SortKey] = []
    for part in (piece.strip() for piece in text.split(",")):
        descending = part.startswith("-")
        name = part.removeprefix("-")
        if name not in allowed:
            raise ValidationFailed(
                f"cannot sort by {name!r}; choose from {', '.join(sorted(allowed))}", field="sort"
            )
        if any(key.field == name for key in keys):
            raise ValidationFailed(f"{name!r} appears twice", field="sort")
        keys.append(SortKey(name, descending))
    return tuple(keys)


class _HasId(Protocol):
    @property
    def id(self) -> UUID: ...


@dataclass(frozen=True, slots=True)
class Keyset:
    """Where a row stands in a list's order: its value for each sort key (in order), then its id.

    Every list orders by its sort keys and then by id, ascending, with missing values (None) last
    in both directions, so a keyset names one place in that order: it stays meaningful after its
    row changed or went away, and rows stored later fall before or after it, never onto it.
    """

    values: tuple[object, ...]
    id: UUID

    @classmethod
    def of(cls, row: _HasId, sort: Sequence[SortKey]) -> "Keyset":
        """The keyset of a row whose sort fields are its attributes of the same names."""
        return cls(tuple(getattr(row, key.field) for key in sort), row.id)


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which slice of a list to return; validated here so every adapter can trust it.

    `after` asks for the rows strictly after that keyset (a keyset page), instead of skipping
    `offset` rows: rows added or removed before it do not shift the page.
    """

    offset: int = 0
    limit: int = DEFAULT_LIMIT
    after: Keyset | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.offset <= MAX_OFFSET:
            raise ValidationFailed(f"must be between 0 and {MAX_OFFSET}", field="offset")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValidationFailed(f"must be between 1 and {MAX_LIMIT}", field="limit")
        if self.after is not None and self.offset:
            raise ValidationFailed("a page after a keyset takes no offset", field="offset")

    @property
    def rows_to_read(self) -> int:
        """A repository reads one row more than the page holds: it tells whether another page follows."""
        return self.limit + 1


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, how many rows match its filters in all, and where the next page starts.

    `next` is the keyset of the page's last row while more rows follow it, None on the last page.
    """

    items: Sequence[T]
    total: int
    request: PageRequest
    next: Keyset | None = None

    @classmethod
    def cut(
        cls, rows: Sequence[T], total: int, request: PageRequest, keyset_of: Callable[[T], Keyset]
    ) -> "Page[T]":
        """The page made of the first `rows_to_read` rows in order from where `request` starts."""
        items = rows[: request.limit]
        more = len(rows) > request.limit
        return cls(items=items, total=total, request=request, next=keyset_of(items[-1]) if more else None)
