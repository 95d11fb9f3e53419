"""Users survive the trip to the ORM model and back, and through every adapter, field for field."""

import itertools
from datetime import UTC, timedelta

import pytest

from adapters.persistence.sqlalchemy.mappers import copy_user_onto_model, user_from_model, user_to_model
from domain.users import User, UserRole
from tests.conftest import UnitOfWorkFactory
from tests.factories import UserFactory


def varied_users() -> list[User]:
    """One user per combination of role, active and deleted.

    Within each user created_at and updated_at differ (down to the microsecond), and versions differ
    between users, so a mapper that swapped or dropped a field would show it.
    """
    users = []
    for number, (role, is_active, is_deleted) in enumerate(
        itertools.product(UserRole, (True, False), (True, False)), start=1
    ):
        user = UserFactory.build(role=role, is_active=is_active, is_deleted=is_deleted, version=number + 1)
        user.updated_at = user.created_at + timedelta(days=number, microseconds=123_457 * number)
        users.append(user)
    return users


@pytest.mark.parametrize(
    "user", varied_users(), ids=lambda user: f"{user.role}-active={user.is_active}-deleted={user.is_deleted}"
)
def test_user_to_model_and_back_is_the_same_user(user: User) -> None:
    assert user_from_model(user_to_model(user)) == user


def test_copying_a_user_onto_a_model_replaces_every_field_but_the_id() -> None:
    users = varied_users()
    original, changed = users[0], users[-1]  # every field differs, from role to version
    changed.id = original.id
    changed.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g"
    model = user_to_model(original)

    copy_user_onto_model(changed, model)

    assert user_from_model(model) == changed


async def test_users_read_back_exactly_as_they_were_stored(uow_factory: UnitOfWorkFactory) -> None:
    users = varied_users()
    async with uow_factory() as uow:
        for user in users:
            await uow.users.create(user)

    async with uow_factory() as uow:
        loaded = [await uow.users.get_by_id(user.id, include_deleted=True) for user in users]

    assert loaded == users
    for stored in loaded:
        assert stored is not None
        assert stored.created_at.tzinfo is UTC
        assert stored.updated_at.tzinfo is UTC


async def test_an_updated_user_reads_back_with_every_changed_field(uow_factory: UnitOfWorkFactory) -> None:
    user = UserFactory.build(role=UserRole.MEMBER, is_active=True)
    async with uow_factory() as uow:
        await uow.users.create(user)

    changed = UserFactory.build(
        id=user.id,
        role=UserRole.ADMIN,
        is_active=False,
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g",
        created_at=user.created_at,
        updated_at=user.updated_at + timedelta(hours=1, microseconds=1),
        version=user.version + 1,
    )
    async with uow_factory() as uow:
        await uow.users.update(changed)

    async with uow_factory() as uow:
        loaded = await uow.users.get_by_id(user.id)

    assert loaded == changed
