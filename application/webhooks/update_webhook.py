from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.use_case import UseCase
from application.webhooks.access import load_webhook
from application.webhooks.ports import WebhookTargets
from domain.events import EventType
from domain.unit_of_work import UnitOfWork
from domain.users import Actor
from domain.webhooks import Webhook


@dataclass(frozen=True, slots=True)
class UpdateWebhookCommand:
    """A partial update: None leaves a field as it is."""

    actor: Actor
    project_id: UUID
    webhook_id: UUID
    url: str | None = None
    events: Collection[EventType] | None = None
    secret: str | None = None
    active: bool | None = None


class UpdateWebhook(UseCase):
    """Change a webhook's URL, events, secret, or pause and resume it.

    Rules: as for creating one. A paused webhook gets no deliveries of events that happen while it
    is paused; those already waiting for it wait until it is resumed.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, targets: WebhookTargets) -> None:
        self._uow = uow
        self._clock = clock
        self._targets = targets

    async def execute(self, command: UpdateWebhookCommand) -> Webhook:
        async with self._uow:
            webhook = await load_webhook(self._uow, command.actor, command.project_id, command.webhook_id)
            changed = webhook.change(
                url=command.url,
                events=command.events,
                secret=command.secret,
                active=command.active,
                now=self._clock.now(),
            )
            if changed:
                self._targets.ensure_allowed(webhook.url)
                await self._uow.webhooks.update(webhook)
        return webhook
