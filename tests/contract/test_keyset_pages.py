"""Keyset pages (PageRequest.after): on memory, SQLite and PostgreSQL alike, walking a list page by
page after each page's `next` gives the list in its full order, each row once, whatever the sort,
its ties, missing due dates and directions; rows stored meanwhile neither shift nor repeat it."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest

from domain.comments import Comment
from domain.ids import new_id
from domain.paging import MAX_LIMIT, Keyset, Page, PageRequest, SortFields, SortKey, parse_sort
from domain.projects import PROJECT_SORT_FIELDS, MemberRole, Project, ProjectFilters
from domain.tasks import TASK_SORT_FIELDS, Priority, Task, TaskFilters, TaskStatus, TaskSummary
from domain.unit_of_work import UnitOfWork
from domain.users import USER_SORT_FIELDS, User, UserFilters
from tests.conftest import UnitOfWorkFactory
from tests.contract.storage import store
from tests.contract.task_world import NO_FILTERS, World
from tests.factories import UserFactory
from tests.factories_work import unique_project_key

T = TypeVar("T")
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DAY = date(2026, 6, 15)
ReadPage = Callable[[PageRequest], Awaitable[Page[T]]]


async def walk(read: ReadPage[T], limit: int) -> tuple[list[T], list[Page[T]]]:
    """Every row, reading page after page from each page's `next`; and the pages read."""
    pages = [await read(PageRequest(limit=limit))]
    while (after := pages[-1].next) is not None:
        assert len(pages) <= MAX_LIMIT * 10, "the walk does not end"
        pages.append(await read(PageRequest(limit=limit, after=after)))
    return [row for page in pages for row in page.items], pages


def assert_a_whole_walk(pages: Sequence[Page[T]], limit: int, total: int) -> None:
    """Full pages but the last, each telling the same total; only the last has no `next`."""
    assert [len(page.items) for page in pages[:-1]] == [limit] * (len(pages) - 1)
    assert 0 < len(pages[-1].items) <= limit or total == 0
    assert {page.total for page in pages} == {total}
    assert [page.next is None for page in pages] == [False] * (len(pages) - 1) + [True]


def reader(
    uow_factory: UnitOfWorkFactory, list_page: Callable[[UnitOfWork, PageRequest], Awaitable[Page[T]]]
) -> ReadPage[T]:
    """Reads pages of a list, each in a read-only unit of work of its own, as a request does."""

    async def read(request: PageRequest) -> Page[T]:
        uow = uow_factory()
        async with uow.read_only():
            return await list_page(uow, request)

    return read


async def assert_walks_in_order(
    read_sorted: Callable[[Sequence[SortKey]], ReadPage[Any]],
    sorts: Sequence[str],
    fields: SortFields,
    limit: int,
) -> None:
    """For each sort, a walk by keyset gives the list as one page of it does (rows with an `id`)."""
    for sort_text in sorts:
        read = read_sorted(parse_sort(sort_text, fields))
        whole = await read(PageRequest(limit=MAX_LIMIT))

        walked, pages = await walk(read, limit)

        assert [row.id for row in walked] == [row.id for row in whole.items], sort_text
        assert_a_whole_walk(pages, limit, whole.total)


def task_reader(
    world: World, sort: Sequence[SortKey], filters: TaskFilters = NO_FILTERS
) -> ReadPage[TaskSummary]:
    return reader(world.uow, lambda uow, request: uow.tasks.list(filters, sort, request))


def task_ids(summaries: Sequence[TaskSummary]) -> list[UUID]:
    return [summary.id for summary in summaries]


async def mixed_tasks(
    world: World, manager: User, count: int = 23, projects: Sequence[Project] = ()
) -> list[Task]:
    """Tasks spread over `projects` (two new ones by default), with many ties on every sort field,
    and a third of them without a due date."""
    projects = projects or [await world.project(manager), await world.project(manager)]
    tasks = []
    for n, task_id in enumerate(sorted(new_id() for _ in range(count))):
        tasks.append(
            await world.task(
                projects[n % len(projects)],
                manager,
                task_id=task_id,
                title=["Alpha", "beta", "Alpha", "Ωmega"][n % 4],
                status=list(TaskStatus)[n % 5],
                priority=list(Priority)[n % 3],
                due_date=None if n % 3 == 0 else DAY + timedelta(days=n % 4),
                created_at=T0 + timedelta(seconds=n % 5),
                updated_at=T0 + timedelta(microseconds=n % 2),
            )
        )
    return tasks


