"""Idempotency-Key: a POST's response, kept for 24 hours, recorded in the transaction of its change.

The HTTP adapter fills in the request's IdempotentRequest (key, caller, fingerprint). The request's
writing unit of work then claims the key as it begins, after the caller check: a key this caller
used before for the same request replays the response stored then (Replay); for another request it
is refused. At the end of its block that unit of work does not commit: it hands its still-open
transaction to `settle`, which the HTTP adapter calls with the response it rendered, so the change,
the key and the response commit together, or none of them does. A crash can never leave a key
without its change, or a change whose key a retry would not find.

While the first request with a key runs, a repeat is refused at once with a conflict (409), on
every adapter alike: the key is held from before the request's first unit of work begins until its
transaction has ended (KeysInFlight), so the repeat neither queues behind the first (SQLite's and
memory's writers wait their turn) nor holds a connection while it waits. Across processes, the
PostgreSQL claim also takes an advisory lock on the key for its transaction, and SQLite a lock on a
byte of a file beside the database.
"""

import errno
import fcntl
import hashlib
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
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


class KeysInFlight:
    """The Idempotency-Keys whose request is running in this process, and, given `lock_path`, in
    every process that shares that file (the workers serving one SQLite database).

    Across processes each key is a POSIX record lock on one byte of the file, at an offset hashed
    from the key: never waited for, and dropped by the system if the process dies. Two keys of one
    process that hash to the same byte (once in 2^48) would share it; nothing worse than a repeat
    of one of them queueing instead of a 409 can come of it.
    """

    def __init__(self, lock_path: str | None = None) -> None:
        self._lock_path = lock_path
        self._lock_file: int | None = None
        self._running: set[tuple[UUID, str]] = set()

    @contextmanager
    def hold(self, caller_id: UUID, key: str) -> Iterator[None]:
        """Hold the caller's key while the block runs; a conflict if a request holds it already."""
        identity = (caller_id, key)
        if identity in self._running:
            raise key_in_use()
        self._running.add(identity)
        try:
            with self._hold_across_processes(identity):
                yield
        finally:
            self._running.discard(identity)

    @contextmanager
    def _hold_across_processes(self, identity: tuple[UUID, str]) -> Iterator[None]:
        if self._lock_path is None:
            yield
            return
        if self._lock_file is None:
            # Kept open for the life of the process: closing any descriptor of the file would drop
            # every lock the process holds on it.
            self._lock_file = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        byte = lock_number(*identity) & (2**48 - 1)
        try:
            fcntl.lockf(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, byte)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EAGAIN):
                raise key_in_use() from error
            raise
        try:
            yield
        finally:
            fcntl.lockf(self._lock_file, fcntl.LOCK_UN, 1, byte)


def lock_number(caller_id: UUID, key: str) -> int:
    """A signed 64-bit number for the caller's key, the same in every process (two keys share one
    once in 2^64: a repeat of one then waits its turn with a 409)."""
    digest = hashlib.sha256(f"idempotency-key:{caller_id.hex}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def key_in_use() -> Conflict:
    return Conflict(
        "a request with this Idempotency-Key is still in progress; retry once it has finished",
        field=IDEMPOTENCY_KEY_HEADER,
    )
