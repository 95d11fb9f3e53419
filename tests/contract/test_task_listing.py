"""TaskRepository.list: filters, order and pages, identical on memory, SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.ids import new_id
from domain.paging import PageRequest, SortKey
from domain.projects import MemberRole, Project
from domain.tasks import Priority, Task, TaskFilters, TaskStatus
from domain.users import User
from tests.contract.task_world import World

T0 = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
DAY = date(2026, 6, 15)


def ids_of(*tasks: Task) -> set[Any]:
    return {task.id for task in tasks}


async def test_project_filter_keeps_that_project_s_tasks(
    world: World, project: Project, manager: User
) -> None:
    mine = await world.task(project, manager)
    await world.task(await world.project(manager), manager)

    assert await world.ids(TaskFilters(project_id=project.id)) == ids_of(mine)


async def test_visible_to_keeps_the_tasks_of_the_user_s_projects(world: World, manager: User) -> None:
    reader = await world.user()
    joined_as_viewer, joined_as_manager, foreign = [await world.project(manager) for _ in range(3)]
    await world.join(joined_as_viewer, reader, MemberRole.VIEWER)
    await world.join(joined_as_manager, reader, MemberRole.MANAGER)
    seen = [await world.task(p, manager) for p in (joined_as_viewer, joined_as_manager)]
    await world.task(foreign, manager)

    assert await world.ids(TaskFilters(visible_to=reader.id)) == ids_of(*seen)
    assert await world.ids(TaskFilters(visible_to=new_id())) == set()


async def test_status_filter_matches_any_of_the_statuses(
    world: World, project: Project, manager: User
) -> None:
    tasks = {status: await world.task(project, manager, status=status) for status in TaskStatus}

    wanted = frozenset({TaskStatus.BLOCKED, TaskStatus.DONE})
    assert await world.ids(TaskFilters(statuses=wanted)) == ids_of(*(tasks[s] for s in wanted))
    assert await world.ids(TaskFilters(statuses=frozenset({TaskStatus.TODO}))) == ids_of(
        tasks[TaskStatus.TODO]
    )


async def test_priority_filter_matches_any_of_the_priorities(
    world: World, project: Project, manager: User
) -> None:
    tasks = {priority: await world.task(project, manager, priority=priority) for priority in Priority}

    wanted = frozenset({Priority.LOW, Priority.URGENT})
    assert await world.ids(TaskFilters(priorities=wanted)) == ids_of(*(tasks[p] for p in wanted))


async def test_assignee_filters_keep_that_user_s_or_unassigned_tasks(
    world: World, project: Project, manager: User
) -> None:
    member = await world.member(project)
    for_member = await world.task(project, manager, assignee=member)
    for_manager = await world.task(project, manager, assignee=manager)
    nobody_s = await world.task(project, manager)

    assert await world.ids(TaskFilters(assignee_id=member.id)) == ids_of(for_member)
    assert await world.ids(TaskFilters(assignee_id=manager.id)) == ids_of(for_manager)
    assert await world.ids(TaskFilters(unassigned=True)) == ids_of(nobody_s)
    # "unassigned" wins over an assignee id given with it.
    assert await world.ids(TaskFilters(unassigned=True, assignee_id=member.id)) == ids_of(nobody_s)


async def test_reporter_filter_keeps_that_user_s_reports(
    world: World, project: Project, manager: User
) -> None:
    member = await world.member(project)
    reported = await world.task(project, member)
    await world.task(project, manager, assignee=member)

    assert await world.ids(TaskFilters(reporter_id=member.id)) == ids_of(reported)


async def test_tag_filter_matches_any_of_the_names_ignoring_case(
    world: World, project: Project, manager: User
) -> None:
    backend, frontend = await world.tag(project, "Backend"), await world.tag(project, "frontend")
    street = await world.tag(project, "Straße")
    both = await world.task(project, manager, tags=[backend, frontend])
    only_backend = await world.task(project, manager, tags=[backend])
    only_frontend = await world.task(project, manager, tags=[frontend])
    on_street = await world.task(project, manager, tags=[street])
    await world.task(project, manager)
    elsewhere = await world.project(manager)
    same_name_elsewhere = await world.task(elsewhere, manager, tags=[await world.tag(elsewhere, "backend")])

    backend_ids = await world.ids(TaskFilters(tag_names=frozenset({"BACKEND"})))
    assert backend_ids == ids_of(both, only_backend, same_name_elsewhere)
    either, total = await world.page(
        TaskFilters(project_id=project.id, tag_names=frozenset({"backend", "FrontEnd"}))
    )
    # A task with two matching tags is listed once.
    assert (set(either), len(either), total) == (ids_of(both, only_backend, only_frontend), 3, 3)
    assert await world.ids(TaskFilters(tag_names=frozenset({"STRASSE"}))) == ids_of(on_street)
    assert await world.ids(TaskFilters(tag_names=frozenset({"nope"}))) == set()


async def test_due_date_bounds_are_strict_and_skip_tasks_without_one(
    world: World, project: Project, manager: User
) -> None:
    before, on, after = [
        await world.task(project, manager, due_date=DAY + timedelta(days=d)) for d in (-1, 0, 1)
    ]
    await world.task(project, manager)

    assert await world.ids(TaskFilters(due_before=DAY)) == ids_of(before)
    assert await world.ids(TaskFilters(due_after=DAY)) == ids_of(after)
    window = TaskFilters(due_after=DAY - timedelta(days=1), due_before=DAY + timedelta(days=1))
    assert await world.ids(window) == ids_of(on)


TITLES = [
    "Upgrade PostgreSQL",
    "postgres backups",
    "Fix the ÉCLAIR oven",
    "Straße sign",
    "50% off banner",
    "500ff typo",
    "first_last field",
    "firstxlast field",
]


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("postgres", {"Upgrade PostgreSQL", "postgres backups"}),
        ("POSTGRESQL", {"Upgrade PostgreSQL"}),
        ("éclair", {"Fix the ÉCLAIR oven"}),
        ("STRASSE", {"Straße sign"}),
        ("straße", {"Straße sign"}),
        ("%", {"50% off banner"}),
        ("0% o", {"50% off banner"}),
        ("_", {"first_last field"}),
        ("t_l", {"first_last field"}),
        ("nothing like it", set()),
    ],
)
async def test_text_filter_matches_a_literal_substring_of_the_title_ignoring_case(
    world: World, project: Project, manager: User, needle: str, expected: set[str]
) -> None:
    tasks = [await world.task(project, manager, title=title) for title in TITLES]

    found = await world.ids(TaskFilters(text=needle))

    assert {task.title for task in tasks if task.id in found} == expected


async def test_deleted_tasks_are_listed_only_when_asked_for(
    world: World, project: Project, manager: User
) -> None:
    live = await world.task(project, manager)
    deleted = await world.task(project, manager, is_deleted=True)

    assert await world.ids() == ids_of(live)
    assert await world.ids(TaskFilters(include_deleted=True)) == ids_of(live, deleted)


async def test_filters_combine_and_the_total_counts_every_match(
    world: World, project: Project, manager: User
) -> None:
    member = await world.member(project)
    tag = await world.tag(project, "ops")
    wanted = [
        await world.task(project, manager, status=TaskStatus.BLOCKED, assignee=member, tags=[tag])
        for _ in range(5)
    ]
    await world.task(project, manager, status=TaskStatus.TODO, assignee=member, tags=[tag])
    await world.task(project, manager, status=TaskStatus.BLOCKED, tags=[tag])
    await world.task(project, manager, status=TaskStatus.BLOCKED, assignee=member)
    await world.task(
        project, manager, status=TaskStatus.BLOCKED, assignee=member, tags=[tag], is_deleted=True
    )

    filters = TaskFilters(
        project_id=project.id,
        statuses=frozenset({TaskStatus.BLOCKED}),
        assignee_id=member.id,
        tag_names=frozenset({"OPS"}),
    )
    first, total = await world.page(filters, page=PageRequest(limit=2))
    rest, total_again = await world.page(filters, page=PageRequest(offset=2, limit=10))

    assert (len(first), total, total_again) == (2, 5, 5)
    assert set(first) | set(rest) == ids_of(*wanted)


async def test_list_embeds_each_task_s_live_comment_count(
    world: World, project: Project, manager: User
) -> None:
    busy, quiet = await world.task(project, manager), await world.task(project, manager)
    for _ in range(3):
        await world.comment(busy, manager)
    await world.comment(busy, manager, is_deleted=True)
    await world.comment(quiet, manager, is_deleted=True)

    async with world.uow() as uow:
        items = (await uow.tasks.list(TaskFilters(), [SortKey("created_at")], PageRequest())).items

    assert [(summary.id, summary.comment_count) for summary in items] == [(busy.id, 3), (quiet.id, 0)]


# Three ascending values per sort field. Statuses and priorities are chosen so that their
# alphabetical order differs from their rank; the datetimes differ by one microsecond.
SORT_VALUES: dict[str, list[Any]] = {
    "title": ["Alpha", "Beta", "Gamma"],
    "status": [TaskStatus.TODO, TaskStatus.BLOCKED, TaskStatus.CANCELLED],
    "priority": [Priority.LOW, Priority.HIGH, Priority.URGENT],
    "due_date": [DAY, DAY + timedelta(days=1), DAY + timedelta(days=40)],
    "created_at": [T0, T0 + timedelta(microseconds=1), T0 + timedelta(microseconds=2)],
    "updated_at": [T0, T0 + timedelta(microseconds=1), T0 + timedelta(days=1)],
}
# Tasks 0..4 (ids ascending) take these values; ties go to the lower id in both directions.
RANKS = [1, 0, 1, 2, 0]
ASCENDING = [1, 4, 0, 2, 3]
DESCENDING = [3, 0, 2, 1, 4]


async def tasks_with(
    world: World, project: Project, manager: User, field: str, values: list[Any]
) -> list[Task]:
    """One task per value, created so that their ids ascend in the order of `values`."""
    ids = sorted(new_id() for _ in values)
    tasks = []
    for task_id, value in zip(ids, values, strict=True):
        fields: dict[str, Any] = {"created_at": T0, "updated_at": T0, field: value}
        tasks.append(await world.task(project, manager, task_id=task_id, **fields))
    return tasks


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("field", sorted(SORT_VALUES))
async def test_list_sorts_by_each_field_with_ties_broken_by_ascending_id(
    world: World, project: Project, manager: User, field: str, descending: bool
) -> None:
    tasks = await tasks_with(world, project, manager, field, [SORT_VALUES[field][rank] for rank in RANKS])

    ids, _total = await world.page(sort=[SortKey(field, descending)])

    assert ids == [tasks[i].id for i in (DESCENDING if descending else ASCENDING)]


@pytest.mark.parametrize(
    ("descending", "expected"),
    [(False, [2, 1, 4, 0, 3]), (True, [4, 1, 2, 0, 3])],
    ids=["ascending", "descending"],
)
async def test_tasks_without_a_due_date_come_last_in_both_directions(
    world: World, project: Project, manager: User, descending: bool, expected: list[int]
) -> None:
    dates = [None, DAY + timedelta(days=1), DAY, None, DAY + timedelta(days=2)]
    tasks = await tasks_with(world, project, manager, "due_date", dates)

    ids, _total = await world.page(sort=[SortKey("due_date", descending)])

    assert ids == [tasks[i].id for i in expected]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
async def test_key_sorts_by_project_key_then_number_as_a_number(
    world: World, manager: User, descending: bool
) -> None:
    web, ops = await world.project(manager, key="WEBX"), await world.project(manager, key="OPSX")
    web_tasks = [await world.task(web, manager) for _ in range(2)]
    ops_tasks = [await world.task(ops, manager) for _ in range(11)]
    # OPSX-2 comes before OPSX-10, which text order would not give.
    expected = [*ops_tasks, *web_tasks]

    ids, _total = await world.page(sort=[SortKey("key", descending)])

    assert ids == [task.id for task in (expected[::-1] if descending else expected)]


async def test_list_sorts_by_several_keys(world: World, project: Project, manager: User) -> None:
    ids = sorted(new_id() for _ in range(4))
    plan = [(Priority.LOW, 2), (Priority.URGENT, 1), (Priority.LOW, 1), (Priority.URGENT, None)]
    tasks = [
        await world.task(
            project,
            manager,
            task_id=task_id,
            priority=priority,
            due_date=None if day is None else DAY + timedelta(days=day),
        )
        for task_id, (priority, day) in zip(ids, plan, strict=True)
    ]

    listed, _total = await world.page(sort=[SortKey("priority", descending=True), SortKey("due_date")])

    assert listed == [tasks[i].id for i in (1, 3, 2, 0)]


async def test_titles_sort_by_code_point_whatever_the_case_or_script(
    world: World, project: Project, manager: User
) -> None:
    titles = ["zoë", "Émile", "alice", "Zack", "Bob", "ángel", "Øyvind", "Ωmega", "bob", "Ada"]
    for title in titles:
        await world.task(project, manager, title=title)

    async with world.uow() as uow:
        items = (await uow.tasks.list(TaskFilters(), [SortKey("title")], PageRequest(limit=20))).items

    expected = ["Ada", "Bob", "Zack", "alice", "bob", "zoë", "Émile", "Øyvind", "ángel", "Ωmega"]
    assert [summary.title for summary in items] == expected


async def test_pages_do_not_overlap_and_cover_every_task(
    world: World, project: Project, manager: User
) -> None:
    # Many equal created_at values: only the id tie-break keeps the pages apart.
    tasks = [await world.task(project, manager, created_at=T0 + timedelta(seconds=i % 2)) for i in range(7)]

    pages = [await world.page(page=PageRequest(offset=offset, limit=3)) for offset in (0, 3, 6)]

    assert [len(ids) for ids, _total in pages] == [3, 3, 1]
    assert [total for _ids, total in pages] == [7, 7, 7]
    assert sorted(task_id for ids, _total in pages for task_id in ids) == sorted(task.id for task in tasks)


@pytest.mark.parametrize("offset", [5, 50])
async def test_page_past_the_end_is_empty_with_the_right_total(
    world: World, project: Project, manager: User, offset: int
) -> None:
    for _ in range(5):
        await world.task(project, manager)

    assert await world.page(page=PageRequest(offset=offset, limit=10)) == ([], 5)


async def test_empty_list_has_total_zero(world: World) -> None:
    assert await world.page() == ([], 0)


async def test_totals_and_pages_leave_out_the_tasks_of_deleted_projects(world: World, manager: User) -> None:
    live, gone = await world.project(manager), await world.project(manager)
    reader = await world.user()
    for project in (live, gone):
        await world.join(project, reader, MemberRole.VIEWER)
    kept = [
        await world.task(live, manager, title="Rotate keys", status=TaskStatus.BLOCKED),
        await world.task(live, manager, title="Renew certificates"),
    ]
    deleted_task = await world.task(live, manager, title="Rotate more keys", is_deleted=True)
    for title in ("Rotate keys there", "Paint the shed"):
        await world.task(gone, manager, title=title, status=TaskStatus.BLOCKED)
    await world.delete_project(gone)

    blocked = frozenset({TaskStatus.BLOCKED})
    cases = [
        (TaskFilters(), [kept[0].id, kept[1].id]),
        (TaskFilters(include_deleted=True), [kept[0].id, kept[1].id, deleted_task.id]),
        (TaskFilters(text="rotate"), [kept[0].id]),
        (TaskFilters(text="rotate", include_deleted=True), [kept[0].id, deleted_task.id]),
        (TaskFilters(statuses=blocked), [kept[0].id]),
        (TaskFilters(visible_to=reader.id), [kept[0].id, kept[1].id]),
        (TaskFilters(visible_to=reader.id, statuses=blocked), [kept[0].id]),
        (TaskFilters(project_id=gone.id), []),
    ]
    for filters, expected in cases:
        assert await world.page(filters) == (expected, len(expected)), filters


async def test_totals_narrowed_by_projects_follow_tasks_and_projects_as_they_change(
    world: World, manager: User
) -> None:
    # Every list whose total the SQL adapters sum from their projects' counts of live tasks.
    first, second = await world.project(manager), await world.project(manager)
    reader = await world.user()
    await world.join(first, reader, MemberRole.VIEWER)
    by_projects = [
        TaskFilters(),
        TaskFilters(visible_to=reader.id),
        TaskFilters(project_id=first.id),
        TaskFilters(project_id=second.id),
    ]
    one_row = PageRequest(offset=0, limit=1)

    async def totals() -> list[int]:
        return [(await world.page(filters, page=one_row))[1] for filters in by_projects]

    tasks = [await world.task(first, manager) for _ in range(3)]
    await world.task(second, manager)
    await world.task(second, manager, is_deleted=True)
    assert await totals() == [4, 3, 3, 1]
    await world.delete_task(tasks[0])
    assert await totals() == [3, 2, 2, 1]
    await world.restore_task(tasks[0])
    await world.delete_task(tasks[1])
    assert await totals() == [3, 2, 2, 1]
    await world.delete_project(first)
    assert await totals() == [1, 0, 0, 1]
    await world.restore_project(first)
    assert await totals() == [3, 2, 2, 1]


# Sorts whose order runs across projects, so that a member's page mixes the tasks of several.
MEMBER_SORTS = [
    [SortKey("created_at")],
    [SortKey("created_at", descending=True)],
    [SortKey("key")],
    [SortKey("key", descending=True)],
    [SortKey("priority", descending=True), SortKey("due_date")],
    [SortKey("status"), SortKey("title", descending=True)],
]


@pytest.mark.parametrize("sort", MEMBER_SORTS, ids=lambda sort: ",".join(map(str, sort)))
async def test_a_member_s_pages_are_the_admin_s_order_of_their_projects_tasks(
    world: World, manager: User, sort: list[SortKey]
) -> None:
    member = await world.user()
    projects = [await world.project(manager) for _ in range(4)]
    for project in projects[:3]:
        await world.join(project, member, MemberRole.CONTRIBUTOR)
    tasks = []
    # Round robin over the projects, so that every project's tasks are spread over the whole order.
    for number in range(18):
        project = projects[number % 4]
        tasks.append(
            await world.task(
                project,
                manager,
                title=f"Task {number % 5}",
                status=list(TaskStatus)[number % 5],
                priority=list(Priority)[number % 4],
                due_date=None if number % 3 == 0 else DAY + timedelta(days=number % 7),
                is_deleted=number == 5,
            )
        )
    everything, _total = await world.page(sort=sort)
    visible = {task.id for task in tasks if task.project_id in {project.id for project in projects[:3]}}
    expected = [task_id for task_id in everything if task_id in visible]

    walked = []
    for offset in range(0, len(expected) + 4, 4):
        ids, total = await world.page(
            TaskFilters(visible_to=member.id), sort, PageRequest(offset=offset, limit=4)
        )
        assert total == len(expected)
        walked.extend(ids)

    assert walked == expected
