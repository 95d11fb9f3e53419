"""Webhooks: a project's subscriptions to its events, and the delivery of each event to each of them.

Secrets follow the Standard Webhooks scheme: `whsec_` and the base64 of 24 to 64 random bytes,
which are the HMAC-SHA256 key. Deliveries are at least once: a failed attempt is tried again on
the schedule below for 24 hours, then the delivery has failed for good.
"""

import base64
import binascii
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from domain.errors import Conflict, ValidationFailed
from domain.events import EventType, RecordedEvent
from domain.ids import new_id
from domain.paging import Keyset, Page, PageRequest, SortFields, SortKey

MAX_URL_LENGTH = 2000
SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)
NEW_SECRET_BYTES = 32
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64
# What a delivery keeps of why its last attempt failed (a status line, a connection error).
MAX_ERROR_LENGTH = 200

# After the n-th failed attempt the next one waits FIRST_RETRY_DELAY * RETRY_GROWTH^(n-1), at most
# MAX_RETRY_DELAY: 10 s, 30 s, 90 s, 4.5 min, 13.5 min, 40.5 min, 2 h, then every 6 h. No attempt is
# made later than RETRY_WINDOW after the first: the 11th, about 21 h in, is the last.
FIRST_RETRY_DELAY = timedelta(seconds=10)
RETRY_GROWTH = 3
MAX_RETRY_DELAY = timedelta(hours=6)
RETRY_WINDOW = timedelta(hours=24)


# An absolute http or https URL: a host name or IPv4 address (no user info, no IPv6 literal), a
# port from 0 to 65535, then any path, query or fragment without white space. The OpenAPI document
# states the same pattern, so what it allows is what the service accepts.
_PORT = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
URL_PATTERN = rf"^https?://[A-Za-z0-9.-]+(?::{_PORT})?(?:[/?#][^\s]*)?$"
_URL = re.compile(URL_PATTERN)


def clean_url(raw: str) -> str:
    """An absolute http or https URL with a host; whether the host may be private is the policy's."""
    if len(raw) > MAX_URL_LENGTH:
        raise ValidationFailed(f"must have at most {MAX_URL_LENGTH} characters", field="url")
    if not _URL.search(raw):
        raise ValidationFailed("must be an http:// or https:// URL with a host", field="url")
    return raw


def clean_events(events: Collection[EventType]) -> frozenset[EventType]:
    if not events:
        raise ValidationFailed("name at least one event type", field="events")
    return frozenset(events)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(NEW_SECRET_BYTES)).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key a secret stands for: the bytes its base64 encodes."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def clean_secret(raw: str) -> str:
    refusal = ValidationFailed(
        f"must be {SECRET_PREFIX} followed by the base64 of {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes",
        field="secret",
    )
    secret = raw.strip()
    if not secret.startswith(SECRET_PREFIX):
        raise refusal
    try:
        key = signing_key(secret)
    except (binascii.Error, ValueError):
        raise refusal from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise refusal
    return secret


def masked_secret(secret: str) -> str:
    """Enough to tell two secrets apart, not enough to sign with: the last four characters."""
    return f"{SECRET_PREFIX}********{secret[-4:]}"


@dataclass(slots=True, kw_only=True)
class Webhook:
    """A project's subscription: `events` are POSTed to `url`, signed with `secret`, while `active`."""

    id: UUID
    project_id: UUID
    url: str
    events: frozenset[EventType]
    secret: str
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        *,
        project_id: UUID,
        url: str,
        events: Collection[EventType],
        secret: str | None,
        active: bool,
        now: datetime,
    ) -> "Webhook":
        return cls(
            id=new_id(),
            project_id=project_id,
            url=clean_url(url),
            events=clean_events(events),
            secret=new_secret() if secret is None else clean_secret(secret),
            active=active,
            created_at=now,
            updated_at=now,
        )

    def change(
        self,
        *,
        url: str | None = None,
        events: Collection[EventType] | None = None,
        secret: str | None = None,
        active: bool | None = None,
        now: datetime,
    ) -> bool:
        """Apply the given changes; return whether anything changed."""
        before = (self.url, self.events, self.secret, self.active)
        if url is not None:
            self.url = clean_url(url)
        if events is not None:
            self.events = clean_events(events)
        if secret is not None:
            self.secret = clean_secret(secret)
        if active is not None:
            self.active = active
        if (self.url, self.events, self.secret, self.active) == before:
            return False
        self.updated_at = now
        return True

    def wants(self, event: RecordedEvent) -> bool:
        """An active subscription to the event's type that existed when the event happened."""
        return self.active and event.type in self.events and self.created_at <= event.occurred_at


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first attempt or its next one
    DELIVERED = "delivered"  # the webhook answered 2xx
    FAILED = "failed"  # every attempt of the retry window failed


