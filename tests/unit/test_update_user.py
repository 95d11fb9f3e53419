import dataclasses

import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security.passwords import Argon2PasswordHasher
from application.users.authenticate import Authenticate, AuthenticateCommand
from application.users.update_user import UpdateUser, UpdateUserCommand
from domain.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from domain.users import MIN_PASSWORD_LENGTH, User, UserRole
from tests.unit.fakes import FakeClock, RecordingTokenIssuer, seed, stored


@pytest.fixture
def update(uow: InMemoryUnitOfWork, hasher: Argon2PasswordHasher, clock: FakeClock) -> UpdateUser:
    return UpdateUser(uow, hasher, clock)


@pytest.fixture
async def admin(store: MemoryStore) -> User:
    return await seed(store, role=UserRole.ADMIN)


async def assert_unchanged(store: MemoryStore, user: User) -> None:
    assert await stored(store, user.id) == user


async def test_admin_renames_a_user_bumping_version_and_updated_at(
    update: UpdateUser, admin: User, store: MemoryStore, clock: FakeClock
) -> None:
    member = await seed(store, version=1)
    later = clock.advance()

    user = await update.execute(UpdateUserCommand(admin.as_actor(), member.id, full_name="Grace Hopper"))

    assert user.full_name == "Grace Hopper"
    assert (user.version, user.updated_at, user.created_at) == (2, later, member.created_at)
    assert await stored(store, member.id) == user


async def test_fields_not_given_stay_as_they_were(
    update: UpdateUser, admin: User, store: MemoryStore
) -> None:
    member = await seed(store)

    user = await update.execute(UpdateUserCommand(admin.as_actor(), member.id, is_active=False))

    assert user == dataclasses.replace(member, is_active=False, version=2, updated_at=user.updated_at)


async def test_several_changes_in_one_request_bump_the_version_once(
    update: UpdateUser, admin: User, store: MemoryStore
) -> None:
    member = await seed(store, version=1)

    user = await update.execute(
        UpdateUserCommand(
            admin.as_actor(), member.id, email="new@example.com", full_name="New Name", role=UserRole.ADMIN
        )
    )

    assert (user.email, user.full_name, user.role, user.version) == (
        "new@example.com",
        "New Name",
        UserRole.ADMIN,
        2,
    )


async def test_each_real_change_bumps_the_version_by_one_and_moves_updated_at(
    update: UpdateUser, admin: User, store: MemoryStore, clock: FakeClock
) -> None:
    member = await seed(store, version=1)

    first_time = clock.advance()
    first = await update.execute(UpdateUserCommand(admin.as_actor(), member.id, full_name="First"))
    assert (first.version, first.updated_at) == (2, first_time)

    second_time = clock.advance()
    second = await update.execute(UpdateUserCommand(admin.as_actor(), member.id, full_name="Second"))
    assert (second.version, second.updated_at) == (3, second_time)


async def test_a_request_that_changes_nothing_keeps_version_and_updated_at(
    update: UpdateUser, admin: User, store: MemoryStore, clock: FakeClock
) -> None:
    member = await seed(store, email="ada@example.com", full_name="Ada Lovelace")
    clock.advance()

    user = await update.execute(
        UpdateUserCommand(
            admin.as_actor(),
            member.id,
            email=" ADA@Example.com",
            full_name="Ada  Lovelace",
            role=member.role,
            is_active=member.is_active,
        )
    )

    assert user == member
    await assert_unchanged(store, member)


async def test_an_empty_request_changes_nothing(update: UpdateUser, admin: User, store: MemoryStore) -> None:
    member = await seed(store)

    assert await update.execute(UpdateUserCommand(admin.as_actor(), member.id)) == member
    await assert_unchanged(store, member)


async def test_member_changes_their_own_name_and_password(
    update: UpdateUser, store: MemoryStore, hasher: Argon2PasswordHasher
) -> None:
    member = await seed(store, email="me@example.com")

    user = await update.execute(
        UpdateUserCommand(
            member.as_actor(),
            member.id,
            email=" ME@example.com",  # their own, as a form sends it back: no change
            full_name="Me Myself",
            password="a brand new secret",
        )
    )

    assert (user.email, user.full_name, user.version) == ("me@example.com", "Me Myself", 2)
    assert await hasher.verify(user.password_hash, "a brand new secret")


@pytest.mark.parametrize("email", ["free@example.com", "taken@example.com"])
async def test_member_cannot_change_their_own_email_and_cannot_tell_whether_it_is_taken(
    update: UpdateUser, store: MemoryStore, email: str
) -> None:
    await seed(store, email="taken@example.com")
    member = await seed(store)

    with pytest.raises(PermissionDenied) as refused:
        await update.execute(UpdateUserCommand(member.as_actor(), member.id, email=email, full_name="X"))

    assert (refused.value.field, refused.value.message) == (
        "email",
        "an administrator changes email addresses",
    )
    await assert_unchanged(store, member)


@pytest.mark.parametrize("change", [{"role": UserRole.ADMIN}, {"is_active": False}])
async def test_member_cannot_change_their_own_role_or_active_flag(
    update: UpdateUser, store: MemoryStore, change: dict[str, object]
) -> None:
    member = await seed(store)

    with pytest.raises(PermissionDenied):
        await update.execute(UpdateUserCommand(member.as_actor(), member.id, **change))  # type: ignore[arg-type]

    await assert_unchanged(store, member)


