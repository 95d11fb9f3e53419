"""UnitOfWork: everything in a block commits together or not at all, on every adapter."""

import pytest

from domain.errors import NotFound
from domain.users import UserChanges, UserFilters
from tests.conftest import UnitOfWorkFactory
from tests.contract.storage import all_ids, fetch, now, store
from tests.factories import UserFactory


class Boom(Exception):
    pass


async def test_exception_in_the_block_rolls_back_every_write(uow_factory: UnitOfWorkFactory) -> None:
    existing, doomed = UserFactory.batch(2)
    await store(uow_factory, existing)

    async def create_and_update_then_fail() -> None:
        async with uow_factory() as uow:
            await uow.users.create(doomed)
            changed = await uow.users.get_by_id(existing.id)
            assert changed is not None
            changed.apply(UserChanges(full_name="Never Saved"), now())
            await uow.users.update(changed)
            raise Boom

    with pytest.raises(Boom):
        await create_and_update_then_fail()

    assert await fetch(uow_factory, existing.id) == existing
    assert await all_ids(uow_factory, UserFilters(include_deleted=True)) == {existing.id}


async def test_writes_inside_the_block_are_visible_to_it(uow_factory: UnitOfWorkFactory) -> None:
    user = UserFactory.build()

    async with uow_factory() as uow:
        await uow.users.create(user)
        assert await uow.users.get_by_id(user.id) == user
        assert await uow.users.get_by_email(user.email) == user


async def test_another_unit_of_work_sees_committed_data(uow_factory: UnitOfWorkFactory) -> None:
    user = UserFactory.build()

    async with uow_factory() as writer:
        await writer.users.create(user)

    async with uow_factory() as reader:
        assert await reader.users.get_by_id(user.id) == user


async def test_domain_error_leaves_the_block_unchanged(uow_factory: UnitOfWorkFactory) -> None:
    user = UserFactory.build()
    error = NotFound("no such project", field="project_id")

    async def create_then_fail() -> None:
        async with uow_factory() as uow:
            await uow.users.create(user)
            raise error

    with pytest.raises(NotFound) as raised:
        await create_then_fail()

    assert raised.value is error
    assert await fetch(uow_factory, user.id) is None


async def test_one_unit_of_work_runs_one_transaction_after_another(uow_factory: UnitOfWorkFactory) -> None:
    first, second = UserFactory.batch(2)
    uow = uow_factory()

    async def create_second_then_fail() -> None:
        async with uow:
            await uow.users.create(second)
            raise Boom

    async with uow:
        await uow.users.create(first)
    with pytest.raises(Boom):
        await create_second_then_fail()
    async with uow:
        assert await uow.users.get_by_id(first.id) == first
        assert await uow.users.get_by_id(second.id) is None
