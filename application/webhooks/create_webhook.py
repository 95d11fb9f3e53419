from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.use_case import UseCase
from application.webhooks.access import load_managed_project
from application.webhooks.ports import WebhookTargets
from domain.events import EventType
from domain.unit_of_work import UnitOfWork
from domain.users import Actor
from domain.webhooks import Webhook


@dataclass(frozen=True, slots=True)
class CreateWebhookCommand:
    actor: Actor
    project_id: UUID
    url: str
    events: frozenset[EventType]
    secret: str | None = None
    active: bool = True


class CreateWebhook(UseCase):
    """Subscribe a URL to some of a project's events.

    Rules: the project's managers and admins (other members are refused, anyone else gets 'not
    found'); the URL is http or https with a host, and names no loopback or private address unless
    the service allows those; at least one event type; a given secret is `whsec_` and the base64 of
    24 to 64 bytes, else one is generated. The webhook returned carries the secret: the only time
    it leaves the service.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, targets: WebhookTargets) -> None:
        self._uow = uow
        self._clock = clock
        self._targets = targets

    async def execute(self, command: CreateWebhookCommand) -> Webhook:
        async with self._uow:
            await load_managed_project(self._uow, command.actor, command.project_id)
            webhook = Webhook.create(
                project_id=command.project_id,
                url=command.url,
                events=command.events,
                secret=command.secret,
                active=command.active,
                now=self._clock.now(),
            )
            self._targets.ensure_allowed(webhook.url)
            await self._uow.webhooks.create(webhook)
        return webhook
