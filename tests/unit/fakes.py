"""Hand-written fakes for the ports we own, and helpers that seed and read the memory store."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.persistence.memory.users import InMemoryUserRepository
from application.ports import IssuedToken
from domain.paging import MAX_LIMIT, PageRequest
from domain.users import DEFAULT_USER_SORT, Actor, User, UserFilters
from tests.factories import UserFactory


class FakeClock:
    """Time stands still until a test moves it, so timestamps can be compared exactly."""

    def __init__(self, start: datetime = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta = timedelta(minutes=1)) -> datetime:
        self.current += delta
        return self.current


class RecordingTokenIssuer:
    """Issues a readable token per user and remembers whom, in which role, it issued them to."""

    def __init__(self) -> None:
        self.issued: list[Actor] = []

    def issue(self, actor: Actor, password_hash: str) -> IssuedToken:
        self.issued.append(actor)
        return IssuedToken(access_token=f"token-{len(self.issued)}-for-{actor.id}", expires_in=900)


async def seed(store: MemoryStore, **fields: Any) -> User:
    """Store a factory-built user through a unit of work of its own (so the tested one stays untouched)."""
    user = UserFactory.build(**fields)
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.create(user)
    return user


async def stored(store: MemoryStore, user_id: UUID) -> User | None:
    """The user as stored, deleted or not."""
    return await InMemoryUserRepository(store).get_by_id(user_id, include_deleted=True)


async def all_stored(store: MemoryStore) -> list[User]:
    """Every stored user, deleted ones included, in the order their (time-ordered) ids were made."""
    page = await InMemoryUserRepository(store).list(
        UserFilters(include_deleted=True), DEFAULT_USER_SORT, PageRequest(limit=MAX_LIMIT)
    )
    return sorted(page.items, key=lambda user: user.id)
