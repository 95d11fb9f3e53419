"""UserRepository.list: filters, order and pages, identical on memory, SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.ids import new_id
from domain.paging import PageRequest, SortKey
from domain.users import User, UserFilters, UserRole
from tests.conftest import UnitOfWorkFactory
from tests.contract.storage import all_ids, page_of, store
from tests.factories import UserFactory


def users_in_id_order(count: int, **fields: Any) -> list[User]:
    """Users whose ids ascend with their position, so that expected tie-breaks can be written down."""
    return [UserFactory.build(id=user_id, **fields) for user_id in sorted(new_id() for _ in range(count))]


async def test_role_filter_keeps_only_that_role(uow_factory: UnitOfWorkFactory) -> None:
    admin = UserFactory.build(role=UserRole.ADMIN)
    member = UserFactory.build(role=UserRole.MEMBER)
    await store(uow_factory, admin, member)

    assert await all_ids(uow_factory, UserFilters(role=UserRole.ADMIN)) == {admin.id}
    assert await all_ids(uow_factory, UserFilters(role=UserRole.MEMBER)) == {member.id}


async def test_active_filter_keeps_only_that_state(uow_factory: UnitOfWorkFactory) -> None:
    active = UserFactory.build(is_active=True)
    inactive = UserFactory.build(is_active=False)
    await store(uow_factory, active, inactive)

    assert await all_ids(uow_factory, UserFilters(is_active=True)) == {active.id}
    assert await all_ids(uow_factory, UserFilters(is_active=False)) == {inactive.id}


async def test_filters_combine(uow_factory: UnitOfWorkFactory) -> None:
    wanted = UserFactory.build(role=UserRole.ADMIN, is_active=False, email="ops.lead@corp.example")
    await store(
        uow_factory,
        wanted,
        UserFactory.build(role=UserRole.MEMBER, is_active=False, email="ops.member@corp.example"),
        UserFactory.build(role=UserRole.ADMIN, is_active=True, email="ops.admin@corp.example"),
        UserFactory.build(role=UserRole.ADMIN, is_active=False, email="sales@corp.example"),
    )

    filters = UserFilters(role=UserRole.ADMIN, is_active=False, email_contains="ops.")
    assert await all_ids(uow_factory, filters) == {wanted.id}


ORG = {"ann@example.org", "50%off@example.org", "500ff@example.org", "first_last@example.org"}


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("example.org", ORG),
        ("EXAMPLE.ORG", ORG),
        ("%", {"50%off@example.org"}),
        ("0%o", {"50%off@example.org"}),
        ("_", {"first_last@example.org"}),
        ("t_l", {"first_last@example.org"}),
        ("JOSÉ", {"josé@example.net"}),
        ("nobody", set()),
    ],
)
async def test_email_filter_matches_a_literal_substring_ignoring_case(
    uow_factory: UnitOfWorkFactory, needle: str, expected: set[str]
) -> None:
    users = [UserFactory.build(email=email) for email in [*ORG, "firstxlast@example.com", "josé@example.net"]]
    await store(uow_factory, *users)

    found = await all_ids(uow_factory, UserFilters(email_contains=needle))

    assert {user.email for user in users if user.id in found} == expected


T0 = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
# Three ascending values per sort field; the datetimes differ by one microsecond.
SORT_VALUES: dict[str, list[Any]] = {
    "created_at": [T0, T0 + timedelta(microseconds=1), T0 + timedelta(microseconds=2)],
    "updated_at": [T0, T0 + timedelta(microseconds=1), T0 + timedelta(days=1)],
    "email": ["a@example.com", "b@example.com", "c@example.com"],
    "full_name": ["Ann", "Bob", "Cy"],
}
# Users 0..4 (ids ascending) take these values; ties go to the lower id in both directions.
RANKS = [1, 0, 1, 2, 0]
ASCENDING = [1, 4, 0, 2, 3]
DESCENDING = [3, 0, 2, 1, 4]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("field", sorted(SORT_VALUES))
async def test_list_sorts_by_each_field_with_ties_broken_by_ascending_id(
    uow_factory: UnitOfWorkFactory, field: str, descending: bool
) -> None:
    users = users_in_id_order(len(RANKS))
    for user, rank in zip(users, RANKS, strict=True):
        setattr(user, field, SORT_VALUES[field][rank])
    # Emails are unique among live users only: the second holder of each value is soft-deleted.
    users[2].is_deleted = users[4].is_deleted = True
    await store(uow_factory, *users)

    ids, _total = await page_of(
        uow_factory, UserFilters(include_deleted=True), [SortKey(field, descending)], PageRequest(limit=10)
    )

    assert ids == [users[i].id for i in (DESCENDING if descending else ASCENDING)]


async def test_list_sorts_by_several_keys(uow_factory: UnitOfWorkFactory) -> None:
    users = users_in_id_order(4)
    for user, (name, day) in zip(users, [("Bo", 2), ("Al", 1), ("Bo", 1), ("Al", 2)], strict=True):
        user.full_name = name
        user.created_at = T0 + timedelta(days=day)
    await store(uow_factory, *users)

    sort = [SortKey("full_name"), SortKey("created_at", descending=True)]
    ids, _total = await page_of(uow_factory, sort=sort)

    assert ids == [users[i].id for i in (3, 1, 0, 2)]


async def test_names_sort_by_code_point_whatever_the_case_or_script(uow_factory: UnitOfWorkFactory) -> None:
    names = ["zoë", "Émile", "alice", "Zack", "Bob", "ángel", "Øyvind", "Ωmega", "bob", "Ada"]
    await store(uow_factory, *(UserFactory.build(full_name=name) for name in names))

    async with uow_factory() as uow:
        items = (await uow.users.list(UserFilters(), [SortKey("full_name")], PageRequest(limit=20))).items

    expected = ["Ada", "Bob", "Zack", "alice", "bob", "zoë", "Émile", "Øyvind", "ángel", "Ωmega"]
    assert [user.full_name for user in items] == expected


async def test_pages_do_not_overlap_and_cover_every_user(uow_factory: UnitOfWorkFactory) -> None:
    # Many equal created_at values: only the id tie-break keeps the pages apart.
    users = [UserFactory.build(created_at=T0 + timedelta(seconds=i % 2)) for i in range(7)]
    await store(uow_factory, *users)

    pages = [await page_of(uow_factory, page=PageRequest(offset=offset, limit=3)) for offset in (0, 3, 6)]

    assert [len(ids) for ids, _total in pages] == [3, 3, 1]
    assert [total for _ids, total in pages] == [7, 7, 7]
    listed = [user_id for ids, _total in pages for user_id in ids]
    assert sorted(listed) == sorted(user.id for user in users)


async def test_total_counts_every_match_not_just_the_page(uow_factory: UnitOfWorkFactory) -> None:
    await store(
        uow_factory,
        *UserFactory.batch(3, role=UserRole.ADMIN),
        *UserFactory.batch(4, role=UserRole.MEMBER),
        UserFactory.build(role=UserRole.ADMIN, is_deleted=True),
    )

    ids, total = await page_of(uow_factory, UserFilters(role=UserRole.ADMIN), page=PageRequest(limit=2))

    assert (len(ids), total) == (2, 3)


@pytest.mark.parametrize("offset", [5, 50])
async def test_page_past_the_end_is_empty_with_the_right_total(
    uow_factory: UnitOfWorkFactory, offset: int
) -> None:
    await store(uow_factory, *UserFactory.batch(5))

    assert await page_of(uow_factory, page=PageRequest(offset=offset, limit=10)) == ([], 5)


async def test_empty_list_has_total_zero(uow_factory: UnitOfWorkFactory) -> None:
    assert await page_of(uow_factory) == ([], 0)
