"""What every list answers: a page of items, the total, and the way to the next page."""

from typing import Annotated, Any

import msgspec
from msgspec import Meta

_NEXT_CURSOR = "Send it as `cursor`, with the same filters and sort, for the next page; null on the last page"


class PageBody(msgspec.Struct, kw_only=True):
    """Each list's page type narrows `items` to what it lists."""

    items: list[Any]
    total: Annotated[int, Meta(description="How many items match the filters, on every page alike")]
    offset: Annotated[
        int | None, Meta(description="The offset the page was asked for; null on a page asked for by cursor")
    ]
    limit: int
    next_cursor: Annotated[str | None, Meta(description=_NEXT_CURSOR)]
