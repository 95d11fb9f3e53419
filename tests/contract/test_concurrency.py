"""Races between units of work: the storage decides, and the losers get a domain error, never a crash."""

import asyncio

from adapters.clock import UtcClock
from adapters.security.passwords import Argon2PasswordHasher
from application.users.register_user import RegisterUser, RegisterUserCommand
from application.users.update_user import UpdateUser, UpdateUserCommand
from domain.errors import Conflict, StaleVersion
from domain.users import Actor, User, UserFilters, UserRole
from tests.conftest import UnitOfWorkFactory
from tests.contract.storage import all_ids, fetch, store
from tests.factories import UserFactory, unique_email

RACERS = 8
hasher = Argon2PasswordHasher.fast_for_tests()
clock = UtcClock()


def update_user(uow_factory: UnitOfWorkFactory) -> UpdateUser:
    return UpdateUser(uow_factory(), hasher, clock)


async def test_concurrent_registrations_of_one_email_store_exactly_one_user(
    uow_factory: UnitOfWorkFactory,
) -> None:
    email = unique_email()

    async def register(n: int) -> User:
        command = RegisterUserCommand(Actor.operator(), email, f"Racer {n}", "correct horse battery")
        return await RegisterUser(uow_factory(), hasher, clock).execute(command)

    results = await asyncio.gather(*(register(n) for n in range(RACERS)), return_exceptions=True)

    winners = [result for result in results if isinstance(result, User)]
    losers = [result for result in results if not isinstance(result, User)]
    assert len(winners) == 1
    assert all(isinstance(loser, Conflict) and loser.field == "email" for loser in losers), losers
    assert await all_ids(uow_factory, UserFilters(include_deleted=True)) == {winners[0].id}


async def test_concurrent_updates_from_one_read_version_let_exactly_one_win(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = UserFactory.build(version=1)
    await store(uow_factory, user)

    async def rename(name: str) -> User:
        command = UpdateUserCommand(Actor.operator(), user.id, expected_version=1, full_name=name)
        return await update_user(uow_factory).execute(command)

    results = await asyncio.gather(rename("Left Writer"), rename("Right Writer"), return_exceptions=True)

    winners = [result for result in results if isinstance(result, User)]
    losers = [result for result in results if not isinstance(result, User)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], StaleVersion), losers
    assert await fetch(uow_factory, user.id) == winners[0]


async def test_two_admins_demoting_each_other_leave_an_active_admin(uow_factory: UnitOfWorkFactory) -> None:
    left, right = UserFactory.batch(2, role=UserRole.ADMIN)
    await store(uow_factory, left, right)

    async def demote(actor: User, target: User) -> User:
        command = UpdateUserCommand(actor.as_actor(), target.id, role=UserRole.MEMBER)
        return await update_user(uow_factory).execute(command)

    results = await asyncio.gather(demote(left, right), demote(right, left), return_exceptions=True)

    failures = [result for result in results if not isinstance(result, User)]
    assert len(failures) >= 1
    assert all(isinstance(failure, Conflict) for failure in failures), failures
    async with uow_factory() as uow:
        assert len(await uow.users.active_admin_ids()) >= 1
