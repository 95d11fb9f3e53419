"""Every use case that changes a task or a comment records its event with the change, and only then."""

import json
from typing import Any

import pytest

from adapters.persistence.memory.outbox import OUTBOX, OutboxRow
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.comments.add_comment import AddComment, AddCommentCommand
from application.comments.delete_comment import DeleteComment, DeleteCommentCommand
from application.comments.update_comment import UpdateComment, UpdateCommentCommand
from application.tasks.bulk_update_tasks import BulkTaskChanges, BulkUpdateTasks, BulkUpdateTasksCommand
from application.tasks.create_task import CreateTask, CreateTaskCommand
from application.tasks.delete_task import DeleteTask, DeleteTaskCommand
from application.tasks.restore_task import RestoreTask, RestoreTaskCommand
from application.tasks.update_task import UpdateTask, UpdateTaskCommand
from domain.errors import PermissionDenied, StaleVersion, ValidationFailed
from domain.projects import Project
from domain.tasks import Priority, TaskStatus
from domain.users import User
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock


def recorded(store: MemoryStore) -> list[dict[str, Any]]:
    """The events in the outbox as a webhook would get them, in the order they were recorded."""
    rows: list[OutboxRow] = sorted(store.rows(OUTBOX), key=lambda row: row.event.position)
    return [json.loads(row.payload) for row in rows]


async def test_each_change_of_a_task_and_its_comments_records_one_event_in_order(
    store: MemoryStore, clock: FakeClock, project: Project, manager: User
) -> None:
    actor = manager.as_actor()

    def uow() -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store)

    task = await CreateTask(uow(), clock).execute(CreateTaskCommand(actor, project.id, "Rotate"))
    clock.advance()
    await UpdateTask(uow(), clock).execute(UpdateTaskCommand(actor, task.id, status=TaskStatus.IN_PROGRESS))
    await UpdateTask(uow(), clock).execute(UpdateTaskCommand(actor, task.id, status=TaskStatus.IN_PROGRESS))
    view = await AddComment(uow(), clock).execute(AddCommentCommand(actor, task.id, "Half done"))
    await UpdateComment(uow(), clock).execute(UpdateCommentCommand(actor, view.comment.id, "Half done."))
    await UpdateComment(uow(), clock).execute(UpdateCommentCommand(actor, view.comment.id, "Half done."))
    await DeleteComment(uow(), clock).execute(DeleteCommentCommand(actor, view.comment.id))
    await DeleteTask(uow(), clock).execute(DeleteTaskCommand(actor, task.id))
    await RestoreTask(uow(), clock).execute(RestoreTaskCommand(actor, task.id))
    await RestoreTask(uow(), clock).execute(RestoreTaskCommand(actor, task.id))

    events = recorded(store)
    # The changes that changed nothing (same status, same body, restoring a live task) record none.
    assert [
        (event["type"], event["data"].get("task", event["data"].get("comment"))["version"])
        for event in events
    ] == [
        ("task.created", 1),
        ("task.updated", 2),
        ("comment.created", 1),
        ("comment.updated", 2),
        ("comment.deleted", 3),
        ("task.deleted", 3),
        ("task.restored", 4),
    ]
    assert {event["project_id"] for event in events} == {str(project.id)}
    created = events[0]
    assert created["data"]["task"]["key"] == "OPS-1"
    assert created["occurred_at"] == created["data"]["task"]["created_at"]
    assert events[1]["data"]["task"]["status"] == "in_progress"
    assert [event["data"]["comment"]["body"] for event in events[2:4]] == ["Half done", "Half done."]
    assert events[2]["data"]["comment"]["task_id"] == str(task.id)
    assert events[5]["data"]["task"]["is_deleted"] is True


async def test_a_refused_change_records_no_event(
    store: MemoryStore, clock: FakeClock, project: Project, manager: User, viewer: User
) -> None:
    task = await CreateTask(InMemoryUnitOfWork(store), clock).execute(
        CreateTaskCommand(manager.as_actor(), project.id, "Rotate")
    )
    before = recorded(store)

    with pytest.raises(StaleVersion):
        await UpdateTask(InMemoryUnitOfWork(store), clock).execute(
            UpdateTaskCommand(manager.as_actor(), task.id, expected_version=7, title="Renamed")
        )
    with pytest.raises(PermissionDenied):
        await AddComment(InMemoryUnitOfWork(store), clock).execute(
            AddCommentCommand(viewer.as_actor(), task.id, "Viewers write nothing")
        )

    assert recorded(store) == before


async def test_a_bulk_change_records_task_updated_for_each_task_it_changed_and_none_for_the_rest(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User
) -> None:
    first, second = await world.task(project, manager), await world.task(project, manager)
    already = await world.task(project, manager, status=TaskStatus.BLOCKED, priority=Priority.URGENT)
    done = await world.task(project, manager, status=TaskStatus.DONE)
    # A done task cannot be blocked: without atomic, its savepoint undoes it alone (its event with
    # it) and the other changes, with theirs, are kept. `already` is as asked: nothing changes.
    changes = BulkTaskChanges(status=TaskStatus.BLOCKED, priority=Priority.URGENT)
    ids = (first.id, done.id, already.id, second.id)

    results = await BulkUpdateTasks(InMemoryUnitOfWork(store), clock).execute(
        BulkUpdateTasksCommand(manager.as_actor(), ids, changes, atomic=False)
    )

    assert [result.error is None for result in results] == [True, False, True, True]
    events = recorded(store)
    assert [(event["type"], event["data"]["task"]["id"]) for event in events] == [
        ("task.updated", str(first.id)),
        ("task.updated", str(second.id)),
    ]
    assert [event["data"]["task"]["version"] for event in events] == [2, 2]
    assert {(e["data"]["task"]["status"], e["data"]["task"]["priority"]) for e in events} == {
        ("blocked", "urgent")
    }


async def test_an_atomic_bulk_change_that_fails_records_no_event(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User
) -> None:
    fine = await world.task(project, manager)
    done = await world.task(project, manager, status=TaskStatus.DONE)
    before = recorded(store)

    with pytest.raises(ValidationFailed):
        await BulkUpdateTasks(InMemoryUnitOfWork(store), clock).execute(
            BulkUpdateTasksCommand(
                manager.as_actor(),
                (fine.id, done.id),
                BulkTaskChanges(status=TaskStatus.BLOCKED),
                atomic=True,
            )
        )

    assert recorded(store) == before
