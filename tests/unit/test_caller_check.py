"""Every unit of work opened for a signed-in caller first confirms that the token still speaks for the
account: it exists, is not deleted, is active, holds the role the token names, and still has the
password the token was issued under."""

import pytest

from adapters.persistence.caller import Caller
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security.stamps import password_stamp
from domain.errors import AuthenticationFailed
from domain.ids import new_id
from domain.users import Actor, UserRole
from tests.unit.fakes import seed


async def test_a_unit_of_work_for_a_caller_whose_account_may_act_opens(store: MemoryStore) -> None:
    user = await seed(store, role=UserRole.ADMIN)
    uow = InMemoryUnitOfWork(store, Caller(Actor(id=user.id, role=UserRole.ADMIN)))

    async with uow:
        assert await uow.users.get_by_id(user.id) == user
    async with uow.read_only():
        assert await uow.users.get_by_id(user.id) == user


@pytest.mark.parametrize(
    ("account", "token_role"),
    [
        ({"is_active": False}, UserRole.MEMBER),
        ({"is_deleted": True}, UserRole.MEMBER),
        ({"role": UserRole.MEMBER}, UserRole.ADMIN),
        ({"role": UserRole.ADMIN}, UserRole.MEMBER),
    ],
    ids=["deactivated", "deleted", "demoted", "promoted"],
)
async def test_a_token_that_no_longer_speaks_for_its_account_opens_nothing(
    store: MemoryStore, account: dict[str, object], token_role: UserRole
) -> None:
    user = await seed(store, **{"role": UserRole.MEMBER, **account})
    uow = InMemoryUnitOfWork(store, Caller(Actor(id=user.id, role=token_role)))

    with pytest.raises(AuthenticationFailed):
        async with uow:
            pytest.fail("the block must not run")
    with pytest.raises(AuthenticationFailed):
        async with uow.read_only():
            pytest.fail("the block must not run")
    # Refusing released the writer lock: the next unit of work opens.
    async with InMemoryUnitOfWork(store):
        pass


async def test_a_token_for_an_unknown_account_opens_nothing(store: MemoryStore) -> None:
    uow = InMemoryUnitOfWork(store, Caller(Actor(id=new_id(), role=UserRole.MEMBER)))

    with pytest.raises(AuthenticationFailed):
        async with uow.read_only():
            pytest.fail("the block must not run")


async def test_a_token_stamped_for_a_password_the_account_no_longer_has_opens_nothing(
    store: MemoryStore,
) -> None:
    user = await seed(store, role=UserRole.MEMBER, password_hash="$argon2id$current")
    stale = Caller(Actor(id=user.id, role=UserRole.MEMBER), password_stamp("$argon2id$before"))
    current = Caller(Actor(id=user.id, role=UserRole.MEMBER), password_stamp("$argon2id$current"))

    with pytest.raises(AuthenticationFailed):
        async with InMemoryUnitOfWork(store, stale).read_only():
            pytest.fail("the block must not run")
    async with InMemoryUnitOfWork(store, current).read_only():
        pass
