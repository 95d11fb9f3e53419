"""The outbox in the memory store: events in the order they were recorded, until they are routed."""

from dataclasses import dataclass
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.outbox import event_payload
from domain.events import DomainEvent, RecordedEvent

OUTBOX = "outbox"
# One row holding the last position handed out, as a database sequence would (kept by the store's
# undo log like any row: a rolled-back append hands its position out again).
_POSITIONS = "outbox_positions"
_COUNTER = UUID(int=0)


@dataclass(slots=True)
class OutboxRow:
    event: RecordedEvent
    payload: bytes
    routed: bool = False


class InMemoryOutbox:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def append(self, event: DomainEvent) -> None:
        position = (self._store.get(_POSITIONS, _COUNTER) or 0) + 1
        self._store.put(_POSITIONS, _COUNTER, position)
        recorded = RecordedEvent(
            position=position,
            id=event.id,
            type=event.type,
            occurred_at=event.occurred_at,
            project_id=event.project_id,
            task_id=event.task_id,
        )
        self._store.put(OUTBOX, event.id, OutboxRow(recorded, event_payload(event)))

    async def take_unrouted(self, limit: int) -> list[RecordedEvent]:
        # The writer lock of the unit of work holds every row for it.
        unrouted = [row.event for row in self._store.rows(OUTBOX) if not row.routed]
        return sorted(unrouted, key=lambda event: event.position)[:limit]

    async def mark_routed(self, positions: list[int]) -> None:
        for row in self._rows_at(positions):
            row.routed = True
            self._store.put(OUTBOX, row.event.id, row)

    async def remove(self, positions: list[int]) -> None:
        for row in self._rows_at(positions):
            self._store.delete(OUTBOX, row.event.id)

    def _rows_at(self, positions: list[int]) -> list[OutboxRow]:
        wanted = set(positions)
        return [row for row in self._store.rows(OUTBOX) if row.event.position in wanted]


def payload_of(store: MemoryStore, event_id: UUID) -> bytes:
    row: OutboxRow | None = store.get(OUTBOX, event_id)
    assert row is not None, "a delivery's event stays in the outbox while the delivery does"
    return row.payload
