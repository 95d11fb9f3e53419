"""ProjectRepository (projects and task numbers): the same behaviour on memory, SQLite and PostgreSQL."""

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.clock import UtcClock
from application.projects.create_project import CreateProject, CreateProjectCommand
from domain.errors import Conflict, StaleVersion
from domain.ids import new_id
from domain.paging import PageRequest, SortKey
from domain.projects import DEFAULT_PROJECT_SORT, MemberRole, Project, ProjectFilters
from domain.users import User
from tests.conftest import UnitOfWorkFactory
from tests.contract.task_world import World
from tests.factories_work import unique_project_key

T0 = datetime(2026, 4, 1, 8, 0, 0, 250000, tzinfo=UTC)
CONCURRENT = 20
NO_FILTERS = ProjectFilters()
EVERYTHING = PageRequest(limit=100)


def build_project(
    *, key: str | None = None, name: str = "Operations", created_at: datetime = T0, description: str = ""
) -> Project:
    return Project.create(
        id=new_id(), key=key or unique_project_key(), name=name, description=description, now=created_at
    )


async def store(uow_factory: UnitOfWorkFactory, *projects: Project) -> None:
    async with uow_factory() as uow:
        for project in projects:
            await uow.projects.create(project)


async def fetch(
    uow_factory: UnitOfWorkFactory, project_id: UUID, *, include_deleted: bool = False
) -> Project | None:
    async with uow_factory() as uow:
        return await uow.projects.get_by_id(project_id, include_deleted=include_deleted)


async def fetch_by_key(uow_factory: UnitOfWorkFactory, key: str) -> Project | None:
    async with uow_factory() as uow:
        return await uow.projects.get_by_key(key)


async def soft_delete(uow_factory: UnitOfWorkFactory, project: Project) -> None:
    async with uow_factory() as uow:
        project.delete(T0 + timedelta(days=1))
        await uow.projects.soft_delete(project)


async def restore(uow_factory: UnitOfWorkFactory, project: Project) -> None:
    async with uow_factory() as uow:
        project.restore(T0 + timedelta(days=2))
        await uow.projects.restore(project)


async def update(uow_factory: UnitOfWorkFactory, project: Project) -> None:
    async with uow_factory() as uow:
        await uow.projects.update(project)


async def page_of(
    uow_factory: UnitOfWorkFactory,
    filters: ProjectFilters = NO_FILTERS,
    sort: tuple[SortKey, ...] = DEFAULT_PROJECT_SORT,
    page: PageRequest = EVERYTHING,
) -> tuple[list[str], int]:
    """The keys on one page of the list, in order, and the total."""
    async with uow_factory() as uow:
        found = await uow.projects.list(filters, sort, page)
    return [project.key for project in found.items], found.total


async def test_created_project_reads_back_equal_by_id_and_key(uow_factory: UnitOfWorkFactory) -> None:
    project = build_project(name="Straße & Co", description="Multi\nline", created_at=T0)
    project.version, project.updated_at = 4, T0 + timedelta(microseconds=1)
    await store(uow_factory, project, build_project())

    assert await fetch(uow_factory, project.id) == project
    assert await fetch_by_key(uow_factory, project.key) == project


async def test_unknown_id_and_key_find_nothing(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, build_project(key="OPS"))

    assert await fetch(uow_factory, new_id(), include_deleted=True) is None
    assert await fetch_by_key(uow_factory, "DEV") is None


async def test_a_second_live_project_with_the_same_key_is_a_conflict(uow_factory: UnitOfWorkFactory) -> None:
    first = build_project(key="OPS")
    await store(uow_factory, first)

    with pytest.raises(Conflict) as caught:
        await store(uow_factory, build_project(key="OPS"))

    assert caught.value.field == "key"
    assert await page_of(uow_factory, ProjectFilters(include_deleted=True)) == (["OPS"], 1)


async def test_deleted_project_is_hidden_unless_asked_for(uow_factory: UnitOfWorkFactory) -> None:
    project, bystander = build_project(key="OPS"), build_project(key="DEV")
    await store(uow_factory, project, bystander)

    await soft_delete(uow_factory, project)

    assert await fetch(uow_factory, project.id) is None
    assert await fetch_by_key(uow_factory, "OPS") is None
    assert await page_of(uow_factory) == (["DEV"], 1)
    assert await fetch(uow_factory, project.id, include_deleted=True) == project
    assert await page_of(uow_factory, ProjectFilters(include_deleted=True)) == (["DEV", "OPS"], 2)