@dataclass(slots=True, kw_only=True)
class Delivery:
    """One event on its way to one webhook. `attempts` counts those of the current retry window;
    `claimed_until` is set while a dispatcher attempts it."""

    id: UUID
    webhook_id: UUID
    event_position: int
    event_id: UUID
    event_type: EventType
    task_id: UUID
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    claimed_until: datetime | None
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, event: RecordedEvent, webhook: Webhook, now: datetime) -> "Delivery":
        """The delivery of `event` to `webhook`, due at once."""
        return cls(
            id=new_id(),
            webhook_id=webhook.id,
            event_position=event.position,
            event_id=event.id,
            event_type=event.type,
            task_id=event.task_id,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            claimed_until=None,
            first_attempt_at=None,
            last_attempt_at=None,
            last_status_code=None,
            last_error=None,
            delivered_at=None,
            created_at=now,
            updated_at=now,
        )

    def retry(self, now: datetime) -> None:
        """Send it again now, its attempts counted afresh in a new retry window: after a failure,
        or again after a success."""
        if self.claimed_until is not None and self.claimed_until > now:
            raise Conflict("the delivery is being attempted right now; retry once the attempt has ended")
        self.status = DeliveryStatus.PENDING
        self.attempts = 0
        self.next_attempt_at = now
        self.claimed_until = None
        self.first_attempt_at = None
        self.updated_at = now


def delivery_keyset(delivery: Delivery) -> Keyset:
    return Keyset.of(delivery, DELIVERY_SORT)


# Deliveries are listed newest first (ties by id, as every list).
DELIVERY_SORT = (SortKey("created_at", descending=True),)
DELIVERY_SORT_FIELDS: SortFields = {"created_at": datetime}


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery a dispatcher holds until `claim_id`'s lease ends, with what it needs to send it."""

    id: UUID
    claim_id: UUID
    url: str
    secret: str
    event_id: UUID
    payload: bytes
    attempts: int
    first_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one attempt got: the webhook's status code, or why there was none."""

    status_code: int | None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """A delivery after an attempt, as the store keeps it."""

    delivery_id: UUID
    claim_id: UUID
    status: DeliveryStatus
    attempts: int
    attempted_at: datetime
    first_attempt_at: datetime
    next_attempt_at: datetime | None
    status_code: int | None
    error: str | None
    delivered_at: datetime | None


def retry_delay(failures: int) -> timedelta:
    """How long the next attempt waits after the `failures`-th failed one in a row."""
    delay: timedelta = FIRST_RETRY_DELAY * RETRY_GROWTH ** (failures - 1)
    return min(delay, MAX_RETRY_DELAY)


def after_attempt(claimed: ClaimedDelivery, outcome: AttemptOutcome, now: datetime) -> AttemptRecord:
    """The delivery's state after an attempt made `now`: delivered, due again later, or failed."""
    attempts = claimed.attempts + 1
    first = claimed.first_attempt_at or now
    if outcome.succeeded:
        status, next_at = DeliveryStatus.DELIVERED, None
    else:
        due = now + retry_delay(attempts)
        status, next_at = (
            (DeliveryStatus.PENDING, due) if due - first <= RETRY_WINDOW else (DeliveryStatus.FAILED, None)
        )
    return AttemptRecord(
        delivery_id=claimed.id,
        claim_id=claimed.claim_id,
        status=status,
        attempts=attempts,
        attempted_at=now,
        first_attempt_at=first,
        next_attempt_at=next_at,
        status_code=outcome.status_code,
        error=None if outcome.error is None else outcome.error[:MAX_ERROR_LENGTH],
        delivered_at=now if outcome.succeeded else None,
    )


class WebhookRepository(Protocol):
    """Subscriptions, each within its project."""

    async def create(self, webhook: Webhook) -> None: ...

    async def get(self, project_id: UUID, webhook_id: UUID) -> Webhook | None: ...

    async def list_for_project(self, project_id: UUID) -> Sequence[Webhook]:
        """Oldest first (ties by id)."""
        ...

    async def active_for_projects(self, project_ids: Collection[UUID]) -> Sequence[Webhook]: ...

    async def update(self, webhook: Webhook) -> None: ...

    async def delete(self, webhook_id: UUID) -> None:
        """The webhook and every delivery to it."""
        ...


class DeliveryRepository(Protocol):
    """Deliveries of recorded events to webhooks, and the claims dispatchers send them under."""

    async def add(self, deliveries: Sequence[Delivery]) -> None: ...

    async def get(self, webhook_id: UUID, delivery_id: UUID) -> Delivery | None: ...

    async def list_for_webhook(
        self, webhook_id: UUID, status: DeliveryStatus | None, page: PageRequest
    ) -> Page[Delivery]:
        """In DELIVERY_SORT order, with the keysets of `delivery_keyset`."""
        ...

    async def reschedule(self, delivery: Delivery) -> None:
        """Store a delivery sent back to pending by `Delivery.retry`."""
        ...

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[ClaimedDelivery]:
        """Up to `limit` pending deliveries to active webhooks that are due and not claimed by
        anyone whose lease runs past `now`, oldest event first, each now claimed until `lease_until`
        under a new claim id.

        Per webhook, the events of one task go one at a time and in order: a delivery is not taken
        while one of an earlier event of its task to its webhook is still pending (due later,
        or being attempted). Concurrent claims never take the same delivery.
        """
        ...

    async def record(self, records: Sequence[AttemptRecord]) -> None:
        """Store each delivery's state after its attempt, and end its claim; a record whose claim is
        no longer the delivery's (its lease ran out and another took it, or it was retried by
        hand) is dropped."""
        ...
