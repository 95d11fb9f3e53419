"""Standard Webhooks signatures: `v1,` and the base64 HMAC-SHA256 of "id.timestamp.body"."""

import base64
import hmac
from uuid import UUID

from domain.webhooks import signing_key


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.digest(signing_key(secret), signed, "sha256")).decode()


def signed_headers(secret: str, message_id: UUID, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers a receiver verifies: the event's id (the same on every attempt), the Unix time of
    this attempt, and the signature over both and the body."""
    return {
        "Webhook-Id": str(message_id),
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signature(secret, str(message_id), timestamp, body),
    }
