from collections.abc import Collection, Sequence
from uuid import UUID

from adapters.persistence.memory.sorting import page_of
from adapters.persistence.memory.store import MemoryStore
from domain.errors import Conflict, StaleVersion
from domain.paging import Keyset, Page, PageRequest, SortKey
from domain.users import Standing, User, UserFilters, UserRef

_TABLE = "users"


class InMemoryUserRepository:
    """Users kept in the memory store, with the constraints the database schema enforces."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def create(self, user: User) -> None:
        self._ensure_email_unique(user)
        self._store.put(_TABLE, user.id, user)

    async def get_by_id(self, user_id: UUID, *, include_deleted: bool = False) -> User | None:
        user: User | None = self._store.get(_TABLE, user_id)
        if user is None or (user.is_deleted and not include_deleted):
            return None
        return user

    async def get_refs(self, user_ids: Collection[UUID]) -> dict[UUID, UserRef]:
        users = (self._store.get(_TABLE, user_id) for user_id in user_ids)
        return {user.id: UserRef(id=user.id, full_name=user.full_name) for user in users if user is not None}

    async def find_standing(self, user_id: UUID) -> Standing | None:
        user = await self.get_by_id(user_id)
        if user is None or not user.is_active:
            return None
        return Standing(actor=user.as_actor(), password_hash=user.password_hash)

    async def get_by_email(self, email: str) -> User | None:
        return next((u for u in self._store.rows(_TABLE) if u.email == email and not u.is_deleted), None)

    async def list(self, filters: UserFilters, sort: Sequence[SortKey], page: PageRequest) -> Page[User]:
        matching = (u for u in self._store.rows(_TABLE) if _matches(u, filters))
        return page_of(matching, sort, page, lambda user: Keyset.of(user, sort))

    async def update(self, user: User) -> None:
        self._save(user)

    async def soft_delete(self, user: User) -> None:
        self._save(user)

    async def restore(self, user: User) -> None:
        self._save(user)

    async def active_admin_ids(self) -> Sequence[UUID]:
        return [u.id for u in self._store.rows(_TABLE) if u.is_active_admin]

    def _save(self, user: User) -> None:
        stored: User | None = self._store.get(_TABLE, user.id)
        if stored is None or stored.version != user.version - 1:
            raise StaleVersion("the user was changed by another request")
        self._ensure_email_unique(user)
        self._store.put(_TABLE, user.id, user)

    def _ensure_email_unique(self, user: User) -> None:
        # Mirrors the partial unique index uq_users_email_active.
        if user.is_deleted:
            return
        for other in self._store.rows(_TABLE):
            if other.id != user.id and other.email == user.email and not other.is_deleted:
                raise Conflict("a user with this email already exists", field="email")


def _matches(user: User, filters: UserFilters) -> bool:
    return (
        (filters.include_deleted or not user.is_deleted)
        and (filters.role is None or user.role is filters.role)
        and (filters.is_active is None or user.is_active == filters.is_active)
        # Stored emails are lower-case, so a lower-case needle ignores case (as the SQL adapter).
        and (filters.email_contains is None or filters.email_contains.lower() in user.email)
    )
