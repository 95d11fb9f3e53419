"""Idempotency keys in the memory store: the same claim and record as the SQL adapters'."""

from uuid import NAMESPACE_URL, UUID, uuid5

from adapters.persistence.idempotency import (
    IdempotencyRecord,
    IdempotentRequest,
    StoredResponse,
    check_earlier_use,
)
from adapters.persistence.memory.store import MemoryStore

TABLE = "idempotency_keys"


def claim_key(store: MemoryStore, request: IdempotentRequest) -> None:
    """Inside a writing unit of work, which holds the store's one writer lock: no other claim runs."""
    caller_id, _ = request.identity()
    # The caller's expired keys go first, this one among them, so that it can be used afresh.
    expired = [
        _row_id(record.caller_id, record.key)
        for record in store.rows(TABLE)
        if record.caller_id == caller_id and record.expires_at <= request.now()
    ]
    for row_id in expired:
        store.delete(TABLE, row_id)
    check_earlier_use(store.get(TABLE, _row_id(*request.identity())), request)


def record_response(store: MemoryStore, request: IdempotentRequest, response: StoredResponse) -> None:
    record: IdempotencyRecord = request.record(response)
    store.put(TABLE, _row_id(record.caller_id, record.key), record)


def _row_id(caller_id: UUID, key: str) -> UUID:
    # The store keys rows by UUID; a name-based one stands for the (caller, key) pair.
    return uuid5(NAMESPACE_URL, f"idempotency-key:{caller_id}:{key}")
