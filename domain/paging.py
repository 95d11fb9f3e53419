"""Offset pagination and sorting shared by every list."""

from collections.abc import Collection
from dataclasses import dataclass

from domain.errors import ValidationFailed

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which slice of a list to return; validated here so every adapter can trust it."""

    offset: int = 0
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if self.offset < 0:
            raise ValidationFailed("must be 0 or more", field="offset")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValidationFailed(f"must be between 1 and {MAX_LIMIT}", field="limit")


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
