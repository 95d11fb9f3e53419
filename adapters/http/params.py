"""Request pieces every controller shares: the signed-in request, paging, sorting, versions."""

from collections.abc import Collection
from typing import Annotated, Any, TypeVar

from litestar import Request
from litestar.datastructures import ResponseHeader
from litestar.params import HeaderParameter, QueryParameter
from litestar.security.jwt import Token
from msgspec import UnsetType

from domain.paging import MAX_LIMIT, MAX_OFFSET
from domain.users import Actor

T = TypeVar("T")

AuthedRequest = Request[Actor, Token, Any]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="How many items to skip")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match", description='Refuse the change unless the object is at this version, e.g. "3"'
    ),
]
ETAG_HEADER = [
    ResponseHeader(name="ETag", description="The object's version, for If-Match", documentation_only=True)
]


def sort_description(fields: Collection[str]) -> str:
    return "Comma-separated fields, `-` for descending: " + ", ".join(sorted(fields))


def unset_to_none(value: T | UnsetType) -> T | None:
    return None if isinstance(value, UnsetType) else value