TASK_SORTS = [
    "created_at",
    "-created_at",
    "-priority,due_date",
    "due_date",
    "-due_date",
    "status,-title",
    "title,-updated_at",
    "key",
    "-key",
    "-updated_at,priority,-due_date",
    "-title,-key",
]


@pytest.mark.parametrize("sort_text", [*TASK_SORTS, ""], ids=[*TASK_SORTS, "id-only"])
async def test_a_task_walk_by_keyset_gives_the_list_in_its_order_each_task_once(
    world: World, manager: User, sort_text: str
) -> None:
    tasks = await mixed_tasks(world, manager)
    sort = parse_sort(sort_text, TASK_SORT_FIELDS) if sort_text else ()
    read = task_reader(world, sort)
    in_order = task_ids((await read(PageRequest(limit=MAX_LIMIT))).items)

    for limit in (1, 4):
        walked, pages = await walk(read, limit)

        assert task_ids(walked) == in_order
        assert_a_whole_walk(pages, limit, len(tasks))
    assert sorted(in_order) == sorted(task.id for task in tasks)


@pytest.mark.parametrize("sort_text", ["created_at", "-key", "key", "-priority,due_date", "status,-title"])
async def test_a_member_s_walk_by_keyset_is_the_admin_s_order_of_their_projects_tasks(
    world: World, manager: User, sort_text: str
) -> None:
    # On PostgreSQL a member's list reads each of their projects apart (a LATERAL join per project),
    # each read starting after the keyset on its own; the walk must come out as one order still.
    projects = [await world.project(manager) for _ in range(3)]
    member = await world.user()
    for project in projects[:2]:
        await world.join(project, member, MemberRole.VIEWER)
    tasks = await mixed_tasks(world, manager, count=30, projects=projects)
    sort = parse_sort(sort_text, TASK_SORT_FIELDS)
    everything = task_ids((await task_reader(world, sort)(PageRequest(limit=MAX_LIMIT))).items)
    theirs = {task.id for task in tasks if task.project_id != projects[2].id}

    walked, pages = await walk(task_reader(world, sort, TaskFilters(visible_to=member.id)), 4)

    assert task_ids(walked) == [task_id for task_id in everything if task_id in theirs]
    assert_a_whole_walk(pages, 4, len(theirs))


async def test_a_task_walk_keeps_to_its_filters(world: World, manager: User) -> None:
    tasks = await mixed_tasks(world, manager)
    filters = TaskFilters(
        project_id=tasks[0].project_id, priorities=frozenset({Priority.LOW, Priority.URGENT, Priority.HIGH})
    )
    read = task_reader(world, parse_sort("-due_date,title", TASK_SORT_FIELDS), filters)
    in_order = task_ids((await read(PageRequest(limit=MAX_LIMIT))).items)

    walked, pages = await walk(read, 2)

    assert task_ids(walked) == in_order
    wanted = {t.id for t in tasks if t.project_id == tasks[0].project_id and t.priority in filters.priorities}
    assert set(in_order) == wanted
    assert_a_whole_walk(pages, 2, len(in_order))


async def test_the_next_page_starts_after_the_keyset_even_when_its_task_went_away(
    world: World, manager: User
) -> None:
    await mixed_tasks(world, manager, count=12)
    read = task_reader(world, parse_sort("-priority,due_date", TASK_SORT_FIELDS))
    in_order = task_ids((await read(PageRequest(limit=MAX_LIMIT))).items)
    first = await read(PageRequest(limit=4))
    assert first.next is not None
    last_shown = await world.stored_task(first.items[-1].id)
    assert last_shown is not None

    await world.delete_task(last_shown)
    after_deletion = await read(PageRequest(limit=4, after=first.next))

    assert task_ids(after_deletion.items) == in_order[4:8]
    assert after_deletion.total == len(in_order) - 1


async def test_a_keyset_after_the_last_task_gives_an_empty_last_page(world: World, manager: User) -> None:
    await mixed_tasks(world, manager, count=3)
    read = task_reader(world, [SortKey("due_date")])

    # Tasks without a due date come last, and no id comes after this one.
    page = await read(PageRequest(after=Keyset(values=(None,), id=UUID(int=2**128 - 1))))

    assert (list(page.items), page.total, page.next) == ([], 3, None)


