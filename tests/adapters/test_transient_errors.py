"""Real collisions, forced on the real databases, leave the unit of work as TransientConflict, and
the retry runs the whole unit of work again from the start.

PostgreSQL: a serialization failure (40001: a REPEATABLE READ transaction updates a row another
transaction changed after its snapshot) and a deadlock (40P01: two transactions lock two rows in
opposite orders). SQLite: another connection holds the write lock past the busy timeout.
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.persistence.sqlalchemy.engine import create_engine, create_session_factory
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.retries import MAX_ATTEMPTS, RetryTransientConflicts
from domain.errors import TransientConflict
from domain.users import User, UserChanges
from tests.conftest import empty_tables
from tests.factories import UserFactory

NOW = datetime(2026, 6, 1, tzinfo=UTC)


async def store_users(sessions: async_sessionmaker[AsyncSession], count: int) -> list[User]:
    users = UserFactory.batch(count)
    async with sessions() as session, SqlAlchemyUnitOfWork(session) as uow:
        for user in users:
            await uow.users.create(user)
    return users


async def change(uow: SqlAlchemyUnitOfWork, user_id: UUID, changes: UserChanges) -> None:
    user = await uow.users.get_by_id(user_id)
    assert user is not None
    user.apply(changes, NOW)
    await uow.users.update(user)


async def read(sessions: async_sessionmaker[AsyncSession], user_id: UUID) -> User:
    async with sessions() as session:
        uow = SqlAlchemyUnitOfWork(session)
        async with uow.read_only():
            user = await uow.users.get_by_id(user_id)
    assert user is not None
    return user


@pytest.fixture
async def pg_sessions(postgresql_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    await empty_tables(postgresql_engine)
    return create_session_factory(postgresql_engine)


@pytest.mark.postgres
async def test_a_serialization_failure_runs_the_unit_of_work_again_on_fresh_data(
    pg_sessions: async_sessionmaker[AsyncSession],
) -> None:
    (user,) = await store_users(pg_sessions, 1)
    retries = RetryTransientConflicts()
    attempts = 0

    async def rename_at_repeatable_read(name: str) -> None:
        nonlocal attempts
        attempts += 1
        async with pg_sessions() as session, SqlAlchemyUnitOfWork(session) as uow:
            await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            await uow.users.get_by_id(user.id)  # the snapshot is taken here
            if attempts == 1:
                # Another request changes the row and commits after this snapshot.
                async with pg_sessions() as other_session, SqlAlchemyUnitOfWork(other_session) as other:
                    await change(other, user.id, UserChanges(email="theirs@example.com"))
            await change(uow, user.id, UserChanges(full_name=name))

    await retries.run(rename_at_repeatable_read, "Ours")

    assert (attempts, retries.retried, retries.gave_up) == (2, 1, 0)
    # The second attempt read the other request's change and kept it: nothing half-replayed.
    stored = await read(pg_sessions, user.id)
    assert (stored.email, stored.full_name, stored.version) == ("theirs@example.com", "Ours", 3)


@pytest.mark.postgres
async def test_a_deadlock_rolls_one_unit_of_work_back_and_runs_it_again(
    pg_sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = await store_users(pg_sessions, 2)
    retries = RetryTransientConflicts()
    both_hold_a_lock = asyncio.Barrier(2)
    one_committed = asyncio.Event()
    attempts: list[str] = []

    async def rename_both(order: tuple[User, User], name: str) -> None:
        attempts.append(name)
        if attempts.count(name) > 1:
            # The second attempt reads after the other's commit, as a later request would; read
            # before it, its versioned UPDATE would find the row changed (409), not deadlocked.
            await asyncio.wait_for(one_committed.wait(), timeout=30)
        async with pg_sessions() as session, SqlAlchemyUnitOfWork(session) as uow:
            await change(uow, order[0].id, UserChanges(full_name=name))  # locks the first row
            if attempts.count(name) == 1:
                await asyncio.wait_for(both_hold_a_lock.wait(), timeout=30)
            # Each now waits for the row the other holds; PostgreSQL ends one of them with 40P01.
            await change(uow, order[1].id, UserChanges(full_name=name))
        one_committed.set()

    await asyncio.gather(
        retries.run(lambda name: rename_both((first, second), name), "Ada"),
        retries.run(lambda name: rename_both((second, first), name), "Bob"),
    )

    assert (retries.retried, retries.gave_up) == (1, 0)
    assert sorted(attempts) == sorted(["Ada", "Bob", attempts[-1]])
    # Both units of work are complete, the one that ran again last: each row changed twice.
    last = attempts[-1]
    for user in (first, second):
        stored = await read(pg_sessions, user.id)
        assert (stored.full_name, stored.version) == (last, 3)


@pytest.fixture
async def sqlite_file(sqlite_url: str, sqlite_engine: AsyncEngine) -> str:
    await empty_tables(sqlite_engine)
    database = make_url(sqlite_url).database
    assert database is not None
    return database


@pytest.fixture
async def impatient_sqlite(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine that waits only 50 ms for another connection's write lock."""
    engine = create_engine(sqlite_url, statement_timeout_ms=50)
    yield engine
    await engine.dispose()


class LockHolder:
    """A second connection, outside the engine, holding SQLite's write lock until released."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None)
        self._connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self._connection.execute("COMMIT")
        self._connection.close()


def releasing_at_first_pause(lock: LockHolder) -> Callable[[float], Awaitable[None]]:
    async def pause(_seconds: float) -> None:
        lock.release()

    return pause


def register_one(engine: AsyncEngine) -> Callable[[User], Awaitable[None]]:
    sessions = create_session_factory(engine)

    async def register(user: User) -> None:
        async with sessions() as session, SqlAlchemyUnitOfWork(session) as uow:
            await uow.users.create(user)

    return register


async def test_a_sqlite_write_lock_held_past_the_busy_timeout_is_retried_once_released(
    sqlite_file: str, impatient_sqlite: AsyncEngine
) -> None:
    lock = LockHolder(sqlite_file)
    retries = RetryTransientConflicts(sleep=releasing_at_first_pause(lock))
    user = UserFactory.build()

    await retries.run(register_one(impatient_sqlite), user)

    assert (retries.retried, retries.gave_up) == (1, 0)
    assert await read(create_session_factory(impatient_sqlite), user.id) == user


async def test_a_sqlite_write_lock_held_throughout_gives_up_after_three_attempts_writing_nothing(
    sqlite_file: str, impatient_sqlite: AsyncEngine
) -> None:
    lock = LockHolder(sqlite_file)

    async def no_pause(_seconds: float) -> None:
        return None

    retries = RetryTransientConflicts(sleep=no_pause)
    try:
        with pytest.raises(TransientConflict) as raised:
            await retries.run(register_one(impatient_sqlite), UserFactory.build())
    finally:
        lock.release()

    assert "write lock" in raised.value.message
    assert (retries.retried, retries.gave_up) == (MAX_ATTEMPTS - 1, 1)
    async with impatient_sqlite.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM users")) == 0
