"""The composition root runs every use case through the one retry rule, whoever asks for it."""

import importlib
import pkgutil
from contextlib import nullcontext

import pytest
from dishka import Provider, Scope, provide
from prometheus_client import REGISTRY

import application
from adapters.composition import make_container
from adapters.persistence.caller import Caller
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.settings import MEMORY_URL
from application.retries import MAX_ATTEMPTS, RetryTransientConflicts
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
    """The memory unit of work, whose first user inserts of the process collide (once by default)."""

    def __init__(self, collisions: int = 1) -> None:
        super().__init__()
        self._failures: list[DomainError] = [
            TransientConflict("the request collided (deadlock)") for _ in range(collisions)
        ]

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


# Registered once per test, in a store of its own.
REGISTER_ADA = RegisterUserCommand(
    actor=Actor.operator(),
    email="ada@example.com",
    full_name="Ada",
    password="correct horse battery",
    role=UserRole.ADMIN,
)


async def test_a_use_case_from_the_container_runs_again_after_a_collision() -> None:
    container = make_container(settings_for(MEMORY_URL), FastHashingProvider(), CollideOnceProvider())
    try:
        async with container() as request:
            register = await request.get(RegisterUser)
            user = await register.execute(REGISTER_ADA)
        retries = await container.get(RetryTransientConflicts)
        store = await container.get(MemoryStore)
    finally:
        await container.close()

    assert (retries.retried, retries.gave_up) == (1, 0)
    async with InMemoryUnitOfWork(store) as uow:
        assert await uow.users.get_by_id(user.id) == user


def counted() -> tuple[float | None, float | None]:
    return (
        REGISTRY.get_sample_value("taskboard_unit_of_work_retries_total"),
        REGISTRY.get_sample_value("taskboard_unit_of_work_give_ups_total"),
    )


@pytest.mark.parametrize(
    ("collisions", "retried", "gave_up"),
    [(1, 1, 0), (MAX_ATTEMPTS, MAX_ATTEMPTS - 1, 1)],
    ids=["retried-once", "gave-up"],
)
async def test_the_retries_and_give_ups_of_the_container_are_counted_in_the_metrics(
    collisions: int, retried: int, gave_up: int
) -> None:
    container = make_container(
        settings_for(MEMORY_URL), FastHashingProvider(), CollideOnceProvider(collisions)
    )
    retries_before, give_ups_before = counted()
    try:
        async with container() as request:
            register = await request.get(RegisterUser)
            with pytest.raises(TransientConflict) if gave_up else nullcontext():
                await register.execute(REGISTER_ADA)
    finally:
        await container.close()
    retries_after, give_ups_after = counted()

    assert (retries_after or 0) - (retries_before or 0) == retried
    assert (give_ups_after or 0) - (give_ups_before or 0) == gave_up
