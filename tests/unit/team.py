"""A project with one member of each role, an outsider and an admin, on the memory adapter.

Shared by the project, task and comment use-case tests; each of their conftest.py files re-exports
these fixtures.
"""

import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from domain.projects import MemberRole, Project
from domain.users import User
from tests.contract.task_world import World


@pytest.fixture
def world(store: MemoryStore) -> World:
    return World(lambda: InMemoryUnitOfWork(store))


@pytest.fixture
async def manager(world: World) -> User:
    return await world.user()


@pytest.fixture
async def project(world: World, manager: User) -> Project:
    return await world.project(manager, key="OPS", name="Operations")


@pytest.fixture
async def contributor(world: World, project: Project) -> User:
    return await world.member(project, MemberRole.CONTRIBUTOR)


@pytest.fixture
async def viewer(world: World, project: Project) -> User:
    return await world.member(project, MemberRole.VIEWER)


@pytest.fixture
async def outsider(world: World) -> User:
    """A user who is no member of the project (and no admin)."""
    return await world.user()


@pytest.fixture
async def admin(world: World) -> User:
    """An administrator who is no member of the project."""
    return await world.admin()


@pytest.fixture
def people(manager: User, contributor: User, viewer: User, outsider: User, admin: User) -> dict[str, User]:
    """The fixtures' users by name, for tests parametrised over who acts."""
    return {
        "manager": manager,
        "contributor": contributor,
        "viewer": viewer,
        "outsider": outsider,
        "admin": admin,
    }
