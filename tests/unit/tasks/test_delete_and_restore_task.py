import pytest

from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.tasks.delete_task import DeleteTask, DeleteTaskCommand
from application.tasks.restore_task import RestoreTask, RestoreTaskCommand
from domain.errors import NotFound, PermissionDenied, StaleVersion
from domain.projects import Project
from domain.tasks import TaskFilters
from domain.users import User
from tests.contract.task_world import World
from tests.factories_work import task_fields
from tests.unit.fakes import FakeClock


@pytest.fixture
def delete(uow: InMemoryUnitOfWork, clock: FakeClock) -> DeleteTask:
    return DeleteTask(uow, clock)


@pytest.fixture
def restore(uow: InMemoryUnitOfWork, clock: FakeClock) -> RestoreTask:
    return RestoreTask(uow, clock)


async def test_contributor_deletes_a_task_which_leaves_reads_and_lists(
    delete: DeleteTask, world: World, project: Project, contributor: User, clock: FakeClock
) -> None:
    task = await world.task(project, contributor)
    later = clock.advance()

    await delete.execute(DeleteTaskCommand(contributor.as_actor(), task.id, expected_version=1))

    stored = await world.stored_task(task.id)
    assert stored is not None
    assert (stored.is_deleted, stored.version, stored.updated_at) == (True, 2, later)
    assert await world.summary(task.id) is None
    assert await world.ids() == set()
    assert await world.ids(TaskFilters(include_deleted=True)) == {task.id}


async def test_viewer_cannot_delete_a_task(
    delete: DeleteTask, world: World, project: Project, contributor: User, viewer: User
) -> None:
    task = await world.task(project, contributor)

    with pytest.raises(PermissionDenied):
        await delete.execute(DeleteTaskCommand(viewer.as_actor(), task.id))

    assert await world.stored_task(task.id) == task


async def test_outsider_cannot_delete_a_task_they_cannot_see(
    delete: DeleteTask, world: World, project: Project, contributor: User, outsider: User
) -> None:
    task = await world.task(project, contributor)

    with pytest.raises(NotFound):
        await delete.execute(DeleteTaskCommand(outsider.as_actor(), task.id))


async def test_delete_from_a_stale_version_is_refused(
    delete: DeleteTask, world: World, project: Project, contributor: User
) -> None:
    task = await world.task(project, contributor)

    with pytest.raises(StaleVersion):
        await delete.execute(DeleteTaskCommand(contributor.as_actor(), task.id, expected_version=2))

    assert await world.stored_task(task.id) == task


async def test_deleted_task_cannot_be_deleted_again(
    delete: DeleteTask, world: World, project: Project, manager: User
) -> None:
    task = await world.task(project, manager, is_deleted=True)

    with pytest.raises(NotFound):
        await delete.execute(DeleteTaskCommand(manager.as_actor(), task.id))


@pytest.mark.parametrize("restorer", ["manager", "admin"])
async def test_manager_or_admin_restores_a_deleted_task(
    restore: RestoreTask, world: World, project: Project, people: dict[str, User], restorer: str
) -> None:
    actor: User = people[restorer]
    task = await world.task(project, actor, is_deleted=True)

    summary = await restore.execute(RestoreTaskCommand(actor.as_actor(), task.id))

    assert (summary.is_deleted, summary.version) == (False, 2)
    assert await world.ids() == {task.id}


async def test_contributor_cannot_see_a_deleted_task_to_restore_it(
    restore: RestoreTask, world: World, project: Project, contributor: User
) -> None:
    task = await world.task(project, contributor, is_deleted=True)

    with pytest.raises(NotFound):
        await restore.execute(RestoreTaskCommand(contributor.as_actor(), task.id))


async def test_contributor_is_refused_a_restore_of_a_live_task(
    restore: RestoreTask, world: World, project: Project, contributor: User
) -> None:
    task = await world.task(project, contributor)

    with pytest.raises(PermissionDenied):
        await restore.execute(RestoreTaskCommand(contributor.as_actor(), task.id))


async def test_restoring_a_live_task_changes_nothing(
    restore: RestoreTask, world: World, project: Project, manager: User
) -> None:
    task = await world.task(project, manager)

    summary = await restore.execute(RestoreTaskCommand(manager.as_actor(), task.id))

    assert task_fields(summary) == task_fields(task)


async def test_task_of_a_deleted_project_cannot_be_restored(
    restore: RestoreTask, world: World, project: Project, manager: User
) -> None:
    task = await world.task(project, manager, is_deleted=True)
    await world.delete_project(project)

    with pytest.raises(NotFound):
        await restore.execute(RestoreTaskCommand(manager.as_actor(), task.id))
