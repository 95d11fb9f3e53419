"""Every error response, in one place: RFC 9457 problem details (application/problem+json)."""

import logging
from enum import StrEnum
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, ParameterKwarg
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from adapters.http.body_errors import body_errors
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
# How msgspec words a string that does not match a parameter's pattern.
_PATTERN_MISMATCH = "Expected `str` matching regex"


class Source(StrEnum):
    """Where an offending input was."""

    BODY = "body"
    QUERY = "query"
    PATH = "path"
    HEADER = "header"
    COOKIE = "cookie"


# Each kind of problem has a URI of its own in `type` (RFC 9457 section 3.1.1); the README lists
# them. A URN, since no page of the service's own describes them: a client compares it, never
# fetches it.
PROBLEM_TYPE_PREFIX = "urn:taskboard:problem:"
PROBLEM_KINDS: dict[int, str] = {
    HTTPStatus.BAD_REQUEST: "unreadable-request",
    HTTPStatus.UNAUTHORIZED: "not-signed-in",
    HTTPStatus.FORBIDDEN: "forbidden",
    HTTPStatus.NOT_FOUND: "not-found",
    HTTPStatus.METHOD_NOT_ALLOWED: "method-not-allowed",
    HTTPStatus.CONFLICT: "conflict",
    HTTPStatus.PRECONDITION_FAILED: "stale-version",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "body-too-large",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "unsupported-media-type",
    HTTPStatus.UNPROCESSABLE_ENTITY: "invalid-input",
    HTTPStatus.TOO_MANY_REQUESTS: "rate-limited",
    HTTPStatus.INTERNAL_SERVER_ERROR: "internal-error",
    HTTPStatus.SERVICE_UNAVAILABLE: "unavailable",
}


def problem_type(status: int) -> str:
    """The `type` URI of a problem with this status; a status no route gives on purpose (a 406,
    say, from Litestar) has one built from its number."""
    return PROBLEM_TYPE_PREFIX + PROBLEM_KINDS.get(status, f"status-{status}")


class FieldError(msgspec.Struct, omit_defaults=True):
    """One offending input: `field` names it as the client sent it (a body field, a query parameter
    or a header), `source` says where. A readiness check that failed has no source."""

    field: str
    message: str
    source: Source | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    status: int
    title: str
    detail: str
    instance: str
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
        type=problem_type(status),
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
    """The problem body of a domain error (the body alone: one item of a bulk answer is one, whose
    fields at fault are the bulk body's)."""
    errors = [FieldError(field=error.field, message=error.message, source=Source.BODY)] if error.field else []
    return Problem(
        type=problem_type(status),
        status=status,
        title=HTTPStatus(status).phrase,
        detail=error.message,
        instance=instance,
        errors=errors,
    )


def domain_error_to_problem(request: Request[Any, Any, Any], error: DomainError) -> Response[Problem]:
    status = status_of(error, if_match="if-match" in request.headers)
    errors = (
        [FieldError(field=error.field, message=error.message, source=_source_of(request, error.field))]
        if error.field
        else None
    )
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
        errors = _input_errors(request, [item for item in error.extra if isinstance(item, dict)])
        if errors:
            status = HTTPStatus.UNPROCESSABLE_ENTITY
    detail = error.detail if status < 500 else HTTPStatus(status).description
    return problem(request, status, detail, errors, headers=dict(error.headers or {}))


def unreadable_parameter_to_problem(
    request: Request[Any, Any, Any], error: UnreadableParameter
) -> Response[Problem]:
    errors = [FieldError(field=field, message=error.message, source=Source.QUERY) for field in error.fields]
    return problem(request, HTTPStatus.BAD_REQUEST, error.message, errors)


def unreadable_body_to_problem(request: Request[Any, Any, Any], error: UnreadableBody) -> Response[Problem]:
    errors = [FieldError(field="body", message=error.message, source=Source.BODY)]
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


def _input_errors(request: Request[Any, Any, Any], items: list[dict[str, Any]]) -> list[FieldError]:
    """Litestar's validation errors, one per parameter, each named as the client spelled it; for a
    body, every field at fault rather than msgspec's first."""
    parameters = request.route_handler.parsed_fn_signature.parameters
    body = ScopeState.from_scope(request.scope).json
    errors = []
    for item in items:
        source, key, message = item.get("source"), str(item.get("key")), str(item.get("message"))
        if source == Source.BODY and body is not Empty:
            continue
        kwarg = parameters[key].kwarg_definition if key in parameters else None
        if isinstance(kwarg, ParameterKwarg):
            key = kwarg.name or key
            if message.startswith(_PATTERN_MISMATCH) and kwarg.description:
                # The pattern is in the document; the description says it in words.
                message = f"does not match its pattern: {kwarg.description}"
        errors.append(FieldError(field=key, message=message, source=Source(source) if source else None))
    if len(errors) < len(items):
        shape = request.route_handler.parsed_fn_signature.parameters["data"].annotation
        errors += [
            FieldError(field=field, message=message, source=Source.BODY)
            for field, message in body_errors(shape, body)
        ]
    return errors


def _source_of(request: Request[Any, Any, Any], field: str) -> Source:
    """Where an input a domain rule refused was: a path parameter, a header, another parameter of
    the route (the query), or else a field of the body."""
    if field in request.path_params:
        return Source.PATH
    for name, definition in request.route_handler.parsed_fn_signature.parameters.items():
        kwarg = definition.kwarg_definition
        if isinstance(kwarg, HeaderParameter) and kwarg.name:
            if kwarg.name.lower() == field.lower():
                return Source.HEADER
        elif name == field and name != "data":
            return Source.QUERY
    # Not a parameter of the route: a field of its body, or a query parameter it does not read.
    return Source.BODY if "data" in request.route_handler.parsed_fn_signature.parameters else Source.QUERY


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
    HTTPStatus.TOO_MANY_REQUESTS: (
        "Too Many Requests: a rate limit is reached (sign-ins per address, failed sign-ins per "
        "account, changes per caller); nothing was changed. Send the request again after the "
        "seconds in the Retry-After header."
    ),
    HTTPStatus.SERVICE_UNAVAILABLE: (
        "Service Unavailable: the database is down, overloaded or too slow for now; nothing was "
        "changed. Send the request again after the seconds in the Retry-After header."
    ),
}
