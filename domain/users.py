"""Users: who may sign in, and what they may do."""

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from domain.errors import ValidationFailed
from domain.paging import Page, PageRequest, SortFields, SortKey

MAX_EMAIL_LENGTH = 254
MAX_FULL_NAME_LENGTH = 200
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class UserRole(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


def normalize_email(raw: str) -> str:
    """Emails compare case-insensitively, so one spelling is stored: trimmed and lower-case."""
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL_SHAPE.fullmatch(email):
        raise ValidationFailed("is not a valid email address", field="email")
    return email


def clean_full_name(raw: str) -> str:
    full_name = " ".join(raw.split())
    if not 1 <= len(full_name) <= MAX_FULL_NAME_LENGTH:
        raise ValidationFailed(f"must have 1 to {MAX_FULL_NAME_LENGTH} characters", field="full_name")
    return full_name


def check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters", field="password"
        )


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is making a request: enough to decide what they may see and change."""

    id: UUID
    role: UserRole

    @property
    def is_admin(self) -> bool:
        return self.role is UserRole.ADMIN

    @classmethod
    def operator(cls) -> "Actor":
        """The person at the server's shell (the CLI), who administers the service."""
        return cls(id=UUID(int=0), role=UserRole.ADMIN)


@dataclass(frozen=True, slots=True)
class Standing:
    """What a signed-in caller's token must still match: the account as an actor (its current role)
    and its current password hash, which every password change replaces (a new salt each time)."""

    actor: Actor
    password_hash: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class UserRef:
    """A user as other objects show them (a task's assignee, a comment's author)."""

    id: UUID
    full_name: str


@dataclass(frozen=True, slots=True)
class UserChanges:
    """A partial update: None leaves a field as it is (none of these fields is nullable)."""

    email: str | None = None
    full_name: str | None = None
    role: UserRole | None = None
    is_active: bool | None = None
    password_hash: str | None = field(default=None, repr=False)


@dataclass(slots=True, kw_only=True)
class User:
    """A person who signs in. `version` grows by one with every stored change."""

    id: UUID
    email: str
    full_name: str
    password_hash: str = field(repr=False)
    role: UserRole
    is_active: bool
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        email: str,
        full_name: str,
        password_hash: str,
        role: UserRole,
        now: datetime,
    ) -> "User":
        return cls(
            id=id,
            email=normalize_email(email),
            full_name=clean_full_name(full_name),
            password_hash=password_hash,
            role=role,
            is_active=True,
            is_deleted=False,
            created_at=now,
            updated_at=now,
            version=1,
        )

    @property
    def is_active_admin(self) -> bool:
        return self.role is UserRole.ADMIN and self.is_active and not self.is_deleted

    def as_actor(self) -> Actor:
        return Actor(id=self.id, role=self.role)

    def apply(self, changes: UserChanges, now: datetime) -> bool:
        """Apply the given changes; return whether anything changed (and so the version moved)."""
        new_values = {
            "email": None if changes.email is None else normalize_email(changes.email),
            "full_name": None if changes.full_name is None else clean_full_name(changes.full_name),
            "role": changes.role,
            "is_active": changes.is_active,
            "password_hash": changes.password_hash,
        }
        changed = False
        for name, value in new_values.items():
            if value is not None and value != getattr(self, name):
                setattr(self, name, value)
                changed = True
        if changed:
            self._touch(now)
        return changed

    def delete(self, now: datetime) -> None:
        self.is_deleted = True
        self._touch(now)

    def restore(self, now: datetime) -> None:
        self.is_deleted = False
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1


@dataclass(frozen=True, slots=True)
class UserFilters:
    role: UserRole | None = None
    is_active: bool | None = None
    email_contains: str | None = None
    include_deleted: bool = False


USER_SORT_FIELDS: SortFields = {
    "created_at": datetime,
    "updated_at": datetime,
    "email": str,
    "full_name": str,
}
DEFAULT_USER_SORT = (SortKey("created_at"),)


class UserRepository(Protocol):
    """Stores users. Soft-deleted users are invisible unless a method is asked to include them.

    `update`, `soft_delete` and `restore` take a user whose version was bumped once since it was
    read and raise StaleVersion when the stored version is no longer the one it was read at.
    """

    async def create(self, user: User) -> None: ...

    async def get_by_id(self, user_id: UUID, *, include_deleted: bool = False) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None: ...

    async def find_standing(self, user_id: UUID) -> Standing | None:
        """The user's current role and password hash while the account may sign in: it exists, is
        not deleted and is active; None otherwise."""
        ...

    async def list(self, filters: UserFilters, sort: Sequence[SortKey], page: PageRequest) -> Page[User]:
        """One page in `sort` order (ties broken by id), and the total matching `filters`."""
        ...

    async def get_refs(self, user_ids: Collection[UUID]) -> Mapping[UUID, UserRef]:
        """The ids and names of the users among `user_ids`, deleted ones too, in one read."""
        ...

    async def update(self, user: User) -> None: ...

    async def soft_delete(self, user: User) -> None: ...

    async def restore(self, user: User) -> None: ...

    async def active_admin_ids(self) -> Sequence[UUID]:
        """Ids of active, non-deleted admins, locked until the unit of work ends.

        The lock makes "is this the last admin?" checks safe under concurrent requests.
        """
        ...
