"""Every invalid field of a request body at once, for the 422 of a body that failed to decode.

msgspec stops at the first field it cannot decode. Only once it has (the error path: nothing here
runs for a body that decodes), the body is decoded again without each top-level field found at
fault, until the rest decodes, so one answer names every field that is wrong, unknown or missing.
"""

import re
from typing import Any

import msgspec

# msgspec says where the fault is as " - at `$.changes.title`" (`$.tag_ids[3]`), and names an
# unknown or missing field as "Object contains unknown field `role`"; at the top level, no path.
_AT_PATH = re.compile(r" - at `\$\.([^`]*)`$")
_NAMED = re.compile(r"field `([^`]+)`")
_TOP_LEVEL = re.compile(r"[^.\[]+")
_MISSING = "Object missing required field"


def body_errors(shape: type[msgspec.Struct], body: object, *, strict: bool = False) -> list[tuple[str, str]]:
    """(field, message) for each field of `body` that does not decode as `shape` (as Litestar
    decodes it: not strictly; or `strict`ly, JSON types as they are), a field inside another named
    by its path (`changes.title`); ("body", message) when it is no JSON object at all."""
    if not isinstance(body, dict):
        return [("body", decode_error(shape, body, strict=strict) or "is not a JSON object")]
    errors: list[tuple[str, str]] = []
    remaining = dict(body)
    while (message := decode_error(shape, remaining, strict=strict)) is not None:
        path = _AT_PATH.search(message)
        if message.startswith(_MISSING) and path is None:
            # Reported once every field present decodes: each required one the client left out.
            errors.extend(
                (field.encode_name, f"{_MISSING} `{field.encode_name}`")
                for field in msgspec.structs.fields(shape)
                if field.required and field.encode_name not in body
            )
            break
        named = _NAMED.search(message)
        if path is None:
            field = named.group(1) if named else "body"
        else:
            field = f"{path.group(1)}.{named.group(1)}" if named else path.group(1)
        errors.append((field, _AT_PATH.sub("", message)))
        top = _TOP_LEVEL.match(field)
        if top is None or top.group(0) not in remaining:
            break
        del remaining[top.group(0)]
    return errors


def decode_error(shape: type[msgspec.Struct], body: Any, *, strict: bool = False) -> str | None:
    try:
        msgspec.convert(body, shape, strict=strict)
    except msgspec.ValidationError as error:
        return str(error)
    return None
