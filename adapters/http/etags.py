"""Entity tags from versions: `ETag: "3"` on reads, `If-Match: "3"` on writes."""

import re

from domain.errors import ValidationFailed

# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
_ENTITY_TAG = re.compile(r'"([0-9]{1,18})"')


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*` (any version will do)."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ENTITY_TAG.fullmatch(if_match.strip())
    if match is not None:
        return int(match.group(1))
    raise ValidationFailed('must be one entity tag as sent in ETag, e.g. "3"', field="If-Match")
