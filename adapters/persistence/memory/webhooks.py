"""Webhooks and their deliveries in the memory store, with the claims and rules of the SQL adapter."""

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from adapters.persistence.memory.outbox import payload_of
from adapters.persistence.memory.projects import PROJECTS
from adapters.persistence.memory.sorting import page_of
from adapters.persistence.memory.store import MemoryStore
from domain.errors import Conflict
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

WEBHOOKS = "webhooks"
DELIVERIES = "webhook_deliveries"


@dataclass(slots=True)
class DeliveryRow:
    delivery: Delivery
    claim_id: UUID | None = None


class InMemoryWebhookRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def create(self, webhook: Webhook) -> None:
        # Mirrors the foreign key to projects.
        if self._store.get(PROJECTS, webhook.project_id) is None:
            raise Conflict("the change conflicts with existing data")
        self._store.put(WEBHOOKS, webhook.id, webhook)

    async def get(self, project_id: UUID, webhook_id: UUID) -> Webhook | None:
        webhook: Webhook | None = self._store.get(WEBHOOKS, webhook_id)
        return webhook if webhook is not None and webhook.project_id == project_id else None

    async def list_for_project(self, project_id: UUID) -> Sequence[Webhook]:
        webhooks = [webhook for webhook in self._store.rows(WEBHOOKS) if webhook.project_id == project_id]
        return sorted(webhooks, key=lambda webhook: (webhook.created_at, webhook.id))

    async def active_for_projects(self, project_ids: Collection[UUID]) -> Sequence[Webhook]:
        wanted = set(project_ids)
        return [w for w in self._store.rows(WEBHOOKS) if w.project_id in wanted and w.active]

    async def update(self, webhook: Webhook) -> None:
        if self._store.get(WEBHOOKS, webhook.id) is not None:
            self._store.put(WEBHOOKS, webhook.id, webhook)

    async def delete(self, webhook_id: UUID) -> None:
        # As ON DELETE CASCADE on webhook_deliveries.
        for row in list(self._store.rows(DELIVERIES)):
            if row.delivery.webhook_id == webhook_id:
                self._store.delete(DELIVERIES, row.delivery.id)
        self._store.delete(WEBHOOKS, webhook_id)


class InMemoryDeliveryRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            # Mirrors the unique (webhook_id, event_position).
            if any(
                row.delivery.webhook_id == delivery.webhook_id
                and row.delivery.event_position == delivery.event_position
                for row in self._store.rows(DELIVERIES)
            ):
                raise Conflict("the change conflicts with existing data")
            self._store.put(DELIVERIES, delivery.id, DeliveryRow(delivery))

    async def get(self, webhook_id: UUID, delivery_id: UUID) -> Delivery | None:
        row: DeliveryRow | None = self._store.get(DELIVERIES, delivery_id)
        return row.delivery if row is not None and row.delivery.webhook_id == webhook_id else None

    async def list_for_webhook(
        self, webhook_id: UUID, status: DeliveryStatus | None, page: PageRequest
    ) -> Page[Delivery]:
        deliveries = (
            row.delivery
            for row in self._store.rows(DELIVERIES)
            if row.delivery.webhook_id == webhook_id and status in (None, row.delivery.status)
        )
        return page_of(deliveries, DELIVERY_SORT, page, delivery_keyset)

    async def reschedule(self, delivery: Delivery) -> None:
        if self._store.get(DELIVERIES, delivery.id) is not None:
            self._store.put(DELIVERIES, delivery.id, DeliveryRow(delivery))

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[ClaimedDelivery]:
        # The unit of work's writer lock keeps every other claim out until this one commits.
        rows = [row for row in self._store.rows(DELIVERIES) if row.delivery.status is DeliveryStatus.PENDING]
        first_pending: dict[tuple[UUID, UUID], int] = {}
        for row in rows:
            pair = (row.delivery.webhook_id, row.delivery.task_id)
            first_pending[pair] = min(
                first_pending.get(pair, row.delivery.event_position), row.delivery.event_position
            )
        webhooks: dict[UUID, Webhook] = {webhook.id: webhook for webhook in self._store.rows(WEBHOOKS)}
        due = sorted(
            (
                row
                for row in rows
                if webhooks[row.delivery.webhook_id].active
                and first_pending[(row.delivery.webhook_id, row.delivery.task_id)]
                == row.delivery.event_position
                and row.delivery.next_attempt_at is not None
                and row.delivery.next_attempt_at <= now
                and (row.delivery.claimed_until is None or row.delivery.claimed_until <= now)
            ),
            key=lambda row: (row.delivery.event_position, row.delivery.id),
        )[:limit]
        claimed = []
        for row in due:
            delivery = dataclasses.replace(row.delivery, claimed_until=lease_until)
            claim_id = new_id()
            self._store.put(DELIVERIES, delivery.id, DeliveryRow(delivery, claim_id))
            webhook = webhooks[delivery.webhook_id]
            claimed.append(
                ClaimedDelivery(
                    id=delivery.id,
                    claim_id=claim_id,
                    url=webhook.url,
                    secret=webhook.secret,
                    event_id=delivery.event_id,
                    payload=payload_of(self._store, delivery.event_id),
                    attempts=delivery.attempts,
                    first_attempt_at=delivery.first_attempt_at,
                )
            )
        return claimed

    async def record(self, records: Sequence[AttemptRecord]) -> None:
        for record in records:
            row: DeliveryRow | None = self._store.get(DELIVERIES, record.delivery_id)
            if row is None or row.claim_id != record.claim_id:
                continue
            delivery = dataclasses.replace(
                row.delivery,
                status=record.status,
                attempts=record.attempts,
                next_attempt_at=record.next_attempt_at,
                claimed_until=None,
                first_attempt_at=record.first_attempt_at,
                last_attempt_at=record.attempted_at,
                last_status_code=record.status_code,
                last_error=record.error,
                delivered_at=record.delivered_at or row.delivery.delivered_at,
                updated_at=record.attempted_at,
            )
            self._store.put(DELIVERIES, delivery.id, DeliveryRow(delivery))
