"""What the use cases need from the outside world, beyond persistence; adapters provide these."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.users import Actor


class Clock(Protocol):
    """The one source of time, so every adapter stores the same instants (UTC, microseconds)."""

    def now(self) -> datetime: ...


class PasswordHasher(Protocol):
    """Hashing is deliberately slow, so it is async: adapters run it off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; never raises for a mismatch."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than the current ones."""
        ...


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 (the OAuth 2 token type, not a secret)


class TokenIssuer(Protocol):
    def issue(self, actor: Actor, password_hash: str) -> IssuedToken:
        """A token that speaks for the actor: their account, in the role they hold now, for as long
        as their password is the one `password_hash` was made from."""
        ...
