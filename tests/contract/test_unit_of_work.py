"""UnitOfWork: everything in a block commits together or not at all, on every adapter."""

import asyncio
import contextvars

import pytest

from domain.errors import NotFound
from domain.unit_of_work import WriteInReadOnlyUnitOfWork
from domain.users import DEFAULT_USER_SORT, User, UserChanges, UserFilters
from tests.conftest import UnitOfWorkFactory
from tests.contract.storage import FIRST_PAGE, NO_FILTERS, all_ids, fetch, now, store
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


async def test_a_read_only_unit_of_work_refuses_writes_and_keeps_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = UserFactory.build()

    async def write_while_reading() -> None:
        uow = uow_factory()
        async with uow.read_only():
            await uow.users.create(user)

    with pytest.raises(WriteInReadOnlyUnitOfWork):
        await write_while_reading()

    assert await fetch(uow_factory, user.id) is None


async def test_a_reader_neither_waits_for_nor_sees_an_open_writer(uow_factory: UnitOfWorkFactory) -> None:
    """Readers take no write lock: SQLite's deferred BEGIN under WAL, PostgreSQL's MVCC, and the
    memory store's committed rows all let a read run while a writer holds its transaction open."""
    user = UserFactory.build()
    await store(uow_factory, user)
    writer_has_written = asyncio.Event()
    reader_is_done = asyncio.Event()

    async def write_and_hold() -> None:
        async with uow_factory() as writer:
            changed = await writer.users.get_by_id(user.id)
            assert changed is not None
            changed.apply(UserChanges(full_name="Not Yet Committed"), now())
            await writer.users.update(changed)
            writer_has_written.set()
            # The timeout turns a reader that waits for this transaction into a failure, not a hang.
            await asyncio.wait_for(reader_is_done.wait(), timeout=10)

    async def read_meanwhile() -> User | None:
        await writer_has_written.wait()
        reader = uow_factory()
        async with reader.read_only():
            seen = await reader.users.get_by_id(user.id)
        reader_is_done.set()
        return seen

    _, seen = await asyncio.wait_for(asyncio.gather(write_and_hold(), read_meanwhile()), timeout=20)

    assert seen == user
    stored = await fetch(uow_factory, user.id)
    assert stored is not None
    assert stored.full_name == "Not Yet Committed"


async def test_a_read_only_unit_of_work_sees_one_snapshot(uow_factory: UnitOfWorkFactory) -> None:
    """A page and its total agree: what commits while a reader is open is not seen by that reader."""
    first, second = UserFactory.batch(2)
    await store(uow_factory, first)
    reader = uow_factory()
    async with reader.read_only():
        before = await reader.users.list(NO_FILTERS, DEFAULT_USER_SORT, FIRST_PAGE)
        # Another request: a task of its own, as a server runs each request.
        await asyncio.create_task(store(uow_factory, second), context=contextvars.Context())
        after = await reader.users.list(NO_FILTERS, DEFAULT_USER_SORT, FIRST_PAGE)

    assert after == before
    assert [user.id for user in before.items] == [first.id]
    assert await all_ids(uow_factory, NO_FILTERS) == {first.id, second.id}
