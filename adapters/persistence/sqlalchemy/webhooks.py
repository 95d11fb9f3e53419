"""Webhooks and their deliveries on SQLite and PostgreSQL, and the claims dispatchers take on them."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Row, Select, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy.models import DeliveryModel, OutboxModel, WebhookModel
from adapters.persistence.sqlalchemy.sorting import paged, rows_and_total, table_terms, with_total
from domain.events import EventType
from domain.ids import new_id
from domain.paging import Page, PageRequest
from domain.webhooks import (
    DELIVERY_SORT,
    AttemptRecord,
    ClaimedDelivery,
    Delivery,
    DeliveryStatus,
    Webhook,
    delivery_keyset,
)

# The ORM types a model's table as a FromClause; Core's insert, update and delete want the Table.
_webhooks = cast(Table, WebhookModel.__table__)
_deliveries = cast(Table, DeliveryModel.__table__)
_outbox = cast(Table, OutboxModel.__table__)
_PENDING = DeliveryStatus.PENDING


class SqlAlchemyWebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, webhook: Webhook) -> None:
        await self._session.execute(insert(_webhooks).values(**_webhook_columns(webhook)))

    async def get(self, project_id: UUID, webhook_id: UUID) -> Webhook | None:
        statement = select(_webhooks).where(
            _webhooks.c.id == webhook_id, _webhooks.c.project_id == project_id
        )
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else _webhook_from_row(row)

    async def list_for_project(self, project_id: UUID) -> Sequence[Webhook]:
        statement = (
            select(_webhooks)
            .where(_webhooks.c.project_id == project_id)
            .order_by(_webhooks.c.created_at, _webhooks.c.id)
        )
        return [_webhook_from_row(row) for row in await self._session.execute(statement)]

    async def active_for_projects(self, project_ids: Collection[UUID]) -> Sequence[Webhook]:
        statement = select(_webhooks).where(
            _webhooks.c.project_id.in_(project_ids), _webhooks.c.active.is_(True)
        )
        return [_webhook_from_row(row) for row in await self._session.execute(statement)]

    async def update(self, webhook: Webhook) -> None:
        await self._session.execute(
            update(_webhooks).where(_webhooks.c.id == webhook.id).values(**_webhook_columns(webhook))
        )

    async def delete(self, webhook_id: UUID) -> None:
        # The deliveries go explicitly rather than by ON DELETE CASCADE alone, so the result does
        # not depend on a connection having foreign keys switched on (SQLite's default is off).
        await self._session.execute(delete(_deliveries).where(_deliveries.c.webhook_id == webhook_id))
        await self._session.execute(delete(_webhooks).where(_webhooks.c.id == webhook_id))


def _webhook_columns(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "project_id": webhook.project_id,
        "url": webhook.url,
        "events": sorted(webhook.events),
        "secret": webhook.secret,
        "active": webhook.active,
        "created_at": webhook.created_at,
        "updated_at": webhook.updated_at,
    }


def _webhook_from_row(row: Row[Any]) -> Webhook:
    return Webhook(
        id=row.id,
        project_id=row.project_id,
        url=row.url,
        events=frozenset(EventType(name) for name in row.events),
        secret=row.secret,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlAlchemyDeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            await self._session.execute(insert(_deliveries), [_delivery_columns(d) for d in deliveries])

    async def get(self, webhook_id: UUID, delivery_id: UUID) -> Delivery | None:
        statement = _views().where(_deliveries.c.id == delivery_id, _deliveries.c.webhook_id == webhook_id)
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else _delivery_from_row(row)

    async def list_for_webhook(
        self, webhook_id: UUID, status: DeliveryStatus | None, page: PageRequest
    ) -> Page[Delivery]:
        where = [_deliveries.c.webhook_id == webhook_id]
        if status is not None:
            where.append(_deliveries.c.status == status)
        count = select(func.count()).select_from(_deliveries).where(*where)
        terms = table_terms(self._session, _deliveries, DELIVERY_SORT)
        statement = with_total(paged(_views().where(*where), terms, page), count)
        rows, total = await rows_and_total(self._session, statement, count, page)
        return Page.cut([_delivery_from_row(row) for row in rows], total, page, delivery_keyset)

    async def reschedule(self, delivery: Delivery) -> None:
        await self._session.execute(
            update(_deliveries)
            .where(_deliveries.c.id == delivery.id)
            .values(
                status=delivery.status,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                claimed_until=None,
                claim_id=None,
                first_attempt_at=delivery.first_attempt_at,
                updated_at=delivery.updated_at,
            )
        )

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[ClaimedDelivery]:
        earlier = _deliveries.alias("earlier")
        earlier_event_pending = (
            select(earlier.c.id)
            .where(
                earlier.c.webhook_id == _deliveries.c.webhook_id,
                earlier.c.task_id == _deliveries.c.task_id,
                earlier.c.event_position < _deliveries.c.event_position,
                earlier.c.status == _PENDING,
            )
            .exists()
        )
        statement = (
            select(
                _deliveries.c.id,
                _deliveries.c.attempts,
                _deliveries.c.first_attempt_at,
                _webhooks.c.url,
                _webhooks.c.secret,
                _outbox.c.id.label("event_id"),
                _outbox.c.payload,
            )
            .join(_webhooks, _webhooks.c.id == _deliveries.c.webhook_id)
            .join(_outbox, _outbox.c.position == _deliveries.c.event_position)
            .where(
                _deliveries.c.status == _PENDING,
                _deliveries.c.next_attempt_at <= now,
                or_(_deliveries.c.claimed_until.is_(None), _deliveries.c.claimed_until <= now),
                _webhooks.c.active.is_(True),
                ~earlier_event_pending,
            )
            .order_by(_deliveries.c.event_position, _deliveries.c.id)
            .limit(limit)
            # PostgreSQL: rows another dispatcher is claiming are passed over, not waited for; one
            # it claimed and committed is re-read and no longer matches (claimed_until). SQLite has
            # no row locks: BEGIN IMMEDIATE keeps every other dispatcher out until this one commits.
            .with_for_update(of=_deliveries, skip_locked=True)
        )
        rows = list(await self._session.execute(statement))
        if not rows:
            return []
        claim_id = new_id()
        await self._session.execute(
            update(_deliveries)
            .where(_deliveries.c.id.in_([row.id for row in rows]))
            .values(claimed_until=lease_until, claim_id=claim_id)
        )
        return [
            ClaimedDelivery(
                id=row.id,
                claim_id=claim_id,
                url=row.url,
                secret=row.secret,
                event_id=row.event_id,
                payload=row.payload.encode(),
                attempts=row.attempts,
                first_attempt_at=row.first_attempt_at,
            )
            for row in rows
        ]

    async def record(self, records: Sequence[AttemptRecord]) -> None:
        if not records:
            return
        statement = (
            update(_deliveries)
            .where(
                _deliveries.c.id == bindparam("record_id", type_=_deliveries.c.id.type),
                _deliveries.c.claim_id == bindparam("record_claim", type_=_deliveries.c.claim_id.type),
            )
            .values(
                status=bindparam("record_status", type_=_deliveries.c.status.type),
                attempts=bindparam("record_attempts"),
                next_attempt_at=bindparam("record_next", type_=_deliveries.c.next_attempt_at.type),
                claimed_until=None,
                claim_id=None,
                first_attempt_at=bindparam("record_first", type_=_deliveries.c.first_attempt_at.type),
                last_attempt_at=bindparam("record_at", type_=_deliveries.c.last_attempt_at.type),
                last_status_code=bindparam("record_code", type_=_deliveries.c.last_status_code.type),
                last_error=bindparam("record_error", type_=_deliveries.c.last_error.type),
                delivered_at=func.coalesce(
                    bindparam("record_delivered", type_=_deliveries.c.delivered_at.type),
                    _deliveries.c.delivered_at,
                ),
                updated_at=bindparam("record_updated", type_=_deliveries.c.updated_at.type),
            )
        )
        await self._session.execute(
            statement,
            [
                {
                    "record_id": record.delivery_id,
                    "record_claim": record.claim_id,
                    "record_status": record.status,
                    "record_attempts": record.attempts,
                    "record_next": record.next_attempt_at,
                    "record_first": record.first_attempt_at,
                    "record_at": record.attempted_at,
                    "record_code": record.status_code,
                    "record_error": record.error,
                    "record_delivered": record.delivered_at,
                    "record_updated": record.attempted_at,
                }
                for record in records
            ],
        )


def _delivery_columns(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhook_id": delivery.webhook_id,
        "event_position": delivery.event_position,
        "task_id": delivery.task_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "claimed_until": delivery.claimed_until,
        "claim_id": None,
        "first_attempt_at": delivery.first_attempt_at,
        "last_attempt_at": delivery.last_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
    }


def _views() -> Select[Any]:
    """Deliveries with their event's id and type."""
    return select(
        *(column for column in _deliveries.c if column.name != "claim_id"),
        _outbox.c.id.label("event_id"),
        _outbox.c.type.label("event_type"),
    ).join(_outbox, _outbox.c.position == _deliveries.c.event_position)


def _delivery_from_row(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        webhook_id=row.webhook_id,
        event_position=row.event_position,
        event_id=row.event_id,
        event_type=row.event_type,
        task_id=row.task_id,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        claimed_until=row.claimed_until,
        first_attempt_at=row.first_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
