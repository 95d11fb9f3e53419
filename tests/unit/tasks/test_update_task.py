import dataclasses
from datetime import date
from itertools import permutations

import pytest

from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.tasks.update_task import UpdateTask, UpdateTaskCommand
from domain.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from domain.projects import Project
from domain.tasks import TRANSITIONS, Priority, TaskStatus
from domain.users import User, UserRef
from tests.contract.task_world import World
from tests.factories_work import task_fields
from tests.unit.fakes import FakeClock

# The workflow, written out independently of domain.TRANSITIONS so that a change to either shows.
ALLOWED = {
    (TaskStatus.TODO, TaskStatus.IN_PROGRESS),
    (TaskStatus.TODO, TaskStatus.BLOCKED),
    (TaskStatus.TODO, TaskStatus.DONE),
    (TaskStatus.TODO, TaskStatus.CANCELLED),
    (TaskStatus.IN_PROGRESS, TaskStatus.TODO),
    (TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED),
    (TaskStatus.IN_PROGRESS, TaskStatus.DONE),
    (TaskStatus.IN_PROGRESS, TaskStatus.CANCELLED),
    (TaskStatus.BLOCKED, TaskStatus.TODO),
    (TaskStatus.BLOCKED, TaskStatus.IN_PROGRESS),
    (TaskStatus.BLOCKED, TaskStatus.CANCELLED),
    (TaskStatus.DONE, TaskStatus.TODO),
    (TaskStatus.DONE, TaskStatus.IN_PROGRESS),
    (TaskStatus.CANCELLED, TaskStatus.TODO),
}
REFUSED = set(permutations(TaskStatus, 2)) - ALLOWED


@pytest.fixture
def update(uow: InMemoryUnitOfWork, clock: FakeClock) -> UpdateTask:
    return UpdateTask(uow, clock)


def test_the_table_in_the_domain_is_the_documented_workflow() -> None:
    assert {(old, new) for old, targets in TRANSITIONS.items() for new in targets} == ALLOWED


@pytest.mark.parametrize(("old", "new"), sorted(ALLOWED))
async def test_allowed_status_change_is_stored(
    update: UpdateTask, world: World, project: Project, contributor: User, old: TaskStatus, new: TaskStatus
) -> None:
    task = await world.task(project, contributor, status=old)

    summary = await update.execute(UpdateTaskCommand(contributor.as_actor(), task.id, status=new))

    assert (summary.status, summary.version) == (new, 2)
    assert task_fields(summary) == task_fields(await world.stored_task(task.id) or task)


@pytest.mark.parametrize(("old", "new"), sorted(REFUSED))
async def test_refused_status_change_leaves_the_task_alone(
    update: UpdateTask, world: World, project: Project, contributor: User, old: TaskStatus, new: TaskStatus
) -> None:
    task = await world.task(project, contributor, status=old)

    with pytest.raises(ValidationFailed) as refused:
        await update.execute(UpdateTaskCommand(contributor.as_actor(), task.id, status=new))

    assert refused.value.field == "status"
    assert await world.stored_task(task.id) == task


async def test_completed_at_is_set_on_done_and_cleared_on_reopening(
    update: UpdateTask, world: World, project: Project, contributor: User, clock: FakeClock
) -> None:
    task = await world.task(project, contributor, status=TaskStatus.IN_PROGRESS)
    actor = contributor.as_actor()

    done_at = clock.advance()
    done = await update.execute(UpdateTaskCommand(actor, task.id, status=TaskStatus.DONE))
    assert done.completed_at == done_at

    clock.advance()
    renamed = await update.execute(UpdateTaskCommand(actor, task.id, title="Still done"))
    assert renamed.completed_at == done_at

    reopened = await update.execute(UpdateTaskCommand(actor, task.id, status=TaskStatus.TODO))
    assert reopened.completed_at is None


async def test_fields_not_given_stay_as_they_were(
    update: UpdateTask, world: World, project: Project, contributor: User, viewer: User, clock: FakeClock
) -> None:
    tag = await world.tag(project, "ops")
    task = await world.task(
        project, contributor, assignee=viewer, due_date=date(2026, 5, 1), tags=[tag], priority=Priority.LOW
    )
    later = clock.advance()

    summary = await update.execute(
        UpdateTaskCommand(contributor.as_actor(), task.id, priority=Priority.URGENT)
    )

    assert task_fields(summary) == task_fields(
        dataclasses.replace(task, priority=Priority.URGENT, version=2, updated_at=later)
    )


async def test_assignee_and_due_date_can_be_cleared(
    update: UpdateTask, world: World, project: Project, contributor: User, viewer: User
) -> None:
    task = await world.task(project, contributor, assignee=viewer, due_date=date(2026, 5, 1))

    summary = await update.execute(
        UpdateTaskCommand(contributor.as_actor(), task.id, assignee_id=None, due_date=None)
    )

    assert (summary.assignee, summary.due_date) == (None, None)
    assert task_fields(await world.stored_task(task.id) or task)["assignee_id"] is None


