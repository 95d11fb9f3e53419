"""What each change of a task or its comments records in the task's history (on the memory adapter;
the adapters store and read entries alike: tests/contract/test_history.py)."""

from datetime import date

import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.comments.add_comment import AddComment, AddCommentCommand
from application.comments.delete_comment import DeleteComment, DeleteCommentCommand
from application.comments.update_comment import UpdateComment, UpdateCommentCommand
from application.projects.delete_tag import DeleteTag, DeleteTagCommand
from application.tasks.create_task import CreateTask, CreateTaskCommand
from application.tasks.delete_task import DeleteTask, DeleteTaskCommand
from application.tasks.restore_task import RestoreTask, RestoreTaskCommand
from application.tasks.update_task import UpdateTask, UpdateTaskCommand
from domain.errors import StaleVersion, ValidationFailed
from domain.history import FieldChange, HistoryAction, HistoryView
from domain.projects import Project
from domain.tasks import Priority, TaskStatus
from domain.users import User
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock


def uow(store: MemoryStore) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(store)


def said(views: list[HistoryView]) -> list[tuple[HistoryAction, tuple[FieldChange, ...]]]:
    return [(view.entry.action, view.entry.changes) for view in views]


def person(user: User) -> dict[str, str]:
    return {"id": str(user.id), "full_name": user.full_name}


async def test_a_new_task_records_who_created_it_with_every_field_it_was_given(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User, contributor: User
) -> None:
    api, db = await world.tag(project, "api"), await world.tag(project, "db")

    summary = await CreateTask(uow(store), clock).execute(
        CreateTaskCommand(
            manager.as_actor(),
            project.id,
            title="Rotate",
            priority=Priority.HIGH,
            assignee_id=contributor.id,
            due_date=date(2030, 1, 31),
            tag_ids=frozenset({db.id, api.id}),
        )
    )

    (created,) = await world.history(summary.id)
    assert (created.entry.actor_id, created.actor.full_name, created.entry.at) == (
        manager.id,
        manager.full_name,
        clock.now(),
    )
    assert said([created]) == [
        (
            HistoryAction.CREATED,
            (
                FieldChange("title", None, "Rotate"),
                FieldChange("status", None, "todo"),
                FieldChange("priority", None, "high"),
                FieldChange("assignee", None, person(contributor)),
                FieldChange("due_date", None, "2030-01-31"),
                FieldChange("tags", None, ["api", "db"]),
            ),
        )
    ]
    assert created.entry.project_id == project.id


async def test_an_update_records_the_fields_it_changed_and_its_tag_set_apart(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User, contributor: User
) -> None:
    api, db = await world.tag(project, "api"), await world.tag(project, "db")
    task = await world.task(project, manager, title="Before", assignee=manager, tags=[api])

    clock.advance()
    await UpdateTask(uow(store), clock).execute(
        UpdateTaskCommand(
            contributor.as_actor(),
            task.id,
            title="After",
            status=TaskStatus.IN_PROGRESS,
            priority=Priority.MEDIUM,  # as it was: no change to record
            assignee_id=contributor.id,
            due_date=None,  # as it was
            tag_ids=frozenset({db.id}),
        )
    )

    history = await world.history(task.id)
    assert said(history) == [
        (
            HistoryAction.UPDATED,
            (
                FieldChange("title", "Before", "After"),
                FieldChange("status", "todo", "in_progress"),
                FieldChange("assignee", person(manager), person(contributor)),
            ),
        ),
        (HistoryAction.TAGS_CHANGED, (FieldChange("tags", ["api"], ["db"]),)),
    ]
    assert {view.entry.at for view in history} == {clock.now()}
    assert {view.actor.id for view in history} == {contributor.id}


async def test_an_update_that_changes_nothing_records_nothing(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User
) -> None:
    task = await world.task(project, manager, title="Same")

    await UpdateTask(uow(store), clock).execute(UpdateTaskCommand(manager.as_actor(), task.id, title="Same"))

    assert await world.history(task.id) == []


@pytest.mark.parametrize("failure", ["workflow", "stale version"])
async def test_a_refused_update_records_nothing(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User, failure: str
) -> None:
    task = await world.task(project, manager, status=TaskStatus.DONE)
    command = (
        UpdateTaskCommand(manager.as_actor(), task.id, title="New", status=TaskStatus.BLOCKED)
        if failure == "workflow"
        else UpdateTaskCommand(manager.as_actor(), task.id, title="New", expected_version=7)
    )

    with pytest.raises(ValidationFailed if failure == "workflow" else StaleVersion):
        await UpdateTask(uow(store), clock).execute(command)

    assert await world.history(task.id) == []
    assert (await world.stored_task(task.id)) == task


