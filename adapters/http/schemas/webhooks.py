"""Bodies for webhooks and their deliveries. Unknown fields are refused."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from adapters.http.schemas.pages import PageBody
from domain.events import EventType
from domain.webhooks import MAX_URL_LENGTH, URL_PATTERN, Delivery, DeliveryStatus, Webhook, masked_secret

Url = Annotated[
    str,
    Meta(
        max_length=MAX_URL_LENGTH,
        pattern=URL_PATTERN,
        examples=["https://hooks.example.com/taskboard"],
    ),
]
Events = Annotated[list[EventType], Meta(min_length=1, max_length=len(EventType))]
# The base64 of 24 to 64 bytes: 8 to 20 groups of four characters, then one more group, or a
# last one or two bytes; or 21 groups (63 bytes), then at most a 64th byte.
_B64 = "[A-Za-z0-9+/]"
_SECRET_PATTERN = (
    rf"^whsec_(?:(?:{_B64}{{4}}){{8,20}}(?:{_B64}{{4}}|{_B64}{{2}}==|{_B64}{{3}}=)?"
    rf"|(?:{_B64}{{4}}){{21}}(?:{_B64}{{2}}==)?)$"
)
Secret = Annotated[
    str,
    Meta(
        pattern=_SECRET_PATTERN,
        description="`whsec_` and the base64 of 24 to 64 random bytes; generated when not given",
    ),
]


class WebhookCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    url: Url
    events: Events
    secret: Secret | None = None
    active: bool = True


class WebhookUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields present change; `events` is the whole new set."""

    url: Url | UnsetType = UNSET
    events: Events | UnsetType = UNSET
    secret: Secret | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class WebhookRead(msgspec.Struct, kw_only=True):
    id: UUID
    project_id: UUID
    url: str
    events: list[EventType]
    secret: Annotated[
        str,
        Meta(
            description="The whole secret in the answer to the POST that made the webhook, only there; "
            "masked (`whsec_********` and its last four characters) everywhere else"
        ),
    ]
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_webhook(cls, webhook: Webhook, *, reveal_secret: bool = False) -> "WebhookRead":
        return cls(
            id=webhook.id,
            project_id=webhook.project_id,
            url=webhook.url,
            events=sorted(webhook.events),
            secret=webhook.secret if reveal_secret else masked_secret(webhook.secret),
            active=webhook.active,
            created_at=webhook.created_at,
            updated_at=webhook.updated_at,
        )


class DeliveryRead(msgspec.Struct, kw_only=True):
    id: UUID
    webhook_id: UUID
    event_id: Annotated[UUID, Meta(description="The Webhook-Id header of its every attempt")]
    event_type: EventType
    task_id: UUID
    status: DeliveryStatus
    attempts: Annotated[int, Meta(description="Attempts since it was queued, or last retried by hand")]
    next_attempt_at: Annotated[datetime | None, Meta(description="When it is attempted next, while pending")]
    last_attempt_at: datetime | None
    last_status_code: Annotated[int | None, Meta(description="The status the webhook answered last time")]
    last_error: Annotated[str | None, Meta(description="Why the last attempt failed")]
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def from_delivery(cls, delivery: Delivery) -> "DeliveryRead":
        return cls(
            id=delivery.id,
            webhook_id=delivery.webhook_id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            task_id=delivery.task_id,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


class DeliveryPage(PageBody, kw_only=True):
    items: list[DeliveryRead]
