import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.projects.update_project import UpdateProject, UpdateProjectCommand
from domain.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from domain.projects import Project
from domain.users import User
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock
from tests.unit.projects.support import stored_project


@pytest.fixture
def update(uow: InMemoryUnitOfWork, clock: FakeClock) -> UpdateProject:
    return UpdateProject(uow, clock)


async def test_manager_renames_the_project_bumping_version_and_updated_at(
    update: UpdateProject, project: Project, manager: User, store: MemoryStore, clock: FakeClock
) -> None:
    later = clock.advance()

    updated = await update.execute(
        UpdateProjectCommand(manager.as_actor(), project.id, expected_version=1, name="Ops & Infra")
    )

    assert (updated.name, updated.description, updated.key) == ("Ops & Infra", project.description, "OPS")
    assert (updated.version, updated.updated_at, updated.created_at) == (2, later, project.created_at)
    assert await stored_project(store, project.id) == updated


async def test_admin_who_is_no_member_may_change_the_description(
    update: UpdateProject, project: Project, admin: User
) -> None:
    updated = await update.execute(
        UpdateProjectCommand(admin.as_actor(), project.id, description="Runbooks and on-call")
    )

    assert updated.description == "Runbooks and on-call"


async def test_contributors_and_viewers_may_not_change_the_project(
    update: UpdateProject, project: Project, contributor: User, viewer: User, store: MemoryStore
) -> None:
    for actor in (contributor, viewer):
        with pytest.raises(PermissionDenied):
            await update.execute(UpdateProjectCommand(actor.as_actor(), project.id, name="Mine now"))

    assert await stored_project(store, project.id) == project


async def test_outsider_gets_not_found(update: UpdateProject, project: Project, outsider: User) -> None:
    with pytest.raises(NotFound):
        await update.execute(UpdateProjectCommand(outsider.as_actor(), project.id, name="Mine now"))


async def test_stale_expected_version_is_refused(
    update: UpdateProject, project: Project, manager: User, store: MemoryStore
) -> None:
    with pytest.raises(StaleVersion):
        await update.execute(
            UpdateProjectCommand(manager.as_actor(), project.id, expected_version=2, name="Too late")
        )

    assert await stored_project(store, project.id) == project


async def test_request_that_changes_nothing_keeps_the_version(
    update: UpdateProject, project: Project, manager: User, clock: FakeClock
) -> None:
    clock.advance()

    updated = await update.execute(UpdateProjectCommand(manager.as_actor(), project.id, name=project.name))

    assert updated == project


async def test_blank_name_is_refused(update: UpdateProject, project: Project, manager: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await update.execute(UpdateProjectCommand(manager.as_actor(), project.id, name=""))

    assert caught.value.field == "name"


async def test_deleted_project_cannot_be_changed(
    update: UpdateProject, world: World, project: Project, manager: User
) -> None:
    await world.delete_project(project)

    with pytest.raises(NotFound):
        await update.execute(UpdateProjectCommand(manager.as_actor(), project.id, name="Ghost"))
