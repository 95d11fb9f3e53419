"""Request pieces every controller shares: the signed-in request, paging, sorting, versions.

Each constraint on a parameter is declared here once: Litestar documents it in the OpenAPI document
and checks it in the same pass that reads every other parameter, so a request that breaks several
gets one 422 naming each of them.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request
from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import HeaderParameter, QueryParameter
from litestar.security.jwt import Token
from msgspec import UnsetType

from adapters.http.etags import IF_MATCH_PATTERN, etag
from adapters.http.schemas.text import WITHOUT_NUL
from domain.errors import ValidationFailed
from domain.paging import MAX_LIMIT, MAX_OFFSET
from domain.users import Actor

T = TypeVar("T")

AuthedRequest = Request[Actor, Token, Any]
# The bound is stated as an integer: Litestar writes `le` as a float, and 2^63 - 1 is no float.
Offset = Annotated[
    int,
    QueryParameter(
        ge=0, le=MAX_OFFSET, description="How many items to skip", schema_extra={"maximum": MAX_OFFSET}
    ),
]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        description='Refuse the change unless the object is at this version: its ETag, e.g. "3", or `*`',
        pattern=IF_MATCH_PATTERN,
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING},
    ),
]
ETAG_HEADER = [
    ResponseHeader(
        name="ETag",
        description='The object\'s version, for If-Match: a number in double quotes, e.g. "3"',
        documentation_only=True,
        # Litestar documents a header as of the type of its value: a string.
        value=etag(1),
    )
]


def text_or_absent(description: str, max_length: int) -> Any:
    """An optional text query parameter of at most `max_length` characters.

    Its None stands for "absent": Litestar reads `?q=null` as the text "null", not as None, so the
    document gives a string, not the `null` alternative Litestar documents for the None. (It does
    read `null` as None for an id, a date, a flag or an enum, whose `null` stays documented.)
    """
    return QueryParameter(
        description=description,
        max_length=max_length,
        pattern=WITHOUT_NUL,
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING},
    )


def instant_or_absent(description: str) -> Any:
    """An optional query parameter that gives an instant as RFC 3339 text; `read_instant` reads it.

    Text, not a `datetime` parameter: Litestar reads those leniently, `?since=0.5` as half a second
    past 1970, which the document (and a client) would not expect.
    """
    return QueryParameter(
        description=description,
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING, "format": OpenAPIFormat.DATE_TIME},
    )


def read_instant(text: str | None, field: str) -> datetime | None:
    """The instant an `instant_or_absent` parameter gives (None when absent); a 422 naming `field`
    unless it is ISO 8601 date-time text."""
    if text is None:
        return None
    try:
        return msgspec.convert(text, datetime)
    except msgspec.ValidationError:
        raise ValidationFailed("must be an instant like 2026-12-01T09:00:00Z", field=field) from None


def one_word_or_absent(description: str, word: str) -> Any:
    """An optional query parameter that takes one word (`assignee=none`), None when absent.

    Documented as that word or null, not as Litestar's `type: [null, string]` with both in one
    enum, which client generators read as three enumerations.
    """
    return QueryParameter(
        description=description,
        schema_extra={
            "type": None,
            "enum": None,
            "oneOf": [Schema(type=OpenAPIType.STRING, enum=[word]), Schema(type=OpenAPIType.NULL)],
        },
    )


def sort_parameter(fields: Collection[str]) -> Any:
    """`sort`: comma-separated fields, each at most once, `-` for descending, nothing else.

    The pattern is the whole rule, so the document states it and Litestar refuses a bad sort
    alongside any other bad parameter (`domain.paging.parse_sort` then reads a sort that matched).
    The lookahead refuses a field named twice, in either direction.
    """
    # Longest first, so that no name is matched as the start of a longer one.
    name = "|".join(sorted(fields, key=len, reverse=True))
    twice = rf"(?!(?:[^,]*,)*-?({name}),(?:[^,]*,)*-?\1(?:,|$))"
    return QueryParameter(
        description=sort_description(fields),
        pattern=rf"^{twice}-?(?:{name})(?:,-?(?:{name}))*$",
        # Checked before the pattern, so that the pattern never runs on a long value. Not
        # documented: no value the pattern matches is half as long.
        max_length=200,
        schema_extra={"maxLength": None},
    )


def sort_description(fields: Collection[str]) -> str:
    return "Comma-separated fields, each at most once, `-` for descending: " + ", ".join(sorted(fields))


def unset_to_none(value: T | UnsetType) -> T | None:
    return None if isinstance(value, UnsetType) else value
