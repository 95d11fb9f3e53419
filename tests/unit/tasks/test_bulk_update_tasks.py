"""Bulk changes: the rules of the batch, and each task's outcome under the rules of a single change
(on the memory adapter; over HTTP and on both databases: tests/http/test_bulk_changes.py)."""

from uuid import UUID

import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.tasks.bulk_update_tasks import (
    BulkItemResult,
    BulkTaskChanges,
    BulkUpdateTasks,
    BulkUpdateTasksCommand,
)
from domain.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from domain.history import FieldChange, HistoryAction
from domain.ids import new_id
from domain.projects import MemberRole, Project
from domain.tasks import KEEP, Priority, Task, TaskStatus
from domain.users import User
from tests.contract.task_world import World
from tests.factories_work import task_fields
from tests.unit.fakes import FakeClock

URGENT = BulkTaskChanges(priority=Priority.URGENT)


async def bulk(
    store: MemoryStore,
    clock: FakeClock,
    actor: User,
    tasks: list[Task] | list[UUID],
    changes: BulkTaskChanges = URGENT,
    *,
    atomic: bool,
) -> list[BulkItemResult]:
    ids = tuple(task.id if isinstance(task, Task) else task for task in tasks)
    return await BulkUpdateTasks(InMemoryUnitOfWork(store), clock).execute(
        BulkUpdateTasksCommand(actor=actor.as_actor(), task_ids=ids, changes=changes, atomic=atomic)
    )


def outcome(results: list[BulkItemResult]) -> list[type[DomainError] | None]:
    return [None if result.error is None else type(result.error) for result in results]


