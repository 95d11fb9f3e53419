"""Emails are unique among users who are not deleted."""

from uuid import UUID

from domain.errors import Conflict
from domain.users import UserRepository


async def ensure_email_free(users: UserRepository, email: str, *, owner: UUID | None = None) -> None:
    existing = await users.get_by_email(email)
    if existing is not None and existing.id != owner:
        raise Conflict("a user with this email already exists", field="email")
