"""TaskRepository and the task use cases: the same behaviour on memory, SQLite and PostgreSQL."""

import asyncio
import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import UtcClock
from application.tasks.create_task import CreateTask, CreateTaskCommand
from application.tasks.update_task import UpdateTask, UpdateTaskCommand
from domain.errors import Conflict, StaleVersion
from domain.ids import new_id
from domain.paging import PageRequest
from domain.projects import MemberRole
from domain.tasks import Priority, ProjectRef, TagRef, Task, TaskFilters, TaskStatus, TaskSummary
from domain.users import UserRef
from tests.conftest import UnitOfWorkFactory
from tests.contract.task_world import World, counting_statements
from tests.factories_work import task_fields

RACERS = 20
clock = UtcClock()


async def test_created_task_reads_back_equal_in_every_field(world: World) -> None:
    manager = await world.user()
    project = await world.project(manager)
    assignee = await world.member(project)
    tags = [await world.tag(project, "ops"), await world.tag(project, "web")]

    task = await world.task(
        project,
        manager,
        title="Renew the certificates",
        status=TaskStatus.DONE,
        priority=Priority.URGENT,
        assignee=assignee,
        due_date=date(2026, 12, 31),
        tags=tags,
        created_at=datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC),
        updated_at=datetime(2026, 3, 5, 1, 2, 3, 1, tzinfo=UTC),
    )

    stored = await world.stored_task(task.id)
    assert stored == task
    assert stored is not None
    assert stored.completed_at == datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


async def test_summary_embeds_project_people_tags_and_live_comment_count(world: World) -> None:
    manager = await world.user(full_name="Grace Hopper")
    project = await world.project(manager, name="Operations")
    assignee = await world.member(project, full_name="Alan Turing")
    web = await world.tag(project, "web", "#00ff00")
    db = await world.tag(project, "DB", "#0000ff")
    await world.tag(project, "unused")
    task = await world.task(project, manager, assignee=assignee, tags=[web, db])
    for body in ("one", "two"):
        await world.comment(task, assignee, body)
    await world.comment(task, assignee, "withdrawn", is_deleted=True)

    summary = await world.summary(task.id)

    assert summary == TaskSummary(
        id=task.id,
        project=ProjectRef(id=project.id, key=project.key, name="Operations"),
        number=task.number,
        title=task.title,
        description=task.description,
        status=task.status,
        priority=task.priority,
        assignee=UserRef(id=assignee.id, full_name="Alan Turing"),
        reporter=UserRef(id=manager.id, full_name="Grace Hopper"),
        due_date=task.due_date,
        completed_at=task.completed_at,
        # Tags in name order, by code point: upper case first.
        tags=(TagRef(id=db.id, name="DB", color="#0000ff"), TagRef(id=web.id, name="web", color="#00ff00")),
        comment_count=2,
        watching=False,
        is_deleted=False,
        created_at=task.created_at,
        updated_at=task.updated_at,
        version=task.version,
    )
    assert summary.key == f"{project.key}-1"


async def test_unassigned_task_without_tags_or_comments_has_an_empty_summary(world: World) -> None:
    manager = await world.user()
    task = await world.task(await world.project(manager), manager)

    summary = await world.summary(task.id)

    assert summary is not None
    assert (summary.assignee, summary.tags, summary.comment_count) == (None, (), 0)


async def test_unknown_id_finds_nothing(world: World) -> None:
    manager = await world.user()
    await world.task(await world.project(manager), manager)

    assert await world.stored_task(new_id()) is None
    assert await world.summary(new_id(), include_deleted=True) is None


