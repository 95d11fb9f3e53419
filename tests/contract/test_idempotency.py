"""Idempotency keys behave alike on memory, SQLite and PostgreSQL, at the unit of work.

A unit of work opened for a request with a key claims it, and at the end of its block waits for
`settle`: with a response, the change and the key commit together; with None (or after an error)
neither does. A later claim of the key replays the response; another request under it is refused.
"""

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.idempotency import (
    IDEMPOTENCY_KEY_HEADER,
    KEY_LIFETIME,
    IdempotentRequest,
    Replay,
    StoredResponse,
)
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.persistence.sqlalchemy.engine import create_session_factory
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.errors import Conflict, ValidationFailed
from domain.unit_of_work import UnitOfWork
from domain.users import User
from tests.conftest import empty_tables
from tests.factories import UserFactory, utc_instant

KeyedUnitOfWork = Callable[[IdempotentRequest | None], UnitOfWork]
CREATED = StoredResponse(
    status=201, headers={"content-type": "application/json", "etag": '"1"'}, body=b'{"n":1}'
)


@pytest.fixture
async def keyed_uow(backend_engine: AsyncEngine | None) -> KeyedUnitOfWork:
    """Units of work on the test's adapter, each for a request (or none), on empty tables."""
    if backend_engine is None:
        store = MemoryStore()
        return lambda once: InMemoryUnitOfWork(store, None, once)
    await empty_tables(backend_engine)
    sessions = create_session_factory(backend_engine)
    return lambda once: SqlAlchemyUnitOfWork(sessions(), None, once)


@pytest.fixture
async def caller(keyed_uow: KeyedUnitOfWork) -> User:
    user = UserFactory.build()
    async with keyed_uow(None) as uow:
        await uow.users.create(user)
    return user


def request_of(
    caller: User, key: str = "k", body: str = "{}", *, hours_later: float = 0
) -> IdempotentRequest:
    return IdempotentRequest(
        key=key,
        caller_id=caller.id,
        fingerprint=body,  # any text stands for the request here
        received_at=FIRST_SEEN + timedelta(hours=hours_later),
    )


FIRST_SEEN = utc_instant()


async def create_user(
    keyed_uow: KeyedUnitOfWork, once: IdempotentRequest, response: StoredResponse | None
) -> User:
    """One request: a user created in the claiming unit of work, then settled with `response`."""
    user = UserFactory.build()
    async with keyed_uow(once) as uow:
        await uow.users.create(user)
    await once.settle(response)
    return user


async def exists(keyed_uow: KeyedUnitOfWork, user: User) -> bool:
    uow = keyed_uow(None)
    async with uow.read_only():
        return await uow.users.get_by_id(user.id) is not None


async def test_a_settled_request_commits_and_its_repeat_replays_the_response(
    keyed_uow: KeyedUnitOfWork, caller: User
) -> None:
    user = await create_user(keyed_uow, request_of(caller), CREATED)
    assert await exists(keyed_uow, user)

    repeat = request_of(caller, hours_later=23)
    with pytest.raises(Replay) as replay:
        await create_user(keyed_uow, repeat, CREATED)

    assert replay.value.response == CREATED


async def test_the_change_is_not_visible_before_the_request_settles(
    keyed_uow: KeyedUnitOfWork, caller: User
) -> None:
    once = request_of(caller)
    user = UserFactory.build()
    async with keyed_uow(once) as uow:
        await uow.users.create(user)
    assert not await exists(keyed_uow, user)
    await once.settle(CREATED)
    assert await exists(keyed_uow, user)


async def test_settling_without_a_response_keeps_neither_the_change_nor_the_key(
    keyed_uow: KeyedUnitOfWork, caller: User
) -> None:
    dropped = await create_user(keyed_uow, request_of(caller), None)
    assert not await exists(keyed_uow, dropped)

    kept = await create_user(keyed_uow, request_of(caller), CREATED)  # the key is free: it runs
    assert await exists(keyed_uow, kept)


async def test_a_failed_block_keeps_no_key(keyed_uow: KeyedUnitOfWork, caller: User) -> None:
    once = request_of(caller)

    async def failing_use_case() -> None:
        async with keyed_uow(once) as uow:
            await uow.users.create(UserFactory.build())
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        await failing_use_case()
    await once.settle(None)  # what the HTTP adapter does after any error: nothing is held

    assert await exists(keyed_uow, await create_user(keyed_uow, request_of(caller), CREATED))


async def test_the_key_with_another_request_is_refused_naming_the_header(
    keyed_uow: KeyedUnitOfWork, caller: User
) -> None:
    await create_user(keyed_uow, request_of(caller, body="first"), CREATED)

    with pytest.raises(ValidationFailed) as refused:
        await create_user(keyed_uow, request_of(caller, body="second"), CREATED)

    assert refused.value.field == IDEMPOTENCY_KEY_HEADER


async def test_an_expired_key_runs_again_and_another_callers_key_is_their_own(
    keyed_uow: KeyedUnitOfWork, caller: User
) -> None:
    await create_user(keyed_uow, request_of(caller), CREATED)
    other = UserFactory.build()
    async with keyed_uow(None) as uow:
        await uow.users.create(other)

    theirs = await create_user(keyed_uow, request_of(other), CREATED)
    later = await create_user(
        keyed_uow, request_of(caller, hours_later=KEY_LIFETIME / timedelta(hours=1)), CREATED
    )

    assert await exists(keyed_uow, theirs)
    assert await exists(keyed_uow, later)


async def test_a_repeat_while_the_first_runs_waits_and_replays_or_is_refused_at_once(
    keyed_uow: KeyedUnitOfWork, caller: User, backend: str
) -> None:
    """Never two changes. Where writers queue (memory, SQLite) the repeat begins after the first
    settled and replays it; on PostgreSQL it finds the key claimed and gets a conflict at once."""
    first = request_of(caller)
    async with keyed_uow(first) as uow:
        await uow.users.create(UserFactory.build())
    settled = False

    async def repeat() -> type[Exception]:
        try:
            await create_user(keyed_uow, request_of(caller), CREATED)
        except (Replay, Conflict) as error:
            if isinstance(error, Conflict):
                assert not settled, "a conflict only while the first is open"
            return type(error)
        raise AssertionError("the repeat ran a second time")

    second = asyncio.create_task(repeat())
    if backend == "postgresql":
        assert await second is Conflict
    settled = True
    await first.settle(CREATED)
    if backend != "postgresql":
        assert await second is Replay