async def test_an_empty_list_is_one_page_without_a_next(world: World) -> None:
    page = await task_reader(world, ())(PageRequest())

    assert (list(page.items), page.total, page.next) == ([], 0, None)


@pytest.mark.parametrize("descending", [False, True], ids=["oldest-first", "newest-first"])
async def test_a_walk_sees_each_task_once_while_others_are_created(
    world: World, project: Project, manager: User, descending: bool
) -> None:
    existing = {(await world.task(project, manager)).id for _ in range(120)}
    read = task_reader(world, [SortKey("created_at", descending)])
    walked: list[UUID] = []
    created: list[UUID] = []

    # Another request creates a task between every two pages: each page is a unit of work of its
    # own, so this is what a client walking the list meets, without leaving the order to chance.
    request = PageRequest(limit=7)
    for _ in range(1000):
        page = await read(request)
        walked.extend(task_ids(page.items))
        if page.next is None:
            break
        created.append((await world.task(project, manager)).id)
        request = PageRequest(limit=7, after=page.next)
    else:
        pytest.fail("the walk does not end")

    assert len(created) >= 10, "the tasks were not created during the walk"
    assert len(walked) == len(set(walked)), "a task was seen twice"
    assert existing <= set(walked), "a task that existed all along was skipped"
    assert set(walked) <= existing | set(created)
    if descending:
        # Newer tasks sort before every page already read: a keyset walk never reaches them.
        assert set(walked) == existing


async def test_a_user_walk_by_keyset_gives_the_list_in_its_order(uow_factory: UnitOfWorkFactory) -> None:
    users = [
        UserFactory.build(
            id=user_id,
            full_name=["Ada", "bob", "Ada", "Émile"][n % 4],
            created_at=T0 + timedelta(seconds=n % 3),
            updated_at=T0 + timedelta(seconds=n % 2),
        )
        for n, user_id in enumerate(sorted(new_id() for _ in range(13)))
    ]
    await store(uow_factory, *users)

    def users_sorted(sort: Sequence[SortKey]) -> ReadPage[User]:
        return reader(uow_factory, lambda uow, request: uow.users.list(UserFilters(), sort, request))

    sorts = ["created_at", "-full_name", "email", "-updated_at,full_name,-created_at"]
    await assert_walks_in_order(users_sorted, sorts, USER_SORT_FIELDS, limit=3)


async def test_a_project_walk_by_keyset_gives_the_list_in_its_order(uow_factory: UnitOfWorkFactory) -> None:
    projects = []
    for n, project_id in enumerate(sorted(new_id() for _ in range(11))):
        now = T0 + timedelta(seconds=n % 3)
        name = ["Ops", "ops", "Web"][n % 3]
        projects.append(
            Project.create(id=project_id, key=unique_project_key(), name=name, description="", now=now)
        )
    async with uow_factory() as uow:
        for project in projects:
            await uow.projects.create(project)

    def projects_sorted(sort: Sequence[SortKey]) -> ReadPage[Project]:
        return reader(uow_factory, lambda uow, request: uow.projects.list(ProjectFilters(), sort, request))

    sorts = ["key", "-name", "created_at", "-updated_at,name"]
    await assert_walks_in_order(projects_sorted, sorts, PROJECT_SORT_FIELDS, limit=2)


async def test_a_comment_walk_by_keyset_gives_them_oldest_first(
    world: World, project: Project, manager: User
) -> None:
    task = await world.task(project, manager)
    comments = [
        Comment.create(
            id=comment_id,
            task_id=task.id,
            author_id=manager.id,
            body="Noted.",
            now=T0 + timedelta(seconds=n % 3),
        )
        for n, comment_id in enumerate(sorted(new_id() for _ in range(10)))
    ]
    async with world.uow() as uow:
        for comment in comments:
            await uow.comments.create(comment)

    read = reader(world.uow, lambda uow, request: uow.comments.list_for_task(task.id, request))

    walked, pages = await walk(read, 3)

    expected = sorted(comments, key=lambda comment: (comment.created_at, comment.id))
    assert [view.comment.id for view in walked] == [comment.id for comment in expected]
    assert_a_whole_walk(pages, 3, len(comments))