async def test_delete_and_restore_are_recorded_and_a_restore_of_a_live_task_is_not(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User, contributor: User
) -> None:
    task = await world.task(project, manager)

    await RestoreTask(uow(store), clock).execute(RestoreTaskCommand(manager.as_actor(), task.id))
    await DeleteTask(uow(store), clock).execute(DeleteTaskCommand(contributor.as_actor(), task.id))
    clock.advance()
    await RestoreTask(uow(store), clock).execute(RestoreTaskCommand(manager.as_actor(), task.id))

    history = await world.history(task.id)
    assert [(view.entry.action, view.actor.id) for view in history] == [
        (HistoryAction.RESTORED, manager.id),
        (HistoryAction.DELETED, contributor.id),
    ]
    assert history[0].entry.at > history[1].entry.at


async def test_comments_added_edited_and_deleted_are_recorded_on_their_task(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User, contributor: User
) -> None:
    task = await world.task(project, manager)

    view = await AddComment(uow(store), clock).execute(
        AddCommentCommand(contributor.as_actor(), task.id, " First ")
    )
    clock.advance()
    await UpdateComment(uow(store), clock).execute(
        UpdateCommentCommand(contributor.as_actor(), view.comment.id, "Second")
    )
    clock.advance()
    await DeleteComment(uow(store), clock).execute(DeleteCommentCommand(manager.as_actor(), view.comment.id))

    assert said(await world.history(task.id)) == [
        (HistoryAction.COMMENT_DELETED, (FieldChange("comment", "Second", None),)),
        (HistoryAction.COMMENT_EDITED, (FieldChange("comment", "First", "Second"),)),
        (HistoryAction.COMMENT_ADDED, (FieldChange("comment", None, "First"),)),
    ]


async def test_the_reporter_and_the_assignee_watch_and_a_new_assignee_starts_watching(
    store: MemoryStore,
    clock: FakeClock,
    world: World,
    project: Project,
    manager: User,
    contributor: User,
    viewer: User,
) -> None:
    summary = await CreateTask(uow(store), clock).execute(
        CreateTaskCommand(manager.as_actor(), project.id, title="Watch me", assignee_id=contributor.id)
    )
    task_id = summary.id

    async def watching(user: User) -> bool:
        found = await world.summary(task_id, viewer=user.id)
        assert found is not None
        return found.watching

    assert (await watching(manager), await watching(contributor), await watching(viewer)) == (
        True,
        True,
        False,
    )
    await UpdateTask(uow(store), clock).execute(
        UpdateTaskCommand(manager.as_actor(), task_id, assignee_id=viewer.id)
    )
    # The one assigned before keeps watching: watching is theirs to stop.
    assert (await watching(manager), await watching(contributor), await watching(viewer)) == (
        True,
        True,
        True,
    )


async def test_deleting_a_tag_records_the_change_of_every_tag_set_that_carried_it(
    store: MemoryStore, clock: FakeClock, world: World, project: Project, manager: User, contributor: User
) -> None:
    api, db = await world.tag(project, "api"), await world.tag(project, "db")
    both = await world.task(project, manager, tags=[api, db])
    deleted = await world.task(project, manager, tags=[db], is_deleted=True)
    untouched = await world.task(project, manager, tags=[api])

    clock.advance()
    await DeleteTag(uow(store), clock).execute(DeleteTagCommand(contributor.as_actor(), project.id, db.id))

    assert said(await world.history(both.id)) == [
        (HistoryAction.TAGS_CHANGED, (FieldChange("tags", ["api", "db"], ["api"]),))
    ]
    assert said(await world.history(deleted.id)) == [
        (HistoryAction.TAGS_CHANGED, (FieldChange("tags", ["db"], []),))
    ]
    assert await world.history(untouched.id) == []
    (entry,) = await world.history(both.id)
    assert (entry.actor.id, entry.entry.at) == (contributor.id, clock.now())
    # The tasks themselves were not edited: their versions stay.
    assert ((await world.stored_task(both.id)) or both).version == 1
