"""UserRepository: the same behaviour on memory, SQLite and PostgreSQL."""

import copy
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Conflict, StaleVersion
from domain.ids import new_id
from domain.users import Actor, Standing, User, UserChanges, UserFilters, UserRepository, UserRole
from tests.conftest import UnitOfWorkFactory
from tests.contract.storage import all_ids, fetch, fetch_by_email, now, store, update
from tests.factories import UserFactory, unique_email


async def soft_delete(uow_factory: UnitOfWorkFactory, user: User) -> None:
    async with uow_factory() as uow:
        user.delete(now())
        await uow.users.soft_delete(user)


async def restore(uow_factory: UnitOfWorkFactory, user: User) -> None:
    async with uow_factory() as uow:
        user.restore(now())
        await uow.users.restore(user)


async def test_created_user_reads_back_equal_in_every_field(uow_factory: UnitOfWorkFactory) -> None:
    user = UserFactory.build(
        role=UserRole.ADMIN,
        is_active=False,
        version=7,
        created_at=datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC),
        updated_at=datetime(2026, 3, 5, 1, 2, 3, 1, tzinfo=UTC),
    )
    await store(uow_factory, user)

    stored = await fetch(uow_factory, user.id)

    assert stored == user
    assert stored is not None
    for instant in (stored.created_at, stored.updated_at):
        assert instant.utcoffset() == timedelta(0)
    assert (stored.created_at.microsecond, stored.updated_at.microsecond) == (890123, 1)


async def test_user_is_found_by_email(uow_factory: UnitOfWorkFactory) -> None:
    user, other = UserFactory.batch(2)
    await store(uow_factory, user, other)

    assert await fetch_by_email(uow_factory, user.email) == user


async def test_unknown_id_and_email_find_nobody(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, UserFactory.build())

    assert await fetch(uow_factory, new_id()) is None
    assert await fetch(uow_factory, new_id(), include_deleted=True) is None
    assert await fetch_by_email(uow_factory, unique_email()) is None


async def test_soft_deleted_user_is_hidden_unless_asked_for(uow_factory: UnitOfWorkFactory) -> None:
    user, bystander = UserFactory.batch(2)
    await store(uow_factory, user, bystander)

    await soft_delete(uow_factory, user)

    assert await fetch(uow_factory, user.id) is None
    assert await fetch_by_email(uow_factory, user.email) is None
    assert await all_ids(uow_factory) == {bystander.id}
    assert await fetch(uow_factory, user.id, include_deleted=True) == user
    assert await all_ids(uow_factory, UserFilters(include_deleted=True)) == {user.id, bystander.id}


async def test_restored_user_is_visible_again(uow_factory: UnitOfWorkFactory) -> None:
    user = UserFactory.build()
    await store(uow_factory, user)
    await soft_delete(uow_factory, user)

    await restore(uow_factory, user)

    assert user.version == 3
    assert await fetch(uow_factory, user.id) == user
    assert await fetch_by_email(uow_factory, user.email) == user
    assert await all_ids(uow_factory) == {user.id}


async def test_second_live_user_with_an_email_is_refused_and_nothing_is_written(
    uow_factory: UnitOfWorkFactory,
) -> None:
    holder = UserFactory.build()
    await store(uow_factory, holder)
    innocent = UserFactory.build()
    duplicate = UserFactory.build(email=holder.email)

    with pytest.raises(Conflict) as raised:
        await store(uow_factory, innocent, duplicate)

    assert raised.value.field == "email"
    assert await all_ids(uow_factory, UserFilters(include_deleted=True)) == {holder.id}
    assert await fetch_by_email(uow_factory, holder.email) == holder


async def test_email_of_a_soft_deleted_user_can_be_registered_again(uow_factory: UnitOfWorkFactory) -> None:
    former = UserFactory.build()
    await store(uow_factory, former)
    await soft_delete(uow_factory, former)
    successor = UserFactory.build(email=former.email)

    await store(uow_factory, successor)

    assert await fetch_by_email(uow_factory, former.email) == successor
    assert await fetch(uow_factory, former.id, include_deleted=True) == former


async def test_restoring_a_user_whose_email_was_taken_meanwhile_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    former = UserFactory.build()
    await store(uow_factory, former)
    await soft_delete(uow_factory, former)
    await store(uow_factory, successor := UserFactory.build(email=former.email))
    deleted = copy.copy(former)

    with pytest.raises(Conflict) as raised:
        await restore(uow_factory, former)

    assert raised.value.field == "email"
    assert await fetch(uow_factory, former.id, include_deleted=True) == deleted
    assert await fetch_by_email(uow_factory, former.email) == successor