@pytest.mark.parametrize(
    ("count", "changes", "field"),
    [
        (0, URGENT, "task_ids"),
        (101, URGENT, "task_ids"),
        (1, BulkTaskChanges(), "changes"),
        (1, BulkTaskChanges(priority=None, assignee_id=KEEP, due_date=KEEP), "changes"),
    ],
    ids=["no tasks", "101 tasks", "no change", "only fields left alone"],
)
async def test_the_batch_itself_is_refused_before_anything_is_read(
    store: MemoryStore, clock: FakeClock, manager: User, count: int, changes: BulkTaskChanges, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await bulk(store, clock, manager, [new_id() for _ in range(count)], changes, atomic=True)
    assert refused.value.field == field


async def test_a_task_named_twice_or_a_tag_both_added_and_removed_is_refused(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User
) -> None:
    task, tag = await world.task(project, manager), await world.tag(project, "api")
    with pytest.raises(ValidationFailed) as twice:
        await bulk(store, clock, manager, [task, task], atomic=False)
    both = BulkTaskChanges(add_tag_ids=frozenset({tag.id}), remove_tag_ids=frozenset({tag.id}))
    with pytest.raises(ValidationFailed) as added_and_removed:
        await bulk(store, clock, manager, [task], both, atomic=False)

    assert (twice.value.field, added_and_removed.value.field) == ("task_ids", "remove_tag_ids")
    assert await world.stored_task(task.id) == task


async def test_each_task_gets_the_outcome_a_single_change_would_have_in_the_order_asked(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User, contributor: User
) -> None:
    elsewhere = await world.project(await world.user())
    watched_project = await world.project(manager)
    await world.join(watched_project, contributor, MemberRole.VIEWER)
    done = await world.task(project, manager, status=TaskStatus.DONE)
    mine = await world.task(project, manager)
    outside = await world.task(elsewhere, manager)
    read_only = await world.task(watched_project, manager)
    deleted = await world.task(project, manager, is_deleted=True)
    unknown = new_id()
    changes = BulkTaskChanges(status=TaskStatus.BLOCKED, priority=Priority.URGENT)

    results = await bulk(
        store,
        clock,
        contributor,
        [done.id, mine.id, outside.id, read_only.id, deleted.id, unknown],
        changes,
        atomic=False,
    )

    assert [result.task_id for result in results] == [
        done.id,
        mine.id,
        outside.id,
        read_only.id,
        deleted.id,
        unknown,
    ]
    assert outcome(results) == [ValidationFailed, None, NotFound, PermissionDenied, NotFound, NotFound]
    assert results[0].error is not None
    assert results[0].error.field == "status"
    changed = results[1].summary
    assert changed is not None
    assert (changed.status, changed.priority, changed.version) == (
        TaskStatus.BLOCKED,
        Priority.URGENT,
        2,
    )
    assert task_fields(changed) == task_fields(await world.stored_task(mine.id) or mine)
    for untouched in (done, outside, read_only):
        assert await world.stored_task(untouched.id) == untouched
    assert [view.entry.action for view in await world.history(mine.id)] == [HistoryAction.UPDATED]
    assert await world.history(done.id) == []


async def test_atomic_stops_at_the_first_failure_names_that_task_and_changes_none(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User, viewer: User
) -> None:
    first, second, third = [await world.task(project, manager) for _ in range(3)]
    await world.join(await world.project(manager), viewer, MemberRole.CONTRIBUTOR)
    changes = BulkTaskChanges(assignee_id=viewer.id, priority=Priority.LOW)
    outsider_project = await world.project(manager)
    blocked_for_assignee = await world.task(outsider_project, manager)

    with pytest.raises(ValidationFailed) as refused:
        await bulk(store, clock, manager, [first, second, blocked_for_assignee, third], changes, atomic=True)

    assert refused.value.field == "task_ids[2]"
    assert str(blocked_for_assignee.id) in refused.value.message
    assert "assignee" in refused.value.message or "member" in refused.value.message
    for task in (first, second, third, blocked_for_assignee):
        assert await world.stored_task(task.id) == task
        assert await world.history(task.id) == []


async def test_without_atomic_a_failure_undoes_only_its_own_task(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User
) -> None:
    api = await world.tag(project, "api")
    other = await world.project(manager)
    await world.tag(other, "api")  # of the same name, but not the tag asked for
    here, there = await world.task(project, manager), await world.task(other, manager)
    changes = BulkTaskChanges(add_tag_ids=frozenset({api.id}))

    results = await bulk(store, clock, manager, [there, here], changes, atomic=False)

    assert outcome(results) == [ValidationFailed, None]
    assert results[0].error is not None
    assert results[0].error.field == "add_tag_ids"
    assert results[1].summary is not None
    assert [t.name for t in results[1].summary.tags] == ["api"]
    assert (await world.stored_task(there.id)) == there
    assert [view.entry.changes for view in await world.history(here.id)] == [
        (FieldChange("tags", [], ["api"]),)
    ]


async def test_tags_are_added_and_removed_and_the_assignee_watches_what_they_were_given(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User, contributor: User
) -> None:
    api, db, ui = (
        await world.tag(project, "api"),
        await world.tag(project, "db"),
        await world.tag(project, "ui"),
    )
    one = await world.task(project, manager, tags=[api, db])
    two = await world.task(project, manager, tags=[db], assignee=contributor)
    changes = BulkTaskChanges(
        assignee_id=contributor.id, add_tag_ids=frozenset({ui.id}), remove_tag_ids=frozenset({db.id})
    )

    results = await bulk(store, clock, manager, [one, two], changes, atomic=True)

    assert [[tag.name for tag in r.summary.tags] for r in results if r.summary] == [["api", "ui"], ["ui"]]
    assert [(await world.summary(t.id, viewer=contributor.id)) is not None for t in (one, two)] == [
        True,
        True,
    ]
    watched = [await world.summary(task.id, viewer=contributor.id) for task in (one, two)]
    assert [summary.watching for summary in watched if summary] == [
        True,
        False,
    ]  # two was not reassigned: it was theirs
    assert [view.entry.action for view in await world.history(one.id)] == [
        HistoryAction.UPDATED,
        HistoryAction.TAGS_CHANGED,
    ]
    assert [view.entry.action for view in await world.history(two.id)] == [HistoryAction.TAGS_CHANGED]


async def test_a_task_the_changes_leave_as_it_was_keeps_its_version_and_records_nothing(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User
) -> None:
    already = await world.task(project, manager, priority=Priority.URGENT)

    (result,) = await bulk(store, clock, manager, [already], atomic=True)

    assert result.summary is not None
    assert result.summary.version == 1
    assert await world.history(already.id) == []
