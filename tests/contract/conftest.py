"""Fixtures shared by the contract modules that build a small world of users, projects and tasks.

A module that needs its people or project made differently defines a fixture of the same name.
"""

import pytest

from domain.projects import Project
from domain.users import User
from tests.conftest import UnitOfWorkFactory
from tests.contract.task_world import World


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World(uow_factory)


@pytest.fixture
async def manager(world: World) -> User:
    return await world.user()


@pytest.fixture
async def project(world: World, manager: User) -> Project:
    return await world.project(manager)
