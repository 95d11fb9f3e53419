import asyncio
import dataclasses

import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from domain.errors import Conflict
from domain.users import User, UserChanges
from tests.factories import UserFactory
from tests.unit.fakes import FakeClock, all_stored, seed, stored


class Boom(Exception):
    pass


async def test_leaving_the_block_commits_the_writes(store: MemoryStore, uow: InMemoryUnitOfWork) -> None:
    user = UserFactory.build()

    async with uow:
        await uow.users.create(user)

    assert await stored(store, user.id) == user
    assert (uow.committed, uow.rolled_back) == (1, 0)


async def test_an_exception_undoes_every_create_and_update_of_the_block(
    store: MemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    existing = await seed(store)
    created = UserFactory.build()

    async def write_then_fail() -> None:
        async with uow:
            await uow.users.create(created)
            changed = await uow.users.get_by_id(existing.id)
            assert changed is not None
            changed.apply(UserChanges(full_name="Renamed Twice"), clock.now())
            await uow.users.update(changed)
            changed.apply(UserChanges(full_name="Renamed Thrice"), clock.advance())
            await uow.users.update(changed)
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()

    assert await all_stored(store) == [existing]
    assert (uow.committed, uow.rolled_back) == (0, 1)


async def test_a_domain_error_from_the_repository_rolls_back_the_earlier_writes(
    store: MemoryStore, uow: InMemoryUnitOfWork
) -> None:
    existing = await seed(store)
    first = UserFactory.build()

    async def create_both() -> None:
        async with uow:
            await uow.users.create(first)
            await uow.users.create(UserFactory.build(email=existing.email))

    with pytest.raises(Conflict):
        await create_both()

    assert await all_stored(store) == [existing]
    assert uow.rolled_back == 1


async def test_the_store_works_normally_after_a_rollback(store: MemoryStore, uow: InMemoryUnitOfWork) -> None:
    async def write_then_fail() -> None:
        async with uow:
            await uow.users.create(UserFactory.build())
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()
    user = UserFactory.build()

    async with uow:
        await uow.users.create(user)

    assert await all_stored(store) == [user]
    assert (uow.committed, uow.rolled_back) == (1, 1)


async def test_each_committed_block_is_counted(uow: InMemoryUnitOfWork) -> None:
    for _ in range(3):
        async with uow:
            await uow.users.create(UserFactory.build())

    assert uow.committed == 3


async def test_writing_outside_a_unit_of_work_is_refused(store: MemoryStore) -> None:
    with pytest.raises(RuntimeError):
        store.put("users", UserFactory.build().id, UserFactory.build())


async def test_changing_a_user_read_from_the_store_does_not_change_the_stored_row(
    store: MemoryStore, uow: InMemoryUnitOfWork
) -> None:
    user = await seed(store)
    original = dataclasses.replace(user)

    async with uow:
        read = await uow.users.get_by_id(user.id)
        assert read is not None
        read.full_name = "Changed Without Saving"
    user.full_name = "Changed After Seeding"

    assert await stored(store, user.id) == original


async def test_concurrent_units_of_work_run_one_after_the_other(store: MemoryStore) -> None:
    first_is_inside = asyncio.Event()
    user = UserFactory.build()

    async def first() -> None:
        async with InMemoryUnitOfWork(store) as uow:
            first_is_inside.set()
            # Give the second unit of work every chance to run now, if it could.
            for _ in range(10):
                await asyncio.sleep(0)
            await uow.users.create(user)

    async def second() -> User | None:
        await first_is_inside.wait()
        async with InMemoryUnitOfWork(store) as uow:
            return await uow.users.get_by_id(user.id)

    _, seen = await asyncio.gather(first(), second())

    assert seen == user


async def test_a_unit_of_work_waiting_on_a_rolled_back_one_sees_none_of_its_writes(
    store: MemoryStore,
) -> None:
    first_is_inside = asyncio.Event()
    user = UserFactory.build()

    async def first() -> None:
        async with InMemoryUnitOfWork(store) as uow:
            first_is_inside.set()
            await uow.users.create(user)
            for _ in range(10):
                await asyncio.sleep(0)
            raise Boom

    async def second() -> User | None:
        await first_is_inside.wait()
        async with InMemoryUnitOfWork(store) as uow:
            return await uow.users.get_by_id(user.id)

    outcomes = await asyncio.gather(first(), second(), return_exceptions=True)

    assert isinstance(outcomes[0], Boom)
    assert outcomes[1] is None
