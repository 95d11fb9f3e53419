import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.users.get_user import GetUser, GetUserQuery
from domain.errors import NotFound
from domain.ids import new_id
from domain.users import UserRole
from tests.unit.fakes import seed


@pytest.fixture
def get_user(uow: InMemoryUnitOfWork) -> GetUser:
    return GetUser(uow)


async def test_member_reads_themselves(get_user: GetUser, store: MemoryStore) -> None:
    member = await seed(store)

    assert await get_user.execute(GetUserQuery(member.as_actor(), member.id)) == member


async def test_member_cannot_read_another_user_and_is_told_it_does_not_exist(
    get_user: GetUser, store: MemoryStore
) -> None:
    member = await seed(store)
    other = await seed(store)

    with pytest.raises(NotFound) as hidden:
        await get_user.execute(GetUserQuery(member.as_actor(), other.id))
    with pytest.raises(NotFound) as missing:
        await get_user.execute(GetUserQuery(member.as_actor(), new_id()))

    assert hidden.value.message == missing.value.message


async def test_admin_reads_any_user(get_user: GetUser, store: MemoryStore) -> None:
    admin = await seed(store, role=UserRole.ADMIN)
    member = await seed(store)

    assert await get_user.execute(GetUserQuery(admin.as_actor(), member.id)) == member


async def test_unknown_id_is_not_found_for_an_admin(get_user: GetUser, store: MemoryStore) -> None:
    admin = await seed(store, role=UserRole.ADMIN)

    with pytest.raises(NotFound):
        await get_user.execute(GetUserQuery(admin.as_actor(), new_id()))


async def test_deleted_user_is_not_found_unless_an_admin_asks_for_deleted_users(
    get_user: GetUser, store: MemoryStore
) -> None:
    admin = await seed(store, role=UserRole.ADMIN)
    deleted = await seed(store, is_deleted=True)

    with pytest.raises(NotFound):
        await get_user.execute(GetUserQuery(admin.as_actor(), deleted.id))
    found = await get_user.execute(GetUserQuery(admin.as_actor(), deleted.id, include_deleted=True))

    assert found == deleted


async def test_include_deleted_is_ignored_for_members(get_user: GetUser, store: MemoryStore) -> None:
    deleted_member = await seed(store, is_deleted=True)

    with pytest.raises(NotFound):
        await get_user.execute(
            GetUserQuery(deleted_member.as_actor(), deleted_member.id, include_deleted=True)
        )
