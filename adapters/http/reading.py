"""What the service refuses to read, before any of it reaches a use case or a database.

The one home of the rules about raw input that hold for every route alike: a body must be UTF-8
JSON that msgspec can decode (no deeper than it can recurse), query values must be UTF-8, a
parameter the route reads once may be given only once, and no text may carry a NUL character.

NUL is refused here, at the HTTP boundary, rather than in the domain's value rules: PostgreSQL
cannot store it in text while SQLite and the memory store can, so it is a limit of what travels
through the service, not of what a title or a name means. Here one check covers every string of
every body and every query parameter (filters included, which the domain never validates), names
the field as the client spelled it, and makes the three stores behave the same. The CLI and the
environment cannot carry NUL at all (argv and environment entries are C strings).
"""

from collections import Counter
from typing import Any
from urllib.parse import unquote_to_bytes

import msgspec
from litestar import Request
from litestar.exceptions import SerializationException

from adapters.http.body_errors import body_errors, decode_error
from adapters.http.problems import UnreadableBody, UnreadableParameter
from domain.errors import ValidationFailed

NUL = "\x00"
_NUL_MESSAGE = "must not contain NUL characters"


class TaskboardRequest(Request[Any, Any, Any]):
    """Litestar's request, with a body that is refused as a 400 or 422 naming the field, never a 500."""

    async def json(self) -> Any:
        try:
            value = await super().json()
        except SerializationException as error:
            raise UnreadableBody(f"is not valid JSON: {error}") from None
        except UnicodeDecodeError:
            # msgspec decodes strings as UTF-8 and raises this for any other bytes.
            raise UnreadableBody("is not valid UTF-8") from None
        except RecursionError:
            # msgspec nests as deep as Python's recursion limit allows (about a thousand levels).
            raise UnreadableBody("nests too deeply") from None
        _refuse_nul(value, field="body")
        return value


def _refuse_nul(value: Any, *, field: str) -> None:
    """Find a NUL in any string of a decoded JSON value; the field is the top-level member."""
    if isinstance(value, str):
        if NUL in value:
            raise ValidationFailed(_NUL_MESSAGE, field=field)
    elif isinstance(value, dict):
        for key, member in value.items():
            name = key if field == "body" else field
            _refuse_nul(key, field=name)
            _refuse_nul(member, field=name)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item, field=field)


async def refuse_unreadable_query(request: Request[Any, Any, Any]) -> None:
    """Refuse query values that are not UTF-8 or hold a NUL, and a repeated parameter the route
    reads as one value (Litestar would silently keep one of them)."""
    names: list[str] = []
    for part in request.scope["query_string"].split(b"&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition(b"=")
        name = _decoded(raw_name, "query")
        _decoded(raw_value, name)
        names.append(name)
    if len(set(names)) == len(names):
        return
    scalars = _scalar_parameters(request)
    repeated = sorted(name for name, count in Counter(names).items() if count > 1 and name in scalars)
    if repeated:
        raise UnreadableParameter("is given more than once; give it once", *repeated)


def _decoded(raw: bytes, field: str) -> str:
    """A percent-encoded query name or value as text; refused, naming `field`, unless it is UTF-8
    without NUL."""
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableParameter("is not valid UTF-8", field) from None
    if NUL in text:
        raise ValidationFailed(_NUL_MESSAGE, field=field)
    return text


def _scalar_parameters(request: Request[Any, Any, Any]) -> set[str]:
    parameters = request.route_handler.parsed_fn_signature.parameters
    return {name for name, definition in parameters.items() if not definition.is_non_string_sequence}


async def refuse_loosely_typed_body(request: Request[Any, Any, Any]) -> None:
    """Refuse a JSON body that decodes only because Litestar converts loosely (0 or 1 as a boolean,
    "5" as a number): the document states JSON's own types, so the service holds clients to them.
    A body that does not decode even loosely is left to Litestar's own refusal."""
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    shape = None if parameter is None else parameter.annotation
    if not (isinstance(shape, type) and issubclass(shape, msgspec.Struct)):
        return
    # Read as the handler will read it (and kept for it): an unreadable body is refused here as there.
    body = await request.json()
    if decode_error(shape, body, strict=True) is None or decode_error(shape, body) is not None:
        return
    field, message = body_errors(shape, body, strict=True)[0]
    raise ValidationFailed(message, field=field)
