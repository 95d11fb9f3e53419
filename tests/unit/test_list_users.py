from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.users.list_users import ListUsers, ListUsersQuery
from domain.errors import PermissionDenied
from domain.paging import PageRequest, parse_sort
from domain.users import USER_SORT_FIELDS, Actor, User, UserFilters, UserRole
from tests.unit.fakes import seed

T0 = datetime(2026, 2, 1, 8, 0, 0, 500000, tzinfo=UTC)
# The CLI's operator is an admin who is not a stored user, so lists hold only what a test seeds.
ADMIN = Actor.operator()


@pytest.fixture
def list_users(uow: InMemoryUnitOfWork) -> ListUsers:
    return ListUsers(uow)


async def seed_in_order(store: MemoryStore, count: int) -> list[User]:
    """Users created one minute apart, oldest first."""
    return [await seed(store, created_at=T0 + timedelta(minutes=n)) for n in range(count)]


def ids(users: Iterable[User]) -> list[UUID]:
    return [user.id for user in users]


async def test_member_cannot_list_users(list_users: ListUsers, store: MemoryStore) -> None:
    member = await seed(store)

    with pytest.raises(PermissionDenied):
        await list_users.execute(ListUsersQuery(member.as_actor()))


async def test_admin_lists_users_oldest_first_by_default(list_users: ListUsers, store: MemoryStore) -> None:
    users = await seed_in_order(store, 3)

    page = await list_users.execute(ListUsersQuery(ADMIN))

    assert ids(page.items) == ids(users)
    assert page.total == 3
    assert page.request == PageRequest()


async def test_filter_by_role(list_users: ListUsers, store: MemoryStore) -> None:
    admin = await seed(store, role=UserRole.ADMIN)
    await seed(store, role=UserRole.MEMBER)

    page = await list_users.execute(ListUsersQuery(ADMIN, filters=UserFilters(role=UserRole.ADMIN)))

    assert (ids(page.items), page.total) == ([admin.id], 1)


async def test_filter_by_active_flag(list_users: ListUsers, store: MemoryStore) -> None:
    await seed(store, is_active=True)
    inactive = await seed(store, is_active=False)

    page = await list_users.execute(ListUsersQuery(ADMIN, filters=UserFilters(is_active=False)))

    assert (ids(page.items), page.total) == ([inactive.id], 1)


async def test_email_filter_matches_a_fragment_in_any_case(list_users: ListUsers, store: MemoryStore) -> None:
    alice = await seed(store, email="alice@wonderland.example")
    await seed(store, email="bob@builder.example")

    page = await list_users.execute(ListUsersQuery(ADMIN, filters=UserFilters(email_contains=" WONDER ")))

    assert (ids(page.items), page.total) == ([alice.id], 1)


async def test_filters_combine(list_users: ListUsers, store: MemoryStore) -> None:
    wanted = await seed(store, email="ann@corp.example", role=UserRole.ADMIN, is_active=True)
    await seed(store, email="ben@corp.example", role=UserRole.ADMIN, is_active=False)
    await seed(store, email="cat@corp.example", role=UserRole.MEMBER, is_active=True)
    await seed(store, email="dan@home.example", role=UserRole.ADMIN, is_active=True)
    filters = UserFilters(role=UserRole.ADMIN, is_active=True, email_contains="corp")

    page = await list_users.execute(ListUsersQuery(ADMIN, filters=filters))

    assert (ids(page.items), page.total) == ([wanted.id], 1)


async def test_sort_by_email_descending(list_users: ListUsers, store: MemoryStore) -> None:
    b = await seed(store, email="b@example.com")
    c = await seed(store, email="c@example.com")
    a = await seed(store, email="a@example.com")

    page = await list_users.execute(ListUsersQuery(ADMIN, sort=parse_sort("-email", USER_SORT_FIELDS)))

    assert ids(page.items) == ids([c, b, a])


async def test_newest_first(list_users: ListUsers, store: MemoryStore) -> None:
    users = await seed_in_order(store, 3)

    page = await list_users.execute(ListUsersQuery(ADMIN, sort=parse_sort("-created_at", USER_SORT_FIELDS)))

    assert ids(page.items) == ids(reversed(users))


@pytest.mark.parametrize("sort", ["created_at", "-created_at"])
async def test_ties_are_broken_by_ascending_id(list_users: ListUsers, store: MemoryStore, sort: str) -> None:
    twins = [await seed(store, created_at=T0) for _ in range(4)]

    page = await list_users.execute(ListUsersQuery(ADMIN, sort=parse_sort(sort, USER_SORT_FIELDS)))

    assert ids(page.items) == sorted(ids(twins))


async def test_second_sort_key_orders_within_the_first(list_users: ListUsers, store: MemoryStore) -> None:
    ada_old = await seed(store, full_name="Ada", created_at=T0)
    bob = await seed(store, full_name="Bob", created_at=T0)
    ada_new = await seed(store, full_name="Ada", created_at=T0 + timedelta(hours=1))
    sort = parse_sort("full_name,-created_at", USER_SORT_FIELDS)

    page = await list_users.execute(ListUsersQuery(ADMIN, sort=sort))

    assert ids(page.items) == ids([ada_new, ada_old, bob])


async def test_a_page_is_a_slice_and_total_counts_every_match(
    list_users: ListUsers, store: MemoryStore
) -> None:
    users = await seed_in_order(store, 5)

    page = await list_users.execute(ListUsersQuery(ADMIN, page=PageRequest(offset=2, limit=2)))

    assert ids(page.items) == ids(users[2:4])
    assert page.total == 5
    assert page.request == PageRequest(offset=2, limit=2)


async def test_a_page_past_the_end_is_empty_but_still_counts(
    list_users: ListUsers, store: MemoryStore
) -> None:
    await seed_in_order(store, 3)

    page = await list_users.execute(ListUsersQuery(ADMIN, page=PageRequest(offset=3, limit=10)))

    assert (list(page.items), page.total) == ([], 3)


async def test_total_counts_the_filtered_matches_not_the_whole_table(
    list_users: ListUsers, store: MemoryStore
) -> None:
    for _ in range(3):
        await seed(store, role=UserRole.ADMIN)
    await seed(store, role=UserRole.MEMBER)
    query = ListUsersQuery(ADMIN, filters=UserFilters(role=UserRole.ADMIN), page=PageRequest(limit=1))

    page = await list_users.execute(query)

    assert (len(page.items), page.total) == (1, 3)


async def test_soft_deleted_users_are_hidden_unless_asked_for(
    list_users: ListUsers, store: MemoryStore
) -> None:
    live = await seed(store, created_at=T0)
    deleted = await seed(store, created_at=T0 + timedelta(minutes=1), is_deleted=True)

    hidden = await list_users.execute(ListUsersQuery(ADMIN))
    shown = await list_users.execute(ListUsersQuery(ADMIN, filters=UserFilters(include_deleted=True)))

    assert (ids(hidden.items), hidden.total) == ([live.id], 1)
    assert (ids(shown.items), shown.total) == ([live.id, deleted.id], 2)