async def test_key_of_a_deleted_project_can_be_reused_but_then_blocks_its_restore(
    uow_factory: UnitOfWorkFactory,
) -> None:
    old = build_project(key="OPS")
    await store(uow_factory, old)
    await soft_delete(uow_factory, old)

    new = build_project(key="OPS")
    await store(uow_factory, new)

    assert await fetch_by_key(uow_factory, "OPS") == new
    with pytest.raises(Conflict) as caught:
        await restore(uow_factory, copy.copy(old))
    assert caught.value.field == "key"
    assert await fetch(uow_factory, old.id, include_deleted=True) == old


async def test_restored_project_is_visible_again(uow_factory: UnitOfWorkFactory) -> None:
    project = build_project()
    await store(uow_factory, project)
    await soft_delete(uow_factory, project)

    await restore(uow_factory, project)

    assert await fetch(uow_factory, project.id) == project
    assert project.version == 3


async def test_update_stores_the_change_and_search_finds_the_new_name(uow_factory: UnitOfWorkFactory) -> None:
    project = build_project(key="OPS", name="Operations")
    await store(uow_factory, project)

    project.change(name="Übersicht", description="new", now=T0 + timedelta(hours=1))
    await update(uow_factory, project)

    assert await fetch(uow_factory, project.id) == project
    assert await page_of(uow_factory, ProjectFilters(text="ÜBERSICHT")) == (["OPS"], 1)
    assert await page_of(uow_factory, ProjectFilters(text="operations")) == ([], 0)


async def test_update_from_a_stale_read_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    project = build_project(name="Operations")
    await store(uow_factory, project)
    first, second = copy.copy(project), copy.copy(project)
    first.change(name="First", description=None, now=T0)
    await update(uow_factory, first)

    second.change(name="Second", description=None, now=T0)

    with pytest.raises(StaleVersion):
        await update(uow_factory, second)

    assert await fetch(uow_factory, project.id) == first


@pytest.fixture
async def catalogue(uow_factory: UnitOfWorkFactory) -> list[Project]:
    """Five projects whose names differ in case and accents; created a minute apart in this order."""
    rows = [
        ("OPS", "Operations"),
        ("DEV", "development"),
        ("HR", "Straße"),
        ("WEB", "Website"),
        ("QA", "Über QA"),
    ]
    projects = [
        build_project(key=key, name=name, created_at=T0 + timedelta(minutes=n))
        for n, (key, name) in enumerate(rows)
    ]
    await store(uow_factory, *projects)
    return projects


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ops", ["OPS"]),
        ("DEVELOP", ["DEV"]),
        ("hr", ["HR"]),
        ("STRASSE", ["HR"]),  # casefold: ß is ss
        ("über", ["QA"]),
        ("qa", ["QA"]),
        ("e", ["DEV", "HR", "OPS", "QA", "WEB"]),
        ("%", []),
        ("_", []),
    ],
)
async def test_text_matches_key_or_name_ignoring_case(
    uow_factory: UnitOfWorkFactory, catalogue: list[Project], text: str, expected: list[str]
) -> None:
    assert await page_of(uow_factory, ProjectFilters(text=text)) == (expected, len(expected))


async def test_member_filter_keeps_that_users_projects(
    uow_factory: UnitOfWorkFactory, catalogue: list[Project]
) -> None:
    world = World(uow_factory)
    user, other = await world.user(), await world.user()
    await world.join(catalogue[0], user, MemberRole.VIEWER)
    await world.join(catalogue[3], user, MemberRole.MANAGER)
    await world.join(catalogue[1], other, MemberRole.MANAGER)

    assert await page_of(uow_factory, ProjectFilters(member_id=user.id)) == (["OPS", "WEB"], 2)
    assert await page_of(uow_factory, ProjectFilters(member_id=user.id, text="web")) == (["WEB"], 1)
    assert await page_of(uow_factory, ProjectFilters(member_id=new_id())) == ([], 0)


