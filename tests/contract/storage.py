"""Short ways to store and read users, each in a unit of work of its own (so each one commits)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from domain.paging import PageRequest, SortKey
from domain.users import DEFAULT_USER_SORT, User, UserFilters
from tests.conftest import UnitOfWorkFactory

NO_FILTERS = UserFilters()
FIRST_PAGE = PageRequest()


def now() -> datetime:
    return datetime.now(UTC)


async def store(uow_factory: UnitOfWorkFactory, *users: User) -> None:
    async with uow_factory() as uow:
        for user in users:
            await uow.users.create(user)


async def update(uow_factory: UnitOfWorkFactory, user: User) -> None:
    async with uow_factory() as uow:
        await uow.users.update(user)


async def fetch(
    uow_factory: UnitOfWorkFactory, user_id: UUID, *, include_deleted: bool = False
) -> User | None:
    async with uow_factory() as uow:
        return await uow.users.get_by_id(user_id, include_deleted=include_deleted)


async def fetch_by_email(uow_factory: UnitOfWorkFactory, email: str) -> User | None:
    async with uow_factory() as uow:
        return await uow.users.get_by_email(email)


async def page_of(
    uow_factory: UnitOfWorkFactory,
    filters: UserFilters = NO_FILTERS,
    sort: Sequence[SortKey] = DEFAULT_USER_SORT,
    page: PageRequest = FIRST_PAGE,
) -> tuple[list[UUID], int]:
    """The ids on one page of the list, in order, and the total."""
    async with uow_factory() as uow:
        found = await uow.users.list(filters, sort, page)
    return [user.id for user in found.items], found.total


async def all_ids(uow_factory: UnitOfWorkFactory, filters: UserFilters = NO_FILTERS) -> set[UUID]:
    ids, _total = await page_of(uow_factory, filters, page=PageRequest(limit=100))
    return set(ids)
