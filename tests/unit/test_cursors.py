"""The cursor codec: what it encodes comes back, and nothing else is accepted."""

import base64
import re
import secrets
from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.http.cursors import CursorCodec
from adapters.http.problems import UnreadableParameter
from domain.ids import new_id
from domain.paging import Keyset

SECRET = secrets.token_urlsafe(48)
SCOPE = "/api/v1/tasks?project_id=42&sort=-priority%2Cdue_date"
INSTANT = datetime(2026, 2, 1, 9, 30, 0, 123456, tzinfo=UTC)
# Values of every type a sort field has, with the types the codec is told to read them as.
EVERY_KIND: list[tuple[object, Any]] = [
    (INSTANT, datetime),
    (date(2026, 6, 15), date | None),
    (None, date | None),
    (3, int),
    ("Zoë's \u00e9clair \U0001f600 ,;&=?", str),
    (("OPS", 42), tuple[str, int]),
]


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec(SECRET)


def refusal(codec: CursorCodec, cursor: str, scope: str = SCOPE, types: list[Any] | None = None) -> str:
    """The message the codec refuses `cursor` with; the field at fault is always `cursor`."""
    with pytest.raises(UnreadableParameter) as error:
        codec.decode(cursor, scope, [datetime] if types is None else types)
    assert error.value.fields == ("cursor",)
    return error.value.message


@pytest.mark.parametrize(("value", "kind"), EVERY_KIND, ids=[type(v).__name__ for v, _ in EVERY_KIND])
def test_a_keyset_of_each_kind_of_value_comes_back_as_it_went(
    codec: CursorCodec, value: object, kind: Any
) -> None:
    keyset = Keyset(values=(value,), id=new_id())

    assert codec.decode(codec.encode(keyset, SCOPE), SCOPE, [kind]) == keyset


def test_a_keyset_of_several_values_or_of_none_comes_back(codec: CursorCodec) -> None:
    several = Keyset(values=tuple(value for value, _kind in EVERY_KIND), id=new_id())
    bare = Keyset(values=(), id=new_id())

    assert codec.decode(codec.encode(several, SCOPE), SCOPE, [kind for _v, kind in EVERY_KIND]) == several
    assert codec.decode(codec.encode(bare, SCOPE), SCOPE, []) == bare


def test_a_cursor_is_short_url_safe_and_carries_no_secret(codec: CursorCodec) -> None:
    cursor = codec.encode(Keyset(values=(INSTANT,), id=new_id()), SCOPE)

    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert len(cursor) <= 80
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert SECRET.encode() not in decoded
    assert SCOPE.encode() not in decoded


def test_every_single_character_changed_is_refused(codec: CursorCodec) -> None:
    cursor = codec.encode(Keyset(values=(INSTANT, "title"), id=new_id()), SCOPE)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    for position, character in enumerate(cursor):
        for replacement in (alphabet[(alphabet.index(character) + shift) % 64] for shift in (1, 32)):
            tampered = cursor[:position] + replacement + cursor[position + 1 :]
            assert "altered" in refusal(codec, tampered, types=[datetime, str]), (position, replacement)


def test_every_byte_flipped_is_refused(codec: CursorCodec) -> None:
    cursor = codec.encode(Keyset(values=(3,), id=new_id()), SCOPE)
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))

    for position in range(len(raw)):
        flipped = raw[:position] + bytes([raw[position] ^ 0x01]) + raw[position + 1 :]
        tampered = base64.urlsafe_b64encode(flipped).rstrip(b"=").decode()
        assert "altered" in refusal(codec, tampered, types=[int]), position


@pytest.mark.parametrize(
    "cursor",
    ["", "not a cursor", "abc", "A", "AAAA", "%41%41", "YWJj==", "Zm9v.YmFy", "a" * 300],
    ids=["empty", "spaces", "short", "one-character", "zeros", "percent-encoded", "padded", "dotted", "long"],
)
def test_what_this_service_did_not_issue_is_refused(codec: CursorCodec, cursor: str) -> None:
    assert "altered" in refusal(codec, cursor)


def test_a_cursor_cut_short_or_lengthened_is_refused(codec: CursorCodec) -> None:
    cursor = codec.encode(Keyset(values=(INSTANT,), id=new_id()), SCOPE)

    for changed in (cursor[:-1], cursor[1:], cursor + "A", "A" + cursor, cursor + cursor):
        assert "altered" in refusal(codec, changed)


def test_a_cursor_signed_with_another_secret_is_refused(codec: CursorCodec) -> None:
    forged = CursorCodec(secrets.token_urlsafe(48)).encode(Keyset(values=(INSTANT,), id=new_id()), SCOPE)

    assert "altered" in refusal(codec, forged)


@pytest.mark.parametrize(
    "other_scope",
    [
        "/api/v1/tasks?project_id=42&sort=priority%2Cdue_date",  # another sort
        "/api/v1/tasks?project_id=43&sort=-priority%2Cdue_date",  # another filter
        "/api/v1/tasks?sort=-priority%2Cdue_date",  # a filter less
        "/api/v1/projects?project_id=42&sort=-priority%2Cdue_date",  # another endpoint
    ],
    ids=["sort", "filter", "fewer-filters", "endpoint"],
)
def test_a_cursor_for_another_query_is_refused(codec: CursorCodec, other_scope: str) -> None:
    cursor = codec.encode(Keyset(values=(INSTANT,), id=new_id()), SCOPE)

    assert "another list, filter or sort" in refusal(codec, cursor, other_scope)


def test_a_signed_cursor_whose_values_no_longer_read_as_the_sort_s_types_is_refused(
    codec: CursorCodec,
) -> None:
    cursor = codec.encode(Keyset(values=("text",), id=new_id()), SCOPE)

    assert "no longer valid" in refusal(codec, cursor, types=[datetime])
    assert "no longer valid" in refusal(codec, cursor, types=[str, str])
