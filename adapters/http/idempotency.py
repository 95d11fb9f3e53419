"""Idempotency-Key on the POST routes: a repeat gets the first answer instead of a second change.

`@idempotent`, under a route decorator, on a handler that takes `request` and `idempotency_key:
IdempotencyKey`. With a key, the request's writing unit of work claims it and stays open when the
use case is done (adapters/persistence/idempotency.py); the handler's response is rendered here, to
the bytes that will be sent, and committed with the change. A repeat with the same key, caller and
body is answered with those bytes, status and headers, plus `Idempotent-Replayed: true`.

The stored body is the one that was sent, not a new rendering of the object as it is now: a client
that retries after a lost answer learns what its request did, even if the object changed since.
"""

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ParamSpec

from litestar import MediaType, Request, Response
from litestar.openapi.spec import OpenAPIType
from litestar.params import HeaderParameter
from litestar.serialization import get_serializer
from litestar.utils.helpers import get_enum_string_value

from adapters.persistence.idempotency import (
    IDEMPOTENCY_KEY_HEADER,
    MAX_IDEMPOTENCY_KEY_LENGTH,
    IdempotentRequest,
    KeysInFlight,
    Replay,
    StoredResponse,
    fingerprint,
)
from application.ports import Clock

REPLAYED_HEADER = "Idempotent-Replayed"
# Litestar checks the key's form with the request's other parameters, before the handler runs.
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name=IDEMPOTENCY_KEY_HEADER,
        description=(
            f"1 to {MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters (a UUID does well). Sent again "
            "with the same body within 24 hours, it gets the first answer instead of a second change; "
            "with another body it is refused (422), and so is a repeat while the first still runs (409)"
        ),
        min_length=1,
        max_length=MAX_IDEMPOTENCY_KEY_LENGTH,
        pattern=r"^[\x21-\x7e]+$",
        # Given or absent, never null.
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING},
    ),
]
P = ParamSpec("P")


def idempotent(handler: Callable[P, Awaitable[Response[Any]]]) -> Callable[P, Awaitable[Response[Any]]]:
    parameters = inspect.signature(handler).parameters
    assert {"request", "idempotency_key"} <= parameters.keys(), (
        f"{handler.__name__} must take `request` and `idempotency_key: IdempotencyKey`"
    )

    @functools.wraps(handler)
    async def run_once(*args: P.args, **kwargs: P.kwargs) -> Response[Any]:
        key = kwargs["idempotency_key"]
        if key is None:
            return await handler(*args, **kwargs)
        request = kwargs["request"]
        assert isinstance(request, Request)
        assert isinstance(key, str)
        once = await _keyed(request, key)
        in_flight: KeysInFlight = await request.state.dishka_container.get(KeysInFlight)
        # Held until the transaction has ended: a repeat meanwhile is refused, not queued.
        with in_flight.hold(*once.identity()):
            try:
                response = await handler(*args, **kwargs)
                stored = _stored(response)
            except Replay as replay:
                return _replayed(replay.response)
            except BaseException:
                await once.settle(None)
                raise
            await once.settle(stored)
        return _sent(stored)

    return run_once


async def _keyed(request: Request[Any, Any, Any], key: str) -> IdempotentRequest:
    """The request's IdempotentRequest, which its unit of work will claim, filled in."""
    container = request.state.dishka_container
    once: IdempotentRequest = await container.get(IdempotentRequest)
    clock: Clock = await container.get(Clock)
    once.key = key
    once.caller_id = request.user.id
    once.fingerprint = fingerprint(request.method, request.url.path, await request.body())
    once.received_at = clock.now()
    return once


def _stored(response: Response[Any]) -> StoredResponse:
    assert response.status_code is not None, "an idempotent handler sets its response's status"
    media_type = get_enum_string_value(response.media_type or MediaType.JSON)
    body = response.render(response.content, media_type, get_serializer(response.response_type_encoders))
    return StoredResponse(
        status=response.status_code,
        headers={**response.headers, "content-type": media_type},
        body=body,
    )


def _sent(stored: StoredResponse) -> Response[bytes]:
    headers = dict(stored.headers)
    media_type = headers.pop("content-type")
    return Response(stored.body, status_code=stored.status, headers=headers, media_type=media_type)


def _replayed(stored: StoredResponse) -> Response[bytes]:
    response = _sent(stored)
    response.headers[REPLAYED_HEADER] = "true"
    return response