async def test_filters_combine_with_include_deleted(
    uow_factory: UnitOfWorkFactory, catalogue: list[Project]
) -> None:
    world = World(uow_factory)
    user: User = await world.user()
    for project in catalogue[:3]:
        await world.join(project, user, MemberRole.MANAGER)
    await soft_delete(uow_factory, catalogue[1])

    assert await page_of(uow_factory, ProjectFilters(member_id=user.id)) == (["HR", "OPS"], 2)
    assert await page_of(uow_factory, ProjectFilters(member_id=user.id, include_deleted=True)) == (
        ["DEV", "HR", "OPS"],
        3,
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ((SortKey("key"),), ["DEV", "HR", "OPS", "QA", "WEB"]),
        ((SortKey("key", descending=True),), ["WEB", "QA", "OPS", "HR", "DEV"]),
        # By code point on every adapter: upper-case before lower-case, accented letters last.
        ((SortKey("name"),), ["OPS", "HR", "WEB", "DEV", "QA"]),
        ((SortKey("created_at", descending=True),), ["QA", "WEB", "HR", "DEV", "OPS"]),
        ((SortKey("updated_at"),), ["OPS", "DEV", "HR", "WEB", "QA"]),
    ],
)
async def test_list_follows_the_sort(
    uow_factory: UnitOfWorkFactory, catalogue: list[Project], sort: tuple[SortKey, ...], expected: list[str]
) -> None:
    assert await page_of(uow_factory, sort=sort) == (expected, 5)


async def test_equal_sort_values_are_ordered_by_id(uow_factory: UnitOfWorkFactory) -> None:
    twins = [build_project(name="Same name") for _ in range(4)]
    await store(uow_factory, *reversed(twins))
    by_id = [project.key for project in sorted(twins, key=lambda project: project.id)]

    for descending in (False, True):
        assert await page_of(uow_factory, sort=(SortKey("name", descending=descending),)) == (by_id, 4)


async def test_pages_slice_the_sorted_list_and_count_every_match(
    uow_factory: UnitOfWorkFactory, catalogue: list[Project]
) -> None:
    sort = (SortKey("key"),)

    assert await page_of(uow_factory, sort=sort, page=PageRequest(offset=0, limit=2)) == (["DEV", "HR"], 5)
    assert await page_of(uow_factory, sort=sort, page=PageRequest(offset=4, limit=2)) == (["WEB"], 5)
    assert await page_of(uow_factory, sort=sort, page=PageRequest(offset=9, limit=2)) == ([], 5)
    assert await page_of(uow_factory, ProjectFilters(text="e"), sort, PageRequest(offset=1, limit=1)) == (
        ["HR"],
        5,
    )
    assert await page_of(uow_factory, ProjectFilters(text="o"), sort, PageRequest(limit=1)) == (["DEV"], 2)


async def test_task_numbers_count_up_per_project(uow_factory: UnitOfWorkFactory) -> None:
    ops, dev = build_project(), build_project()
    await store(uow_factory, ops, dev)

    numbers = []
    for project in (ops, ops, dev, ops, dev):
        async with uow_factory() as uow:
            numbers.append(await uow.projects.next_task_number(project.id))

    assert numbers == [1, 2, 1, 3, 2]


async def test_a_number_taken_in_a_rolled_back_unit_of_work_is_handed_out_again(
    uow_factory: UnitOfWorkFactory,
) -> None:
    project = build_project()
    await store(uow_factory, project)

    async def reserve_then_fail() -> None:
        async with uow_factory() as uow:
            assert await uow.projects.next_task_number(project.id) == 1
            raise RuntimeError("the task insert failed")

    with pytest.raises(RuntimeError):
        await reserve_then_fail()
    async with uow_factory() as uow:
        number = await uow.projects.next_task_number(project.id)

    assert number == 1


async def test_concurrent_units_of_work_get_distinct_task_numbers(uow_factory: UnitOfWorkFactory) -> None:
    project = build_project()
    await store(uow_factory, project)

    async def reserve() -> int:
        async with uow_factory() as uow:
            return await uow.projects.next_task_number(project.id)

    numbers = await asyncio.gather(*(reserve() for _ in range(CONCURRENT)))

    assert sorted(numbers) == list(range(1, CONCURRENT + 1))


async def test_concurrent_creates_of_one_key_store_exactly_one_project(
    uow_factory: UnitOfWorkFactory,
) -> None:
    world = World(uow_factory)
    creators = [await world.user() for _ in range(6)]

    async def create(creator: User) -> Project:
        command = CreateProjectCommand(creator.as_actor(), key="race", name="Race")
        return await CreateProject(uow_factory(), UtcClock()).execute(command)

    results = await asyncio.gather(*(create(creator) for creator in creators), return_exceptions=True)

    winners = [result for result in results if isinstance(result, Project)]
    losers = [result for result in results if not isinstance(result, Project)]
    assert len(winners) == 1
    assert all(isinstance(loser, Conflict) and loser.field == "key" for loser in losers), losers
    assert await page_of(uow_factory, ProjectFilters(include_deleted=True)) == (["RACE"], 1)
