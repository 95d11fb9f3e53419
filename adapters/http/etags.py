"""Entity tags from versions: `ETag: "3"` on reads, `If-Match: "3"` on writes."""

# What an If-Match header may hold: one entity tag as ETag sends it, or `*` (any version will do).
# ASCII digits only (str.isdigit() also accepts "²", which int() then refuses), at most 18, so the
# version fits a signed 64-bit column. Litestar checks the header against it before the handler runs
# (adapters/http/params.py).
IF_MATCH_PATTERN = r'^(\*|"[0-9]{1,18}")$'


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names, once it matched IF_MATCH_PATTERN; None when absent or `*`."""
    if if_match is None or if_match == "*":
        return None
    return int(if_match.strip().strip('"'))