async def test_changing_email_to_one_held_by_a_live_user_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    user, holder = UserFactory.batch(2)
    await store(uow_factory, user, holder)
    before = copy.copy(user)
    user.apply(UserChanges(email=holder.email), now())

    with pytest.raises(Conflict) as raised:
        await update(uow_factory, user)

    assert raised.value.field == "email"
    assert await fetch(uow_factory, user.id) == before


async def test_update_persists_every_changed_field(uow_factory: UnitOfWorkFactory) -> None:
    user = UserFactory.build(role=UserRole.MEMBER, is_active=True)
    await store(uow_factory, user)
    changes = UserChanges(
        email=unique_email(),
        full_name="Grace Hopper",
        role=UserRole.ADMIN,
        is_active=False,
        password_hash="$argon2id$v=19$m=64,t=1,p=1$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g",
    )

    async with uow_factory() as uow:
        read = await uow.users.get_by_id(user.id)
        assert read is not None
        read.apply(changes, datetime(2026, 6, 1, 12, 0, 0, 654321, tzinfo=UTC))
        await uow.users.update(read)

    assert read.version == 2
    assert await fetch(uow_factory, user.id) == read
    assert await fetch_by_email(uow_factory, user.email) is None


Operation = Callable[[UserRepository, User], Awaitable[None]]


async def _update(users: UserRepository, user: User) -> None:
    user.apply(UserChanges(full_name="Too Late"), now())
    await users.update(user)


async def _soft_delete(users: UserRepository, user: User) -> None:
    user.delete(now())
    await users.soft_delete(user)


async def _restore(users: UserRepository, user: User) -> None:
    user.restore(now())
    await users.restore(user)


@pytest.mark.parametrize("operation", [_update, _soft_delete, _restore], ids=lambda op: op.__name__[1:])
async def test_change_from_a_stale_read_is_refused_and_writes_nothing(
    uow_factory: UnitOfWorkFactory, operation: Operation
) -> None:
    user = UserFactory.build(is_deleted=operation is _restore)
    await store(uow_factory, user)
    stale = copy.copy(user)
    user.apply(UserChanges(full_name="First Writer"), now())
    await update(uow_factory, user)
    bystander = UserFactory.build()

    async def create_bystander_then_change_stale_user() -> None:
        async with uow_factory() as uow:
            await uow.users.create(bystander)
            await operation(uow.users, stale)

    with pytest.raises(StaleVersion):
        await create_bystander_then_change_stale_user()

    assert await fetch(uow_factory, user.id, include_deleted=True) == user
    assert await fetch(uow_factory, bystander.id) is None


async def test_change_without_a_version_bump_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    user = UserFactory.build()
    await store(uow_factory, user)
    unbumped = copy.copy(user)
    unbumped.full_name = "Sneaky Change"

    with pytest.raises(StaleVersion):
        await update(uow_factory, unbumped)

    assert await fetch(uow_factory, user.id) == user


async def test_active_admin_ids_lists_only_active_live_admins(uow_factory: UnitOfWorkFactory) -> None:
    admins = UserFactory.batch(2, role=UserRole.ADMIN)
    await store(
        uow_factory,
        *admins,
        UserFactory.build(role=UserRole.ADMIN, is_active=False),
        UserFactory.build(role=UserRole.ADMIN, is_deleted=True),
        UserFactory.build(role=UserRole.MEMBER),
    )

    async with uow_factory() as uow:
        ids = await uow.users.active_admin_ids()

    assert sorted(ids) == sorted(admin.id for admin in admins)


async def test_find_standing_names_the_current_role_and_password_of_an_account_that_may_sign_in(
    uow_factory: UnitOfWorkFactory,
) -> None:
    active, deactivated, deleted = UserFactory.batch(3)
    active.role = UserRole.MEMBER
    deactivated.is_active = False
    deleted.is_deleted = True
    await store(uow_factory, active, deactivated, deleted)
    promoted = await fetch(uow_factory, active.id)
    assert promoted is not None
    promoted.apply(UserChanges(role=UserRole.ADMIN, password_hash="$argon2id$new"), now())
    await update(uow_factory, promoted)

    async with uow_factory() as uow:
        found = [await uow.users.find_standing(user.id) for user in (active, deactivated, deleted)]
        unknown = await uow.users.find_standing(UserFactory.build().id)

    assert found == [Standing(Actor(id=active.id, role=UserRole.ADMIN), "$argon2id$new"), None, None]
    assert unknown is None
