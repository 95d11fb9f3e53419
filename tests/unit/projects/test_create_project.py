import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.projects.create_project import CreateProject, CreateProjectCommand
from domain.errors import Conflict, ValidationFailed
from domain.projects import MemberRole, Project
from domain.users import User
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock
from tests.unit.projects.support import stored_member, stored_project


@pytest.fixture
def create(uow: InMemoryUnitOfWork, clock: FakeClock) -> CreateProject:
    return CreateProject(uow, clock)


async def test_creator_becomes_manager_of_the_new_project(
    create: CreateProject, world: World, store: MemoryStore, clock: FakeClock
) -> None:
    creator = await world.user()

    project = await create.execute(
        CreateProjectCommand(creator.as_actor(), key="OPS", name="Operations", description="Keep it running")
    )

    assert (project.key, project.name, project.description) == ("OPS", "Operations", "Keep it running")
    assert (project.version, project.created_at, project.updated_at) == (1, clock.now(), clock.now())
    assert await stored_project(store, project.id) == project
    member = await stored_member(store, project.id, creator.id)
    assert member is not None
    assert member.role is MemberRole.MANAGER


async def test_lower_case_key_is_stored_upper_case(create: CreateProject, world: World) -> None:
    creator = await world.user()

    project = await create.execute(CreateProjectCommand(creator.as_actor(), key=" ops ", name="Operations"))

    assert project.key == "OPS"


@pytest.mark.parametrize("key", ["O", "ELEVENCHARS", "OP1", "O-P", "", "ÄB"])
async def test_malformed_key_is_refused_and_nothing_stored(
    create: CreateProject, world: World, uow: InMemoryUnitOfWork, key: str
) -> None:
    creator = await world.user()

    with pytest.raises(ValidationFailed) as caught:
        await create.execute(CreateProjectCommand(creator.as_actor(), key=key, name="Operations"))

    assert caught.value.field == "key"
    assert uow.committed == 0


async def test_blank_name_is_refused(create: CreateProject, world: World) -> None:
    creator = await world.user()

    with pytest.raises(ValidationFailed) as caught:
        await create.execute(CreateProjectCommand(creator.as_actor(), key="OPS", name="   "))

    assert caught.value.field == "name"


async def test_key_of_a_live_project_is_taken_whatever_its_case(
    create: CreateProject, world: World, project: Project, uow: InMemoryUnitOfWork
) -> None:
    creator = await world.user()

    with pytest.raises(Conflict) as caught:
        await create.execute(CreateProjectCommand(creator.as_actor(), key=project.key.lower(), name="Again"))

    assert caught.value.field == "key"
    assert uow.rolled_back == 1


async def test_key_of_a_deleted_project_can_be_used_again(
    create: CreateProject, world: World, project: Project, store: MemoryStore
) -> None:
    await world.delete_project(project)
    creator = await world.user()

    again = await create.execute(
        CreateProjectCommand(creator.as_actor(), key=project.key, name="Operations 2")
    )

    assert again.key == project.key
    assert again.id != project.id
    assert await stored_project(store, again.id) == again


async def test_each_creator_manages_only_their_own_project(
    create: CreateProject, world: World, store: MemoryStore, manager: User, project: Project
) -> None:
    creator = await world.user()

    other = await create.execute(CreateProjectCommand(creator.as_actor(), key="DEV", name="Development"))

    assert await stored_member(store, other.id, manager.id) is None
    assert await stored_member(store, project.id, creator.id) is None