async def test_member_cannot_update_another_user_which_looks_missing(
    update: UpdateUser, store: MemoryStore
) -> None:
    member = await seed(store)
    other = await seed(store)

    with pytest.raises(NotFound):
        await update.execute(UpdateUserCommand(member.as_actor(), other.id, full_name="Hijacked"))

    await assert_unchanged(store, other)


async def test_a_deleted_user_cannot_be_updated(update: UpdateUser, admin: User, store: MemoryStore) -> None:
    deleted = await seed(store, is_deleted=True)

    with pytest.raises(NotFound):
        await update.execute(UpdateUserCommand(admin.as_actor(), deleted.id, full_name="Ghost"))

    await assert_unchanged(store, deleted)


async def test_email_of_another_live_user_in_any_case_is_a_conflict_and_rolls_back(
    update: UpdateUser, admin: User, store: MemoryStore, uow: InMemoryUnitOfWork
) -> None:
    member = await seed(store)
    other = await seed(store, email="taken@example.com")

    with pytest.raises(Conflict) as error:
        await update.execute(
            UpdateUserCommand(admin.as_actor(), member.id, email="TAKEN@example.com", full_name="Changed")
        )

    assert error.value.field == "email"
    assert (uow.committed, uow.rolled_back) == (0, 1)
    await assert_unchanged(store, member)
    await assert_unchanged(store, other)


async def test_email_of_a_soft_deleted_user_can_be_taken(
    update: UpdateUser, admin: User, store: MemoryStore
) -> None:
    member = await seed(store)
    await seed(store, email="freed@example.com", is_deleted=True)

    user = await update.execute(UpdateUserCommand(admin.as_actor(), member.id, email="freed@example.com"))

    assert user.email == "freed@example.com"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "no-at-sign"}, "email"),
        ({"full_name": "  "}, "full_name"),
        ({"password": "p" * (MIN_PASSWORD_LENGTH - 1)}, "password"),
    ],
)
async def test_invalid_values_are_refused_and_nothing_changes(
    update: UpdateUser, admin: User, store: MemoryStore, change: dict[str, str], field: str
) -> None:
    member = await seed(store)

    with pytest.raises(ValidationFailed) as error:
        await update.execute(UpdateUserCommand(admin.as_actor(), member.id, **change))  # type: ignore[arg-type]

    assert error.value.field == field
    await assert_unchanged(store, member)


async def test_stale_expected_version_is_refused(
    update: UpdateUser, admin: User, store: MemoryStore, uow: InMemoryUnitOfWork
) -> None:
    member = await seed(store, version=3)

    with pytest.raises(StaleVersion):
        await update.execute(
            UpdateUserCommand(admin.as_actor(), member.id, expected_version=2, full_name="Late")
        )

    assert uow.rolled_back == 1
    await assert_unchanged(store, member)


async def test_current_expected_version_is_accepted(
    update: UpdateUser, admin: User, store: MemoryStore
) -> None:
    member = await seed(store, version=3)

    user = await update.execute(
        UpdateUserCommand(admin.as_actor(), member.id, expected_version=3, full_name="On Time")
    )

    assert user.version == 4


@pytest.mark.parametrize("change", [{"role": UserRole.MEMBER}, {"is_active": False}])
async def test_last_active_admin_cannot_be_demoted_or_deactivated(
    update: UpdateUser, admin: User, store: MemoryStore, change: dict[str, object]
) -> None:
    with pytest.raises(Conflict):
        await update.execute(UpdateUserCommand(admin.as_actor(), admin.id, **change))  # type: ignore[arg-type]

    await assert_unchanged(store, admin)


@pytest.mark.parametrize("change", [{"role": UserRole.MEMBER}, {"is_active": False}])
async def test_an_admin_can_be_demoted_or_deactivated_while_another_active_admin_exists(
    update: UpdateUser, admin: User, store: MemoryStore, change: dict[str, object]
) -> None:
    await seed(store, role=UserRole.ADMIN)

    user = await update.execute(UpdateUserCommand(admin.as_actor(), admin.id, **change))  # type: ignore[arg-type]

    assert not user.is_active_admin


@pytest.mark.parametrize("other_admin", [{"is_active": False}, {"is_deleted": True}])
async def test_inactive_or_deleted_admins_do_not_count_towards_the_last_admin_rule(
    update: UpdateUser, admin: User, store: MemoryStore, other_admin: dict[str, object]
) -> None:
    await seed(store, role=UserRole.ADMIN, **other_admin)

    with pytest.raises(Conflict):
        await update.execute(UpdateUserCommand(admin.as_actor(), admin.id, role=UserRole.MEMBER))


async def test_admin_deactivates_a_member(update: UpdateUser, admin: User, store: MemoryStore) -> None:
    member = await seed(store)

    user = await update.execute(UpdateUserCommand(admin.as_actor(), member.id, is_active=False))

    assert user.is_active is False


async def test_after_a_password_change_only_the_new_password_signs_in(
    update: UpdateUser,
    store: MemoryStore,
    uow: InMemoryUnitOfWork,
    hasher: Argon2PasswordHasher,
    tokens: RecordingTokenIssuer,
    clock: FakeClock,
) -> None:
    member = await seed(store, email="ada@example.com", password_hash=await hasher.hash("the old secret"))
    authenticate = Authenticate(uow, hasher, tokens, clock)

    await update.execute(UpdateUserCommand(member.as_actor(), member.id, password="the new secret"))

    with pytest.raises(AuthenticationFailed):
        await authenticate.execute(AuthenticateCommand("ada@example.com", "the old secret"))
    await authenticate.execute(AuthenticateCommand("ada@example.com", "the new secret"))
    assert tokens.issued == [member.as_actor()]
