"""Idempotency-Key: a POST's response, kept for 24 hours, recorded in the transaction of its change.

The HTTP adapter fills in the request's IdempotentRequest (key, caller, fingerprint). The request's
writing unit of work then claims the key as it begins, after the caller check: a key this caller
used before for the same request replays the response stored then (Replay); for another request it
is refused. At the end of its block that unit of work does not commit: it hands its still-open
transaction to `settle`, which the HTTP adapter calls with the response it rendered, so the change,
the key and the response commit together, or none of them does. A crash can never leave a key
without its change, or a change whose key a retry would not find.

While the first request with a key runs, a repeat cannot slip past its claim: on SQLite and in
memory writers queue, so the repeat begins after the first has committed, and replays it; on
PostgreSQL, whose writers overlap, the claim holds an advisory lock on the key for its transaction
and a repeat that finds it held is refused at once with a conflict.
"""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import Conflict, ValidationFailed

KEY_LIFETIME = timedelta(hours=24)
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255
Settle = Callable[["StoredResponse | None"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: dict[str, str]  # the response's own, content-type among them
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    caller_id: UUID
    key: str
    fingerprint: str
    response: StoredResponse
    created_at: datetime
    expires_at: datetime


class Replay(Exception):
    """The request already ran with this key: answer with what it answered then."""

    def __init__(self, response: StoredResponse) -> None:
        super().__init__("replay the stored response")
        self.response = response


@dataclass(slots=True)
class IdempotentRequest:
    """One per request, like Caller. Without a key (the default) units of work ignore it."""

    key: str | None = None
    caller_id: UUID | None = None
    fingerprint: str = ""
    received_at: datetime | None = None
    _settle: Settle | None = field(default=None, repr=False)

    @property
    def to_claim(self) -> bool:
        """Whether a unit of work beginning now should claim the key (nobody holds it yet)."""
        return self.key is not None and self._settle is None

    def identity(self) -> tuple[UUID, str]:
        assert self.caller_id is not None, "only a signed-in caller's request is claimed"
        assert self.key is not None, "only a request with a key is claimed"
        return self.caller_id, self.key

    def now(self) -> datetime:
        assert self.received_at is not None, "the HTTP adapter sets the time with the key"
        return self.received_at

    def hold(self, settle: Settle) -> None:
        """Called by the unit of work that claimed the key, with its transaction still open."""
        self._settle = settle

    async def settle(self, response: StoredResponse | None) -> None:
        """Record the response and commit; with None, roll back. Nothing held: nothing to do (the
        request wrote nothing, so there is no change for the key to stand for)."""
        settle, self._settle = self._settle, None
        if settle is not None:
            await settle(response)

    def record(self, response: StoredResponse) -> IdempotencyRecord:
        caller_id, key = self.identity()
        return IdempotencyRecord(
            caller_id=caller_id,
            key=key,
            fingerprint=self.fingerprint,
            response=response,
            created_at=self.now(),
            expires_at=self.now() + KEY_LIFETIME,
        )


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same request: method, path and the body's exact bytes."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def check_earlier_use(earlier: IdempotencyRecord | None, request: IdempotentRequest) -> None:
    """The rule for a key the caller used before (adapters pass only unexpired records)."""
    if earlier is None:
        return
    if earlier.fingerprint != request.fingerprint:
        raise ValidationFailed(
            "this Idempotency-Key was used for a different request; use a new key for a new request",
            field=IDEMPOTENCY_KEY_HEADER,
        )
    raise Replay(earlier.response)


def key_in_use() -> Conflict:
    return Conflict(
        "a request with this Idempotency-Key is still in progress; retry once it has finished",
        field=IDEMPOTENCY_KEY_HEADER,
    )
