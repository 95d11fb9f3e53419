"""Each request's id and its one access line: the one home of both, wrapped around the whole app."""

import logging
import re
import time
from collections.abc import Iterable
from typing import Any
from uuid import uuid4

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from adapters.logs import REQUEST_ID

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()
# A client's own id is kept when it is 1 to 128 visible ASCII characters (no space, no control
# character): it can neither break a log line nor a header. Anything else gets an id of ours.
_CLIENT_REQUEST_ID = re.compile(rb"[\x21-\x7e]{1,128}")
access_log = logging.getLogger("taskboard.access")


class RequestLog:
    """A pure ASGI wrapper around the app: for every HTTP request it

    - picks the request id and keeps it in the scope's state (`request_id_of`) and, for every log
      line written while the request is served, in `adapters.logs.REQUEST_ID`;
    - sends it back as X-Request-ID on the response;
    - writes one access line: method, route template (None when no route matched), status,
      duration in ms and the caller's id when a token named one. Never headers, bodies or the
      query: they carry tokens and passwords.

    The line is written before the last part of the body goes out, so a client that has its whole
    answer can already read the line in the log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope["headers"])
        scope["state"]["request_id"] = request_id
        context = REQUEST_ID.set(request_id)
        status = 500  # what the server answers for an app that fails before it starts a response
        logged = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, logged
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                logged = True
                _log_access(scope, status, started)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if not logged:  # the client went away before the answer was complete
                _log_access(scope, status, started)
            REQUEST_ID.reset(context)


def request_id_of(request: Request[Any, Any, Any]) -> str:
    """The id of `request`, as RequestLog chose it."""
    request_id: str = request.scope["state"]["request_id"]
    return request_id


def _request_id(headers: Iterable[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == _REQUEST_ID_NAME:
            if _CLIENT_REQUEST_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return str(uuid4())


def _log_access(scope: HTTPScope, status: int, started: float) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    method, route = scope["method"], scope.get("path_template")
    # Set by the JWT middleware once a token is verified: the actor the token names.
    caller = scope.get("user")
    caller_id = None if caller is None else str(caller.id)
    access_log.info(
        "%s %s %d %.1f ms caller=%s",
        method,
        route or "-",
        status,
        duration_ms,
        caller_id or "-",
        extra={
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "caller_id": caller_id,
        },
    )
