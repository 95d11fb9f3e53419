"""What the webhook use cases need from outside: the rule on which hosts webhooks may point at."""

from typing import Protocol


class WebhookTargets(Protocol):
    def ensure_allowed(self, url: str) -> None:
        """Refuse (ValidationFailed naming `url`) a URL the service may not deliver to, such as one
        naming a loopback or private address where those are not allowed."""
        ...
