from dataclasses import dataclass
from uuid import UUID

import pytest

from domain.errors import ValidationFailed
from domain.ids import new_id
from domain.paging import MAX_LIMIT, Keyset, Page, PageRequest, SortKey, parse_sort

ALLOWED = frozenset({"created_at", "email", "full_name"})


def test_new_id_is_a_version_7_rfc_uuid() -> None:
    identifier = new_id()

    assert identifier.version == 7
    assert identifier.variant == "specified in RFC 4122"


def test_new_ids_increase_across_consecutive_calls() -> None:
    ids = [new_id() for _ in range(1000)]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_parse_sort_reads_ascending_and_descending_keys_in_order() -> None:
    assert parse_sort("-created_at, email", ALLOWED) == (
        SortKey("created_at", descending=True),
        SortKey("email"),
    )


def test_parse_sort_refuses_a_field_outside_the_whitelist() -> None:
    with pytest.raises(ValidationFailed) as error:
        parse_sort("email,password_hash", ALLOWED)

    assert error.value.field == "sort"


@pytest.mark.parametrize("text", ["email,email", "email,-email"])
def test_parse_sort_refuses_a_repeated_field(text: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        parse_sort(text, ALLOWED)

    assert error.value.field == "sort"


@pytest.mark.parametrize("text", ["", "-", "email,"])
def test_parse_sort_refuses_empty_keys(text: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        parse_sort(text, ALLOWED)

    assert error.value.field == "sort"


@pytest.mark.parametrize(("offset", "limit"), [(0, 1), (0, MAX_LIMIT), (10_000, 20)])
def test_page_request_accepts_bounds(offset: int, limit: int) -> None:
    page = PageRequest(offset=offset, limit=limit)

    assert (page.offset, page.limit) == (offset, limit)


@pytest.mark.parametrize(
    ("offset", "limit", "field"),
    [(-1, 20, "offset"), (0, 0, "limit"), (0, MAX_LIMIT + 1, "limit"), (0, -5, "limit")],
)
def test_page_request_refuses_out_of_range_values(offset: int, limit: int, field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        PageRequest(offset=offset, limit=limit)

    assert error.value.field == field


def test_page_request_after_a_keyset_takes_no_offset() -> None:
    after = Keyset(values=(), id=new_id())

    assert PageRequest(limit=5, after=after).after == after
    with pytest.raises(ValidationFailed) as error:
        PageRequest(offset=5, after=after)

    assert error.value.field == "offset"


@dataclass(frozen=True)
class _Row:
    id: UUID
    name: str


ROWS = [_Row(new_id(), name) for name in ("a", "b", "c")]


def test_keyset_of_a_row_holds_its_sort_values_in_sort_order_and_its_id() -> None:
    row = ROWS[0]

    assert Keyset.of(row, [SortKey("name", descending=True)]) == Keyset(values=("a",), id=row.id)


def test_a_page_cut_from_one_row_more_than_its_limit_starts_the_next_at_its_last_row() -> None:
    request = PageRequest(limit=2)

    page = Page.cut(ROWS, 7, request, lambda row: Keyset.of(row, []))

    assert (list(page.items), page.total, page.request) == (ROWS[:2], 7, request)
    assert page.next == Keyset(values=(), id=ROWS[1].id)


@pytest.mark.parametrize("rows", [ROWS, ROWS[:2], []], ids=["exactly-full", "short", "empty"])
def test_a_page_cut_from_no_more_rows_than_its_limit_is_the_last(rows: list[_Row]) -> None:
    page = Page.cut(rows, len(rows), PageRequest(limit=3), lambda row: Keyset.of(row, []))

    assert (list(page.items), page.next) == (rows, None)
