"""An event as JSON: the body of every webhook delivery of it, encoded once, as it is recorded.

Every adapter stores these bytes with the event, so each attempt of each delivery sends exactly
what was recorded in the transaction of the change, and the signature covers the same bytes.
"""

import msgspec

from domain.events import DomainEvent


def event_payload(event: DomainEvent) -> bytes:
    """`{id, type, occurred_at, project_id, data}`, as the README's event catalogue shows it."""
    return msgspec.json.encode(
        {
            "id": event.id,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "project_id": event.project_id,
            "data": event.data,
        }
    )