async def test_task_can_be_assigned_to_a_member(
    update: UpdateTask, world: World, project: Project, contributor: User, viewer: User
) -> None:
    task = await world.task(project, contributor)

    summary = await update.execute(UpdateTaskCommand(contributor.as_actor(), task.id, assignee_id=viewer.id))

    assert summary.assignee == UserRef(id=viewer.id, full_name=viewer.full_name)


async def test_task_cannot_be_assigned_to_someone_outside_the_project(
    update: UpdateTask, world: World, project: Project, contributor: User, outsider: User
) -> None:
    task = await world.task(project, contributor)

    with pytest.raises(ValidationFailed) as refused:
        await update.execute(UpdateTaskCommand(contributor.as_actor(), task.id, assignee_id=outsider.id))

    assert refused.value.field == "assignee_id"
    assert await world.stored_task(task.id) == task


async def test_deleted_user_cannot_be_assigned(
    update: UpdateTask, world: World, project: Project, contributor: User
) -> None:
    gone = await world.member(project, is_deleted=True)
    task = await world.task(project, contributor)

    with pytest.raises(ValidationFailed):
        await update.execute(UpdateTaskCommand(contributor.as_actor(), task.id, assignee_id=gone.id))


async def test_tag_set_is_replaced_as_a_whole(
    update: UpdateTask, world: World, project: Project, contributor: User
) -> None:
    ops, web, db = [await world.tag(project, name) for name in ("ops", "web", "db")]
    task = await world.task(project, contributor, tags=[ops, web])

    summary = await update.execute(
        UpdateTaskCommand(contributor.as_actor(), task.id, tag_ids=frozenset({web.id, db.id}))
    )

    assert [tag.name for tag in summary.tags] == ["db", "web"]
    assert {tag.id for tag in summary.tags} == {web.id, db.id}


async def test_empty_tag_set_takes_every_tag_off(
    update: UpdateTask, world: World, project: Project, contributor: User
) -> None:
    task = await world.task(project, contributor, tags=[await world.tag(project, "ops")])

    summary = await update.execute(UpdateTaskCommand(contributor.as_actor(), task.id, tag_ids=frozenset()))

    assert summary.tags == ()


async def test_tag_of_another_project_cannot_be_put_on_a_task(
    update: UpdateTask, world: World, project: Project, contributor: User, manager: User
) -> None:
    foreign = await world.tag(await world.project(manager, key="WEB"), "ops")
    task = await world.task(project, contributor)

    with pytest.raises(ValidationFailed) as refused:
        await update.execute(
            UpdateTaskCommand(contributor.as_actor(), task.id, tag_ids=frozenset({foreign.id}))
        )

    assert refused.value.field == "tag_ids"


async def test_viewer_cannot_change_a_task(
    update: UpdateTask, world: World, project: Project, contributor: User, viewer: User
) -> None:
    task = await world.task(project, contributor)

    with pytest.raises(PermissionDenied):
        await update.execute(UpdateTaskCommand(viewer.as_actor(), task.id, title="Mine now"))

    assert await world.stored_task(task.id) == task


async def test_outsider_is_told_the_task_does_not_exist(
    update: UpdateTask, world: World, project: Project, contributor: User, outsider: User
) -> None:
    task = await world.task(project, contributor)

    with pytest.raises(NotFound, match="task not found"):
        await update.execute(UpdateTaskCommand(outsider.as_actor(), task.id, title="Mine now"))


async def test_admin_changes_a_task_of_any_project(
    update: UpdateTask, world: World, project: Project, contributor: User, admin: User
) -> None:
    task = await world.task(project, contributor)

    summary = await update.execute(UpdateTaskCommand(admin.as_actor(), task.id, title="Fixed by admin"))

    assert summary.title == "Fixed by admin"


async def test_stale_expected_version_is_refused(
    update: UpdateTask, world: World, project: Project, contributor: User
) -> None:
    task = await world.task(project, contributor)
    actor = contributor.as_actor()
    await update.execute(UpdateTaskCommand(actor, task.id, expected_version=1, title="First"))

    with pytest.raises(StaleVersion):
        await update.execute(UpdateTaskCommand(actor, task.id, expected_version=1, title="Second"))

    stored = await world.stored_task(task.id)
    assert stored is not None
    assert (stored.title, stored.version) == ("First", 2)


async def test_request_that_changes_nothing_keeps_the_version(
    update: UpdateTask, world: World, project: Project, contributor: User
) -> None:
    tag = await world.tag(project, "ops")
    task = await world.task(project, contributor, tags=[tag])

    summary = await update.execute(
        UpdateTaskCommand(
            contributor.as_actor(), task.id, title=task.title, status=task.status, tag_ids=frozenset({tag.id})
        )
    )

    assert task_fields(summary) == task_fields(task)


async def test_deleted_task_cannot_be_changed(
    update: UpdateTask, world: World, project: Project, contributor: User, manager: User
) -> None:
    task = await world.task(project, contributor, is_deleted=True)

    with pytest.raises(NotFound):
        await update.execute(UpdateTaskCommand(manager.as_actor(), task.id, title="Revived?"))
