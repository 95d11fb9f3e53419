"""Idempotency keys on SQLite and PostgreSQL: the claim a unit of work begins with, and the record
it commits with (the rules: adapters/persistence/idempotency.py)."""

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.idempotency import (
    IdempotencyRecord,
    IdempotentRequest,
    StoredResponse,
    check_earlier_use,
    key_in_use,
    lock_number,
)
from adapters.persistence.sqlalchemy.models import IdempotencyKeyModel


async def claim_key(session: AsyncSession, request: IdempotentRequest) -> None:
    """Inside the unit of work's transaction, before the use case reads or writes anything."""
    caller_id, key = request.identity()
    # On PostgreSQL, for repeats in other processes (KeysInFlight holds it in this one): held until
    # this transaction ends, and not waited for.
    postgresql = session.get_bind().dialect.name == "postgresql"
    lock = select(func.pg_try_advisory_xact_lock(lock_number(caller_id, key)))
    if postgresql and not await session.scalar(lock):
        raise key_in_use()
    # SQLite needs no lock: this transaction began with BEGIN IMMEDIATE, so no other writer runs.
    # The caller's expired keys go first, this one among them, so that it can be used afresh.
    model = IdempotencyKeyModel
    await session.execute(
        delete(model).where(model.caller_id == caller_id, model.expires_at <= request.now())
    )
    earlier = await session.get(model, (caller_id, key))
    check_earlier_use(None if earlier is None else _record(earlier), request)


async def record_response(
    session: AsyncSession, request: IdempotentRequest, response: StoredResponse
) -> None:
    record = request.record(response)
    session.add(
        IdempotencyKeyModel(
            caller_id=record.caller_id,
            key=record.key,
            fingerprint=record.fingerprint,
            status_code=response.status,
            headers=response.headers,
            body=response.body,
            created_at=record.created_at,
            expires_at=record.expires_at,
        )
    )
    await session.flush()


def _record(model: IdempotencyKeyModel) -> IdempotencyRecord:
    return IdempotencyRecord(
        caller_id=model.caller_id,
        key=model.key,
        fingerprint=model.fingerprint,
        response=StoredResponse(status=model.status_code, headers=dict(model.headers), body=model.body),
        created_at=model.created_at,
        expires_at=model.expires_at,
    )
