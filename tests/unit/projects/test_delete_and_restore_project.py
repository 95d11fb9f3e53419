import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.projects.delete_project import DeleteProject, DeleteProjectCommand
from application.projects.restore_project import RestoreProject, RestoreProjectCommand
from domain.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from domain.projects import Project
from domain.users import User
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock
from tests.unit.projects.support import stored_project, stored_tags


@pytest.fixture
def delete(uow: InMemoryUnitOfWork, clock: FakeClock) -> DeleteProject:
    return DeleteProject(uow, clock)


@pytest.fixture
def restore(uow: InMemoryUnitOfWork, clock: FakeClock) -> RestoreProject:
    return RestoreProject(uow, clock)


async def test_manager_deletes_a_project_softly(
    delete: DeleteProject, project: Project, manager: User, store: MemoryStore, clock: FakeClock
) -> None:
    later = clock.advance()

    await delete.execute(DeleteProjectCommand(manager.as_actor(), project.id, expected_version=1))

    stored = await stored_project(store, project.id)
    assert stored is not None
    assert (stored.is_deleted, stored.version, stored.updated_at) == (True, 2, later)


async def test_admin_who_is_no_member_may_delete(
    delete: DeleteProject, project: Project, admin: User, store: MemoryStore
) -> None:
    await delete.execute(DeleteProjectCommand(admin.as_actor(), project.id))

    stored = await stored_project(store, project.id)
    assert stored is not None
    assert stored.is_deleted


async def test_contributor_may_not_delete_and_outsider_gets_not_found(
    delete: DeleteProject, project: Project, contributor: User, outsider: User, store: MemoryStore
) -> None:
    with pytest.raises(PermissionDenied):
        await delete.execute(DeleteProjectCommand(contributor.as_actor(), project.id))
    with pytest.raises(NotFound):
        await delete.execute(DeleteProjectCommand(outsider.as_actor(), project.id))

    assert await stored_project(store, project.id) == project


async def test_delete_with_a_stale_version_is_refused(
    delete: DeleteProject, project: Project, manager: User, store: MemoryStore
) -> None:
    with pytest.raises(StaleVersion):
        await delete.execute(DeleteProjectCommand(manager.as_actor(), project.id, expected_version=5))

    assert await stored_project(store, project.id) == project


async def test_deleted_project_hides_its_tags_and_restoring_brings_them_back(
    delete: DeleteProject,
    restore: RestoreProject,
    world: World,
    project: Project,
    manager: User,
    store: MemoryStore,
) -> None:
    tag = await world.tag(project, "bug")

    await delete.execute(DeleteProjectCommand(manager.as_actor(), project.id))
    assert await stored_tags(store, project.id) == []

    restored = await restore.execute(RestoreProjectCommand(manager.as_actor(), project.id))
    assert (restored.is_deleted, restored.version) == (False, 3)
    assert await stored_project(store, project.id) == restored
    assert await stored_tags(store, project.id) == [tag]


async def test_restoring_a_live_project_changes_nothing(
    restore: RestoreProject, project: Project, manager: User
) -> None:
    restored = await restore.execute(RestoreProjectCommand(manager.as_actor(), project.id))

    assert restored == project


async def test_restore_is_refused_while_a_live_project_holds_the_key(
    restore: RestoreProject, world: World, project: Project, manager: User, store: MemoryStore
) -> None:
    await world.delete_project(project)
    await world.project(await world.user(), key=project.key)

    with pytest.raises(Conflict) as caught:
        await restore.execute(RestoreProjectCommand(manager.as_actor(), project.id))

    assert caught.value.field == "key"
    stored = await stored_project(store, project.id)
    assert stored is not None
    assert stored.is_deleted


async def test_only_managers_and_admins_find_a_deleted_project_to_restore(
    restore: RestoreProject, world: World, project: Project, contributor: User, admin: User
) -> None:
    await world.delete_project(project)

    with pytest.raises(NotFound):
        await restore.execute(RestoreProjectCommand(contributor.as_actor(), project.id))
    restored = await restore.execute(RestoreProjectCommand(admin.as_actor(), project.id))

    assert not restored.is_deleted
