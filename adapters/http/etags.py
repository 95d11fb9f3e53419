"""Entity tags from versions: `ETag: "3"` on reads, `If-Match: "3"` on writes."""

from domain.errors import ValidationFailed


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*` (any version will do)."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip()
    if len(value) >= 3 and value[0] == value[-1] == '"' and value[1:-1].isdigit():
        return int(value[1:-1])
    raise ValidationFailed('must be one entity tag as sent in ETag, e.g. "3"', field="If-Match")
