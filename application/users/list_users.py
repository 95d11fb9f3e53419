import dataclasses
from dataclasses import dataclass

from application.permissions import ServiceAccess
from application.use_case import UseCase
from domain.paging import Page, PageRequest, SortKey
from domain.unit_of_work import UnitOfWork
from domain.users import DEFAULT_USER_SORT, Actor, User, UserFilters


@dataclass(frozen=True, slots=True)
class ListUsersQuery:
    actor: Actor
    filters: UserFilters = UserFilters()
    sort: tuple[SortKey, ...] = DEFAULT_USER_SORT
    page: PageRequest = PageRequest()


class ListUsers(UseCase):
    """List users a page at a time. Rules: administrators only; the email filter ignores case."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: ListUsersQuery) -> Page[User]:
        ServiceAccess(query.actor).ensure_can_administer()
        filters = query.filters
        if filters.email_contains is not None:
            # Case is the repositories' concern (they match lower-case stored emails); spaces are ours.
            filters = dataclasses.replace(filters, email_contains=filters.email_contains.strip())
        async with self._uow.read_only():
            return await self._uow.users.list(filters, query.sort, query.page)
