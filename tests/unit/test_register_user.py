import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security.passwords import Argon2PasswordHasher
from application.users.register_user import RegisterUser, RegisterUserCommand
from domain.errors import Conflict, PermissionDenied, ValidationFailed
from domain.users import MIN_PASSWORD_LENGTH, Actor, User, UserRole
from tests.factories import unique_email
from tests.unit.fakes import FakeClock, all_stored, seed, stored

PASSWORD = "correct horse battery staple"


@pytest.fixture
def register(uow: InMemoryUnitOfWork, hasher: Argon2PasswordHasher, clock: FakeClock) -> RegisterUser:
    return RegisterUser(uow, hasher, clock)


@pytest.fixture
async def admin(store: MemoryStore) -> User:
    return await seed(store, role=UserRole.ADMIN)


def command(actor: Actor, **overrides: object) -> RegisterUserCommand:
    fields: dict[str, object] = {"email": unique_email(), "full_name": "Ada Lovelace", "password": PASSWORD}
    fields.update(overrides)
    return RegisterUserCommand(actor=actor, **fields)  # type: ignore[arg-type]


async def test_admin_registers_an_active_member_at_version_1_stamped_with_the_clock(
    register: RegisterUser, admin: User, store: MemoryStore, clock: FakeClock, uow: InMemoryUnitOfWork
) -> None:
    user = await register.execute(command(admin.as_actor(), full_name="  Ada   Lovelace "))

    assert (user.role, user.is_active, user.is_deleted) == (UserRole.MEMBER, True, False)
    assert user.full_name == "Ada Lovelace"
    assert user.version == 1
    assert user.created_at == user.updated_at == clock.now()
    assert await stored(store, user.id) == user
    assert uow.committed == 1


async def test_admin_can_register_another_admin(register: RegisterUser, admin: User) -> None:
    user = await register.execute(command(admin.as_actor(), role=UserRole.ADMIN))

    assert user.role is UserRole.ADMIN


async def test_registered_users_get_distinct_version_7_ids(register: RegisterUser, admin: User) -> None:
    first = await register.execute(command(admin.as_actor()))
    second = await register.execute(command(admin.as_actor()))

    assert (first.id.version, second.id.version) == (7, 7)
    assert first.id != second.id


async def test_member_cannot_register_users(register: RegisterUser, store: MemoryStore) -> None:
    member = await seed(store)

    with pytest.raises(PermissionDenied):
        await register.execute(command(member.as_actor()))

    assert await all_stored(store) == [member]


async def test_email_is_stored_trimmed_and_lower_case(register: RegisterUser, admin: User) -> None:
    user = await register.execute(command(admin.as_actor(), email="  Ada.Lovelace@Example.COM "))

    assert user.email == "ada.lovelace@example.com"


async def test_duplicate_email_in_any_case_is_a_conflict_and_writes_nothing(
    register: RegisterUser, admin: User, store: MemoryStore, uow: InMemoryUnitOfWork
) -> None:
    existing = await seed(store, email="grace@example.com")

    with pytest.raises(Conflict) as error:
        await register.execute(command(admin.as_actor(), email=" GRACE@Example.com"))

    assert error.value.field == "email"
    assert await all_stored(store) == [admin, existing]
    assert (uow.committed, uow.rolled_back) == (0, 1)


async def test_email_of_a_soft_deleted_user_can_be_registered_again(
    register: RegisterUser, admin: User, store: MemoryStore
) -> None:
    deleted = await seed(store, email="grace@example.com", is_deleted=True)

    user = await register.execute(command(admin.as_actor(), email="Grace@example.com"))

    assert user.id != deleted.id
    assert user.email == "grace@example.com"
    assert await stored(store, deleted.id) == deleted


async def test_short_password_is_refused_and_nothing_is_written(
    register: RegisterUser, admin: User, store: MemoryStore
) -> None:
    with pytest.raises(ValidationFailed) as error:
        await register.execute(command(admin.as_actor(), password="p" * (MIN_PASSWORD_LENGTH - 1)))

    assert error.value.field == "password"
    assert await all_stored(store) == [admin]


async def test_password_of_the_minimum_length_is_accepted(register: RegisterUser, admin: User) -> None:
    user = await register.execute(command(admin.as_actor(), password="p" * MIN_PASSWORD_LENGTH))

    assert user.version == 1


@pytest.mark.parametrize(("field", "value"), [("email", "not-an-email"), ("full_name", "   ")])
async def test_invalid_email_or_name_is_refused_and_nothing_is_written(
    register: RegisterUser, admin: User, store: MemoryStore, field: str, value: str
) -> None:
    with pytest.raises(ValidationFailed) as error:
        await register.execute(command(admin.as_actor(), **{field: value}))

    assert error.value.field == field
    assert await all_stored(store) == [admin]


async def test_password_is_stored_only_as_a_hash_that_verifies(
    register: RegisterUser, admin: User, store: MemoryStore, hasher: Argon2PasswordHasher
) -> None:
    user = await register.execute(command(admin.as_actor()))

    saved = await stored(store, user.id)
    assert saved is not None
    assert PASSWORD not in saved.password_hash
    assert saved.password_hash.startswith("$argon2id$")
    assert await hasher.verify(saved.password_hash, PASSWORD)
    assert not await hasher.verify(saved.password_hash, PASSWORD + "!")