async def test_task_is_found_by_project_key_and_number_deleted_or_not(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    manager = await world.user()
    ops = await world.project(manager, key="OPS")
    web = await world.project(manager, key="WEB")
    first = await world.task(ops, manager)
    second = await world.task(ops, manager, is_deleted=True)
    web_first = await world.task(web, manager)

    async with uow_factory() as uow:
        found = [await uow.tasks.find_id_by_key(key, n) for key, n in [("OPS", 1), ("OPS", 2), ("WEB", 1)]]
        missing = [await uow.tasks.find_id_by_key(key, n) for key, n in [("OPS", 3), ("DEV", 1)]]

    assert found == [first.id, second.id, web_first.id]
    assert missing == [None, None]


async def test_a_summary_read_by_key_is_the_summary_read_by_id(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    manager = await world.user()
    ops = await world.project(manager, key="OPS")
    gone = await world.project(manager, key="OLD")
    first = await world.task(ops, manager)
    deleted = await world.task(ops, manager, is_deleted=True)
    await world.task(gone, manager)
    await world.delete_project(gone)

    async with uow_factory() as uow:
        by_id = await uow.tasks.get_summary(first.id, viewer=manager.id)
        by_key = await uow.tasks.get_summary(("OPS", 1), viewer=manager.id)
        deleted_by_key = [
            await uow.tasks.get_summary(("OPS", 2), include_deleted=flag) for flag in (False, True)
        ]
        missing = [await uow.tasks.get_summary(key) for key in [("OPS", 3), ("DEV", 1), ("OLD", 1)]]

    assert by_id is not None
    assert by_key == by_id
    assert deleted_by_key[0] is None
    assert deleted_by_key[1] is not None
    assert deleted_by_key[1].id == deleted.id
    assert missing == [None, None, None]


async def test_second_task_with_the_same_number_in_a_project_is_a_conflict(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    manager = await world.user()
    project = await world.project(manager)
    task = await world.task(project, manager)
    twin = dataclasses.replace(task, id=new_id(), title="Twin")

    with pytest.raises(Conflict):
        async with uow_factory() as uow:
            await uow.tasks.create(twin)

    assert await world.stored_task(twin.id) is None


async def test_same_number_in_two_projects_is_fine(world: World) -> None:
    manager = await world.user()
    first = await world.task(await world.project(manager), manager)
    second = await world.task(await world.project(manager), manager)

    assert (first.number, second.number) == (1, 1)
    assert await world.stored_task(second.id) == second


async def save(uow_factory: UnitOfWorkFactory, task: Task, changes: dict[str, Any]) -> Task:
    """Store the task with the changes, one version on, as a use case would."""
    changed = dataclasses.replace(task, **changes, version=task.version + 1, updated_at=clock.now())
    async with uow_factory() as uow:
        await uow.tasks.update(changed)
    return changed


async def test_update_stores_every_field(world: World, uow_factory: UnitOfWorkFactory) -> None:
    manager = await world.user()
    project = await world.project(manager)
    assignee = await world.member(project)
    task = await world.task(project, manager)

    changed = await save(
        uow_factory,
        task,
        {
            "title": "Renamed",
            "description": "Longer now",
            "status": TaskStatus.DONE,
            "priority": Priority.LOW,
            "assignee_id": assignee.id,
            "due_date": date(2027, 1, 2),
            "completed_at": clock.now(),
        },
    )

    assert await world.stored_task(task.id) == changed


async def test_tag_set_changes_are_stored(world: World, uow_factory: UnitOfWorkFactory) -> None:
    manager = await world.user()
    project = await world.project(manager)
    ops, web, db = [await world.tag(project, name) for name in ("ops", "web", "db")]
    task = await world.task(project, manager, tags=[ops])

    for tag_set in ({ops.id, web.id}, {web.id}, {db.id, ops.id, web.id}, set()):
        task = await save(uow_factory, task, {"tag_ids": frozenset(tag_set)})
        stored = await world.stored_task(task.id)
        summary = await world.summary(task.id)
        assert stored is not None
        assert summary is not None
        assert stored.tag_ids == tag_set
        assert {tag.id for tag in summary.tags} == tag_set


async def test_update_from_a_stale_version_is_refused(world: World, uow_factory: UnitOfWorkFactory) -> None:
    manager = await world.user()
    task = await world.task(await world.project(manager), manager)
    winner = await save(uow_factory, task, {"title": "First"})

    with pytest.raises(StaleVersion):
        await save(uow_factory, task, {"title": "Second"})

    assert await world.stored_task(task.id) == winner


async def test_deleted_task_is_hidden_unless_asked_for_and_back_on_restore(world: World) -> None:
    manager = await world.user()
    task = await world.task(await world.project(manager), manager)

    await world.delete_task(task)

    assert await world.summary(task.id) is None
    assert await world.ids() == set()
    hidden = await world.summary(task.id, include_deleted=True)
    assert hidden is not None
    assert (hidden.is_deleted, hidden.version) == (True, 2)
    assert await world.ids(TaskFilters(include_deleted=True)) == {task.id}

    await world.restore_task(task)

    restored = await world.summary(task.id)
    assert restored is not None
    assert (restored.is_deleted, restored.version) == (False, 3)


async def test_deleted_project_hides_its_tasks_tags_and_comments_until_restored(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    manager = await world.user()
    project = await world.project(manager)
    other = await world.project(manager)
    tag = await world.tag(project, "ops")
    task = await world.task(project, manager, tags=[tag])
    comment = await world.comment(task, manager)
    bystander = await world.task(other, manager)

    async def visible() -> tuple[Any, ...]:
        async with uow_factory() as uow:
            listed = (await uow.tasks.list(TaskFilters(include_deleted=True), [], PageRequest())).items
            comments = (await uow.comments.list_for_task(task.id, PageRequest())).items
            return (
                await uow.tasks.get_by_id(task.id, include_deleted=True) is not None,
                await uow.tasks.get_summary(task.id, include_deleted=True) is not None,
                await uow.tasks.find_id_by_key(project.key, 1) is not None,
                task.id in {summary.id for summary in listed},
                await uow.tags.get_by_id(tag.id) is not None,
                await uow.comments.get_by_id(comment.id) is not None,
                len(comments),
            )

    assert await visible() == (True, True, True, True, True, True, 1)

    await world.delete_project(project)
    assert await visible() == (False, False, False, False, False, False, 0)
    assert await world.ids() == {bystander.id}

    await world.restore_project(project)
    assert await visible() == (True, True, True, True, True, True, 1)
    summary = await world.summary(task.id)
    assert summary is not None
    assert ([t.id for t in summary.tags], summary.comment_count) == ([tag.id], 1)


async def test_deleting_a_tag_takes_it_off_every_task(world: World) -> None:
    manager = await world.user()
    project = await world.project(manager)
    ops, web = await world.tag(project, "ops"), await world.tag(project, "web")
    tasks = [await world.task(project, manager, tags=[ops, web]) for _ in range(2)]

    await world.delete_tag(ops)

    for task in tasks:
        stored, summary = await world.stored_task(task.id), await world.summary(task.id)
        assert stored is not None
        assert summary is not None
        assert stored.tag_ids == {web.id}
        assert [tag.id for tag in summary.tags] == [web.id]


async def test_count_assigned_counts_the_user_s_live_tasks_in_the_project(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    manager = await world.user()
    project = await world.project(manager)
    other = await world.project(manager)
    member = await world.member(project)
    await world.join(other, member, MemberRole.CONTRIBUTOR)
    await world.task(project, manager, assignee=member)
    await world.task(project, manager, assignee=member)
    await world.task(project, manager, assignee=member, is_deleted=True)
    await world.task(project, manager, assignee=manager)
    await world.task(other, manager, assignee=member)

    async with uow_factory() as uow:
        counts = (
            await uow.tasks.count_assigned(project.id, member.id),
            await uow.tasks.count_assigned(other.id, member.id),
            await uow.tasks.count_assigned(project.id, new_id()),
        )

    assert counts == (2, 1, 0)


async def test_concurrent_creates_in_one_project_get_distinct_keys(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    manager = await world.user()
    project = await world.project(manager, key="RACE")

    async def create(n: int) -> TaskSummary:
        command = CreateTaskCommand(manager.as_actor(), project.id, title=f"Racer {n}")
        return await CreateTask(uow_factory(), clock).execute(command)

    results = await asyncio.gather(*(create(n) for n in range(RACERS)), return_exceptions=True)

    errors = [result for result in results if not isinstance(result, TaskSummary)]
    assert errors == []
    keys = {result.key for result in results if isinstance(result, TaskSummary)}
    assert keys == {f"RACE-{n}" for n in range(1, RACERS + 1)}
    assert len(await world.ids()) == RACERS


async def test_concurrent_updates_from_one_read_version_let_exactly_one_win(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    manager = await world.user()
    task = await world.task(await world.project(manager), manager)

    async def rename(title: str) -> TaskSummary:
        command = UpdateTaskCommand(manager.as_actor(), task.id, expected_version=1, title=title)
        return await UpdateTask(uow_factory(), clock).execute(command)

    results = await asyncio.gather(rename("Left writer"), rename("Right writer"), return_exceptions=True)

    winners = [result for result in results if isinstance(result, TaskSummary)]
    losers = [result for result in results if not isinstance(result, TaskSummary)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], StaleVersion), losers
    assert task_fields(winners[0]) == task_fields(await world.stored_task(task.id) or task)


async def a_busy_project(world: World, size: int) -> TaskFilters:
    """A project with `size` tasks, each assigned, tagged twice and commented on."""
    manager = await world.user()
    project = await world.project(manager)
    member = await world.member(project)
    tags = [await world.tag(project, "ops"), await world.tag(project, "web")]
    for _ in range(size):
        task = await world.task(project, manager, assignee=member, tags=tags)
        await world.comment(task, member)
    return TaskFilters(project_id=project.id)


# Counted on the SQL adapters: list = page (with project, people, comment counts and the total) +
# tags of the page; summary = task with project, people and comment count + its tags.
LIST_STATEMENTS = 2
SUMMARY_STATEMENTS = 2


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_list_and_summary_cost_a_fixed_number_of_statements(
    world: World, uow_factory: UnitOfWorkFactory, backend_engine: AsyncEngine
) -> None:
    small = await a_busy_project(world, 1)
    large = await a_busy_project(world, 30)
    counts: dict[str, list[int]] = {"list": [], "summary": []}

    for filters, size in ((small, 1), (large, 30)):
        async with uow_factory() as uow:
            with counting_statements(backend_engine) as statements:
                found = await uow.tasks.list(filters, [], PageRequest(limit=100))
                items, total = found.items, found.total
            counts["list"].append(len(statements))
        async with uow_factory() as uow:
            with counting_statements(backend_engine) as statements:
                summary = await uow.tasks.get_summary(items[-1].id)
            counts["summary"].append(len(statements))
        assert (len(items), total) == (size, size)
        assert all(len(item.tags) == 2 and item.comment_count == 1 for item in items)
        assert summary is not None

    assert counts == {"list": [LIST_STATEMENTS] * 2, "summary": [SUMMARY_STATEMENTS] * 2}


async def test_create_and_update_through_the_use_cases_return_fresh_summaries(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    manager = await world.user()
    project = await world.project(manager)
    first, second = await world.member(project), await world.member(project)
    ops, web = await world.tag(project, "ops"), await world.tag(project, "web")

    created = await CreateTask(uow_factory(), clock).execute(
        CreateTaskCommand(
            manager.as_actor(), project.id, title="Wire it", assignee_id=first.id, tag_ids=frozenset({ops.id})
        )
    )
    updated = await UpdateTask(uow_factory(), clock).execute(
        UpdateTaskCommand(
            manager.as_actor(),
            created.id,
            expected_version=1,
            status=TaskStatus.DONE,
            assignee_id=second.id,
            tag_ids=frozenset({web.id}),
        )
    )

    assert (created.assignee, [tag.id for tag in created.tags]) == (
        UserRef(id=first.id, full_name=first.full_name),
        [ops.id],
    )
    assert (updated.assignee, [tag.id for tag in updated.tags]) == (
        UserRef(id=second.id, full_name=second.full_name),
        [web.id],
    )
    assert (updated.status, updated.version) == (TaskStatus.DONE, 2)
    assert updated.completed_at is not None
    assert updated == await world.summary(created.id, viewer=manager.id)
