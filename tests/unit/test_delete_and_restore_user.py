import dataclasses

import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.users.delete_user import DeleteUser, DeleteUserCommand
from application.users.get_user import GetUser, GetUserQuery
from application.users.list_users import ListUsers, ListUsersQuery
from application.users.restore_user import RestoreUser, RestoreUserCommand
from domain.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from domain.ids import new_id
from domain.users import User, UserRole
from tests.unit.fakes import FakeClock, seed, stored


@pytest.fixture
def delete(uow: InMemoryUnitOfWork, clock: FakeClock) -> DeleteUser:
    return DeleteUser(uow, clock)


@pytest.fixture
def restore(uow: InMemoryUnitOfWork, clock: FakeClock) -> RestoreUser:
    return RestoreUser(uow, clock)


@pytest.fixture
async def admin(store: MemoryStore) -> User:
    return await seed(store, role=UserRole.ADMIN)


async def assert_unchanged(store: MemoryStore, user: User) -> None:
    assert await stored(store, user.id) == user


async def test_soft_delete_keeps_the_row_and_bumps_version_and_updated_at(
    delete: DeleteUser, admin: User, store: MemoryStore, clock: FakeClock
) -> None:
    member = await seed(store, version=1)
    later = clock.advance()

    await delete.execute(DeleteUserCommand(admin.as_actor(), member.id))

    assert await stored(store, member.id) == dataclasses.replace(
        member, is_deleted=True, version=2, updated_at=later
    )


async def test_a_deleted_user_disappears_from_get_list_and_email_lookup(
    delete: DeleteUser, admin: User, store: MemoryStore
) -> None:
    member = await seed(store)

    await delete.execute(DeleteUserCommand(admin.as_actor(), member.id))

    with pytest.raises(NotFound):
        await GetUser(InMemoryUnitOfWork(store)).execute(GetUserQuery(admin.as_actor(), member.id))
    page = await ListUsers(InMemoryUnitOfWork(store)).execute(ListUsersQuery(admin.as_actor()))
    assert [user.id for user in page.items] == [admin.id]
    async with InMemoryUnitOfWork(store) as uow:
        assert await uow.users.get_by_email(member.email) is None


async def test_member_cannot_delete_themselves(delete: DeleteUser, store: MemoryStore) -> None:
    member = await seed(store)

    with pytest.raises(PermissionDenied):
        await delete.execute(DeleteUserCommand(member.as_actor(), member.id))

    await assert_unchanged(store, member)


async def test_member_cannot_delete_another_user_which_looks_missing(
    delete: DeleteUser, store: MemoryStore
) -> None:
    member = await seed(store)
    other = await seed(store)

    with pytest.raises(NotFound):
        await delete.execute(DeleteUserCommand(member.as_actor(), other.id))

    await assert_unchanged(store, other)


async def test_last_active_admin_cannot_be_deleted(
    delete: DeleteUser, admin: User, store: MemoryStore, uow: InMemoryUnitOfWork
) -> None:
    await seed(store, role=UserRole.ADMIN, is_active=False)

    with pytest.raises(Conflict):
        await delete.execute(DeleteUserCommand(admin.as_actor(), admin.id))

    assert uow.rolled_back == 1
    await assert_unchanged(store, admin)


async def test_an_admin_can_be_deleted_while_another_active_admin_exists(
    delete: DeleteUser, admin: User, store: MemoryStore
) -> None:
    other_admin = await seed(store, role=UserRole.ADMIN)

    await delete.execute(DeleteUserCommand(admin.as_actor(), other_admin.id))

    deleted = await stored(store, other_admin.id)
    assert deleted is not None
    assert deleted.is_deleted


async def test_delete_with_a_stale_expected_version_is_refused(
    delete: DeleteUser, admin: User, store: MemoryStore
) -> None:
    member = await seed(store, version=2)

    with pytest.raises(StaleVersion):
        await delete.execute(DeleteUserCommand(admin.as_actor(), member.id, expected_version=1))

    await assert_unchanged(store, member)


async def test_deleting_an_already_deleted_user_is_not_found(
    delete: DeleteUser, admin: User, store: MemoryStore
) -> None:
    deleted = await seed(store, is_deleted=True)

    with pytest.raises(NotFound):
        await delete.execute(DeleteUserCommand(admin.as_actor(), deleted.id))

    await assert_unchanged(store, deleted)


async def test_restore_brings_a_deleted_user_back_with_a_new_version(
    delete: DeleteUser, restore: RestoreUser, admin: User, store: MemoryStore, clock: FakeClock
) -> None:
    member = await seed(store, version=1)
    await delete.execute(DeleteUserCommand(admin.as_actor(), member.id))
    later = clock.advance()

    restored = await restore.execute(RestoreUserCommand(admin.as_actor(), member.id))

    assert (restored.is_deleted, restored.version, restored.updated_at) == (False, 3, later)
    found = await GetUser(InMemoryUnitOfWork(store)).execute(GetUserQuery(admin.as_actor(), member.id))
    assert found == restored


async def test_member_cannot_restore_users(restore: RestoreUser, store: MemoryStore) -> None:
    member = await seed(store)
    deleted = await seed(store, is_deleted=True)

    with pytest.raises(PermissionDenied):
        await restore.execute(RestoreUserCommand(member.as_actor(), deleted.id))

    await assert_unchanged(store, deleted)


async def test_restore_is_refused_while_a_live_user_holds_the_email(
    restore: RestoreUser, admin: User, store: MemoryStore, uow: InMemoryUnitOfWork
) -> None:
    deleted = await seed(store, email="shared@example.com", is_deleted=True)
    await seed(store, email="shared@example.com")

    with pytest.raises(Conflict) as error:
        await restore.execute(RestoreUserCommand(admin.as_actor(), deleted.id))

    assert error.value.field == "email"
    assert uow.rolled_back == 1
    await assert_unchanged(store, deleted)


async def test_restoring_a_user_who_is_not_deleted_changes_nothing(
    restore: RestoreUser, admin: User, store: MemoryStore, clock: FakeClock
) -> None:
    member = await seed(store)
    clock.advance()

    assert await restore.execute(RestoreUserCommand(admin.as_actor(), member.id)) == member
    await assert_unchanged(store, member)


async def test_restoring_an_unknown_id_is_not_found(restore: RestoreUser, admin: User) -> None:
    with pytest.raises(NotFound):
        await restore.execute(RestoreUserCommand(admin.as_actor(), new_id()))
