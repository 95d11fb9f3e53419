"""Paging of every list: reading the offset or cursor a request asks with, and answering with
`next_cursor` and RFC 8288 `Link` headers. The one place that knows how pages travel over HTTP."""

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import OpenAPIType
from litestar.params import QueryParameter

from adapters.http.cursors import CURSOR_PATTERN, CursorCodec
from adapters.http.cursors import FIELD as CURSOR
from adapters.http.problems import UnreadableParameter
from adapters.http.schemas.pages import PageBody
from domain.paging import Page, PageRequest, SortFields, SortKey

OFFSET = "offset"
# Long enough for the longest sort values (seven keys, a 200-character title) with room to spare.
MAX_CURSOR_LENGTH = 2048

Cursor = Annotated[
    str | None,
    QueryParameter(
        description="Where the page starts: a `next_cursor` from the previous page of this same query "
        "(same filters and sort). Not with `offset`",
        max_length=MAX_CURSOR_LENGTH,
        # Stated, not checked here: CursorCodec refuses anything but a cursor it issued, as a 400.
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING, "pattern": CURSOR_PATTERN},
    ),
]
LINK_HEADER = [
    ResponseHeader(
        name="Link",
        description='RFC 8288: rel="next" while more items follow (by cursor after a cursor page, by offset '
        'after an offset page), and rel="prev" on an offset page past the first',
        documentation_only=True,
        # Litestar documents a header as of the type of its value: a string.
        value="",
    )
]
Body = TypeVar("Body", bound=PageBody)


class Pager:
    """The paging of one list request. A cursor is bound to the request's path and query, less its
    paging parameters, so a cursor from one list, filter or sort is refused by any other."""

    def __init__(self, request: Request[Any, Any, Any], cursors: CursorCodec) -> None:
        self._request = request
        self._cursors = cursors
        # What links keep of the query (limit included), in the client's order.
        self._kept = [
            (name, value)
            for name, value in request.query_params.multi_items()
            if name not in (CURSOR, OFFSET)
        ]
        # A cursor may be used with another page size; anything else makes another query.
        query = sorted((name, value) for name, value in self._kept if name != "limit")
        self._scope = f"{request.url.path}?{urlencode(query)}"

    def page_request(
        self, sort: Sequence[SortKey], fields: SortFields, offset: int, limit: int, cursor: str | None
    ) -> PageRequest:
        if cursor is None:
            return PageRequest(offset=offset, limit=limit)
        # An offset of 0 is the default, which clients generated from the document send with every
        # request: it skips nothing, so it goes with a cursor.
        if offset:
            raise UnreadableParameter("give a cursor or an offset, not both", CURSOR, OFFSET)
        keyset = self._cursors.decode(cursor, self._scope, [fields[key.field] for key in sort])
        return PageRequest(limit=limit, after=keyset)

    def respond(self, body_type: type[Body], items: list[Any], page: Page[Any]) -> Response[Body]:
        asked = page.request
        next_cursor = None if page.next is None else self._cursors.encode(page.next, self._scope)
        body = body_type(
            items=items,
            total=page.total,
            offset=None if asked.after else asked.offset,
            limit=asked.limit,
            next_cursor=next_cursor,
        )
        links = []
        if next_cursor is not None:
            # A client keeps paging the way it started.
            step = (CURSOR, next_cursor) if asked.after else (OFFSET, str(asked.offset + asked.limit))
            links.append(self._link(step, "next"))
        if asked.after is None and asked.offset > 0:
            links.append(self._link((OFFSET, str(max(asked.offset - asked.limit, 0))), "prev"))
        return Response(body, headers={"Link": ", ".join(links)} if links else None)

    def _link(self, step: tuple[str, str], relation: str) -> str:
        # A path-absolute reference: the client resolves it against the scheme and host it asked
        # (RFC 8288 section 3.2), which the service behind a proxy may not know.
        return f'<{self._request.url.path}?{urlencode([*self._kept, step])}>; rel="{relation}"'
