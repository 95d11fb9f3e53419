"""Every error response, in one place: RFC 9457 problem details (application/problem+json)."""

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from adapters.http.request_log import request_id_of
from domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    StaleVersion,
    StoreUnavailable,
    ValidationFailed,
)
from domain.unit_of_work import StorageFailure

PROBLEM_MEDIA_TYPE = "application/problem+json"
# What a 503 tells clients to wait before trying again: outages worth a 503 last seconds.
RETRY_AFTER_SECONDS = 1
logger = logging.getLogger(__name__)


class FieldError(msgspec.Struct, omit_defaults=True):
    """One offending input: `field` names it (a body field, a query parameter or a header)."""

    field: str
    message: str
    source: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    status: int
    title: str
    detail: str
    instance: str
    type: str = "about:blank"
    errors: list[FieldError] = msgspec.field(default_factory=list)
    # The request's X-Request-ID, as in the log lines: what to quote when reporting the problem.
    request_id: str = ""


class UnreadableParameter(Exception):
    """Query parameters the service cannot read at all, or not together: a 400 naming each of them.

    For what only the HTTP adapter knows to be wrong (an opaque cursor it did not issue for this
    list, a cursor beside an offset). A value that reads well but breaks a rule stays a 422.
    """

    def __init__(self, message: str, *fields: str) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class UnreadableBody(Exception):
    """A request body that is not JSON the service can decode at all: a 400 naming the body."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_DOMAIN_STATUS: dict[type[DomainError], HTTPStatus] = {
    ValidationFailed: HTTPStatus.UNPROCESSABLE_ENTITY,
    NotFound: HTTPStatus.NOT_FOUND,
    Conflict: HTTPStatus.CONFLICT,
    PermissionDenied: HTTPStatus.FORBIDDEN,
    AuthenticationFailed: HTTPStatus.UNAUTHORIZED,
    StoreUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
}


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    body = Problem(
        status=status,
        title=HTTPStatus(status).phrase,
        detail=detail,
        instance=request.url.path,
        errors=errors or [],
        request_id=request_id_of(request),
    )
    if status == HTTPStatus.UNAUTHORIZED:
        headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def status_of(error: DomainError, *, if_match: bool) -> HTTPStatus:
    """The HTTP status of a domain error."""
    if isinstance(error, StaleVersion):
        # With If-Match the caller asked for a precondition; without it, it is a plain conflict.
        return HTTPStatus.PRECONDITION_FAILED if if_match else HTTPStatus.CONFLICT
    return next(
        (code for kind, code in _DOMAIN_STATUS.items() if isinstance(error, kind)),
        HTTPStatus.BAD_REQUEST,
    )


def problem_of(error: DomainError, status: int, instance: str) -> Problem:
    """The problem body of a domain error (the body alone: one item of a bulk answer is one)."""
    errors = [FieldError(field=error.field, message=error.message)] if error.field else []
    return Problem(
        status=status, title=HTTPStatus(status).phrase, detail=error.message, instance=instance, errors=errors
    )


def domain_error_to_problem(request: Request[Any, Any, Any], error: DomainError) -> Response[Problem]:
    status = status_of(error, if_match="if-match" in request.headers)
    errors = [FieldError(field=error.field, message=error.message)] if error.field else None
    headers = None
    if isinstance(error, StoreUnavailable):
        # The cause (the driver's message, host names) is for the operator, not for the client.
        logger.warning(
            "%s %s (request %s): %s (%r)",
            request.method,
            request.url.path,
            request_id_of(request),
            error.message,
            error.__cause__,
        )
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return problem(request, status, error.message, errors, headers)


def http_exception_to_problem(request: Request[Any, Any, Any], error: HTTPException) -> Response[Problem]:
    status = error.status_code
    errors: list[FieldError] = []
    if isinstance(error, ValidationException) and isinstance(error.extra, list):
        errors = [_field_error(item) for item in error.extra if isinstance(item, dict)]
        if errors:
            status = HTTPStatus.UNPROCESSABLE_ENTITY
    detail = error.detail if status < 500 else HTTPStatus(status).description
    return problem(request, status, detail, errors, headers=dict(error.headers or {}))


def unreadable_parameter_to_problem(
    request: Request[Any, Any, Any], error: UnreadableParameter
) -> Response[Problem]:
    errors = [FieldError(field=field, message=error.message, source="query") for field in error.fields]
    return problem(request, HTTPStatus.BAD_REQUEST, error.message, errors)


def unreadable_body_to_problem(request: Request[Any, Any, Any], error: UnreadableBody) -> Response[Problem]:
    errors = [FieldError(field="body", message=error.message, source="body")]
    return problem(request, HTTPStatus.BAD_REQUEST, f"the body {error.message}", errors)


def storage_failure_to_problem(request: Request[Any, Any, Any], error: StorageFailure) -> Response[Problem]:
    # One line, no traceback: the failure's message names the statement and the kind of error
    # only, and the database's own message, which may quote values, stays out of the log.
    request_id = request_id_of(request)
    logger.error(
        "database error on %s %s (request %s): %s", request.method, request.url.path, request_id, error
    )
    return problem(request, HTTPStatus.INTERNAL_SERVER_ERROR, "an unexpected error occurred")


def unexpected_error_to_problem(request: Request[Any, Any, Any], error: Exception) -> Response[Problem]:
    request_id = request_id_of(request)
    logger.exception("unhandled error on %s %s (request %s)", request.method, request.url.path, request_id)
    return problem(request, HTTPStatus.INTERNAL_SERVER_ERROR, "an unexpected error occurred")


def _field_error(item: dict[str, Any]) -> FieldError:
    message = str(item.get("message", "is invalid"))
    key = item.get("key")
    # Litestar names the whole body "data"; msgspec's message names the actual field.
    if not key or key == "data":
        key = _field_from_message(message) or "body"
    elif message.startswith("Object contains unknown field"):
        # Inside a nested object the key is the object's path: the field named is one of its own.
        key = f"{key}.{_field_from_message(message)}"
    field = str(key)
    return FieldError(field=field, message=message, source=item.get("source"))


def _field_from_message(message: str) -> str | None:
    # msgspec names an unknown field as "Object contains unknown field `role`".
    start, end = message.find("`"), message.rfind("`")
    return message[start + 1 : end] if 0 <= start < end else None


EXCEPTION_HANDLERS = {
    DomainError: domain_error_to_problem,
    HTTPException: http_exception_to_problem,
    UnreadableParameter: unreadable_parameter_to_problem,
    UnreadableBody: unreadable_body_to_problem,
    StorageFailure: storage_failure_to_problem,
    Exception: unexpected_error_to_problem,
}


def problem_responses(*statuses: int, needs_store: bool = True) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem responses a route can give, plus the 500 any route can and
    the 503 of any route that needs the store.

    Name 400 on every route that takes parameters or a body: Litestar documents a 400 there on its
    own, as application/json in a shape this service never sends, unless the route names it.
    """
    always = {HTTPStatus.INTERNAL_SERVER_ERROR}
    if needs_store:
        always.add(HTTPStatus.SERVICE_UNAVAILABLE)
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in sorted({*statuses, *always})
    }


_DESCRIPTIONS: dict[int, str] = {
    HTTPStatus.SERVICE_UNAVAILABLE: (
        "Service Unavailable: the database is down, overloaded or too slow for now; nothing was "
        "changed. Send the request again after the seconds in the Retry-After header."
    ),
}
