import pytest

from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.projects.get_project import GetProject, GetProjectQuery
from domain.errors import NotFound
from domain.ids import new_id
from domain.projects import MemberRole, Project
from domain.users import User
from tests.contract.task_world import World


@pytest.fixture
def get(uow: InMemoryUnitOfWork) -> GetProject:
    return GetProject(uow)


async def test_member_reads_the_project_with_their_role(
    get: GetProject, project: Project, viewer: User
) -> None:
    access = await get.execute(GetProjectQuery(viewer.as_actor(), project.id))

    assert access.project == project
    assert access.role is MemberRole.VIEWER
    assert (access.can_write, access.can_manage) == (False, False)


async def test_contributor_may_write_but_not_manage(
    get: GetProject, project: Project, contributor: User
) -> None:
    access = await get.execute(GetProjectQuery(contributor.as_actor(), project.id))

    assert (access.role, access.can_write, access.can_manage) == (MemberRole.CONTRIBUTOR, True, False)


async def test_admin_who_is_no_member_acts_as_manager(get: GetProject, project: Project, admin: User) -> None:
    access = await get.execute(GetProjectQuery(admin.as_actor(), project.id))

    assert access.project == project
    assert access.role is None
    assert (access.can_write, access.can_manage) == (True, True)


async def test_outsider_gets_the_same_not_found_as_for_an_unknown_id(
    get: GetProject, project: Project, outsider: User
) -> None:
    with pytest.raises(NotFound) as hidden:
        await get.execute(GetProjectQuery(outsider.as_actor(), project.id))
    with pytest.raises(NotFound) as missing:
        await get.execute(GetProjectQuery(outsider.as_actor(), new_id()))

    assert hidden.value.message == missing.value.message


async def test_deleted_project_is_not_found_unless_asked_for(
    get: GetProject, world: World, project: Project, manager: User
) -> None:
    await world.delete_project(project)

    with pytest.raises(NotFound):
        await get.execute(GetProjectQuery(manager.as_actor(), project.id))


async def test_managers_and_admins_find_a_deleted_project_when_asked(
    get: GetProject, world: World, project: Project, manager: User, admin: User
) -> None:
    await world.delete_project(project)

    for actor in (manager, admin):
        access = await get.execute(GetProjectQuery(actor.as_actor(), project.id, include_deleted=True))
        assert access.project.is_deleted


async def test_other_members_do_not_find_a_deleted_project(
    get: GetProject, world: World, project: Project, contributor: User, viewer: User
) -> None:
    await world.delete_project(project)

    for actor in (contributor, viewer):
        with pytest.raises(NotFound):
            await get.execute(GetProjectQuery(actor.as_actor(), project.id, include_deleted=True))
