"""The composition root runs every use case through the one retry rule, whoever asks for it."""

import importlib
import pkgutil

from dishka import Provider, Scope, provide

import application
from adapters.composition import make_container
from adapters.persistence.caller import Caller
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.settings import MEMORY_URL
from application.retries import RetryTransientConflicts
from application.use_case import UseCase
from application.users.register_user import RegisterUser, RegisterUserCommand
from domain.errors import DomainError, TransientConflict
from domain.unit_of_work import UnitOfWork
from domain.users import Actor, UserRole
from tests.conftest import FastHashingProvider, settings_for
from tests.unit.test_retries import CollidingUsers


def every_use_case() -> list[type[UseCase]]:
    for module in pkgutil.walk_packages(application.__path__, "application."):
        importlib.import_module(module.name)
    return UseCase.__subclasses__()


class CollideOnceProvider(Provider):
    """The memory unit of work, whose first user insert of the process collides."""

    def __init__(self) -> None:
        super().__init__()
        self._failures: list[DomainError] = [TransientConflict("the request collided (deadlock)")]

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, store: MemoryStore, caller: Caller) -> UnitOfWork:
        uow = InMemoryUnitOfWork(store, caller)
        uow.users = CollidingUsers(store, self._failures)
        return uow


async def test_every_use_case_is_provided() -> None:
    container = make_container(settings_for(MEMORY_URL), FastHashingProvider())
    try:
        async with container() as request:
            for use_case in every_use_case():
                assert isinstance(await request.get(use_case), use_case)
    finally:
        await container.close()
    assert RegisterUser in every_use_case()


async def test_a_use_case_from_the_container_runs_again_after_a_collision() -> None:
    container = make_container(settings_for(MEMORY_URL), FastHashingProvider(), CollideOnceProvider())
    try:
        async with container() as request:
            register = await request.get(RegisterUser)
            user = await register.execute(
                RegisterUserCommand(
                    actor=Actor.operator(),
                    email="ada@example.com",
                    full_name="Ada",
                    password="correct horse battery",
                    role=UserRole.ADMIN,
                )
            )
        retries = await container.get(RetryTransientConflicts)
        store = await container.get(MemoryStore)
    finally:
        await container.close()

    assert (retries.retried, retries.gave_up) == (1, 0)
    async with InMemoryUnitOfWork(store) as uow:
        assert await uow.users.get_by_id(user.id) == user
