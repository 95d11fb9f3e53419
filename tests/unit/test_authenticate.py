import argon2
import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security.passwords import Argon2PasswordHasher
from application.users.authenticate import Authenticate, AuthenticateCommand
from domain.errors import AuthenticationFailed
from domain.users import User
from tests.unit.fakes import FakeClock, RecordingTokenIssuer, seed, stored

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def authenticate(
    uow: InMemoryUnitOfWork, hasher: Argon2PasswordHasher, tokens: RecordingTokenIssuer, clock: FakeClock
) -> Authenticate:
    return Authenticate(uow, hasher, tokens, clock)


async def seed_with_password(
    store: MemoryStore, hasher: Argon2PasswordHasher, password: str = PASSWORD, **fields: object
) -> User:
    return await seed(store, password_hash=await hasher.hash(password), **fields)


async def test_right_password_gives_a_token_for_that_user(
    authenticate: Authenticate, store: MemoryStore, hasher: Argon2PasswordHasher, tokens: RecordingTokenIssuer
) -> None:
    user = await seed_with_password(store, hasher, email=EMAIL)
    await seed_with_password(store, hasher)

    token = await authenticate.execute(AuthenticateCommand(EMAIL, PASSWORD))

    assert tokens.issued == [user.as_actor()]
    assert token.access_token.endswith(str(user.id))
    assert token.token_type == "bearer"


async def test_email_is_matched_ignoring_case_and_spaces(
    authenticate: Authenticate, store: MemoryStore, hasher: Argon2PasswordHasher, tokens: RecordingTokenIssuer
) -> None:
    user = await seed_with_password(store, hasher, email=EMAIL)

    await authenticate.execute(AuthenticateCommand("  ADA@Example.com ", PASSWORD))

    assert tokens.issued == [user.as_actor()]


@pytest.mark.parametrize(
    ("email", "password", "account"),
    [
        pytest.param(EMAIL, "wrong password", {}, id="wrong-password"),
        pytest.param("nobody@example.com", PASSWORD, {}, id="unknown-email"),
        pytest.param("not an email", PASSWORD, {}, id="malformed-email"),
        pytest.param(EMAIL, PASSWORD, {"is_active": False}, id="inactive-user"),
        pytest.param(EMAIL, PASSWORD, {"is_deleted": True}, id="deleted-user"),
    ],
)
async def test_every_sign_in_failure_gives_the_same_answer(
    store: MemoryStore,
    hasher: Argon2PasswordHasher,
    tokens: RecordingTokenIssuer,
    clock: FakeClock,
    email: str,
    password: str,
    account: dict[str, object],
) -> None:
    await seed(store, password_hash=await hasher.hash(PASSWORD), email=EMAIL, **account)
    await seed_with_password(store, hasher, email="other@example.com")
    authenticate = Authenticate(InMemoryUnitOfWork(store), hasher, tokens, clock)
    with pytest.raises(AuthenticationFailed) as reference:
        await authenticate.execute(AuthenticateCommand("other@example.com", "wrong password"))

    with pytest.raises(AuthenticationFailed) as error:
        await authenticate.execute(AuthenticateCommand(email, password))

    assert error.value.message == reference.value.message
    assert error.value.field == reference.value.field
    assert tokens.issued == []


async def test_a_re_registered_email_signs_in_the_new_user_only(
    authenticate: Authenticate, store: MemoryStore, hasher: Argon2PasswordHasher, tokens: RecordingTokenIssuer
) -> None:
    await seed_with_password(store, hasher, "the old user's secret", email=EMAIL, is_deleted=True)
    new_user = await seed_with_password(store, hasher, "the new user's secret", email=EMAIL)

    with pytest.raises(AuthenticationFailed):
        await authenticate.execute(AuthenticateCommand(EMAIL, "the old user's secret"))
    await authenticate.execute(AuthenticateCommand(EMAIL, "the new user's secret"))

    assert tokens.issued == [new_user.as_actor()]


async def test_a_current_hash_is_left_alone_on_sign_in(
    authenticate: Authenticate, store: MemoryStore, hasher: Argon2PasswordHasher
) -> None:
    user = await seed_with_password(store, hasher, email=EMAIL)

    await authenticate.execute(AuthenticateCommand(EMAIL, PASSWORD))

    assert await stored(store, user.id) == user


async def test_an_outdated_hash_is_replaced_on_sign_in(
    authenticate: Authenticate, store: MemoryStore, hasher: Argon2PasswordHasher, clock: FakeClock
) -> None:
    older = Argon2PasswordHasher(argon2.PasswordHasher(time_cost=2, memory_cost=32, parallelism=1))
    user = await seed_with_password(store, older, email=EMAIL, version=1)
    later = clock.advance()

    await authenticate.execute(AuthenticateCommand(EMAIL, PASSWORD))

    rehashed = await stored(store, user.id)
    assert rehashed is not None
    assert rehashed.password_hash != user.password_hash
    assert not hasher.needs_rehash(rehashed.password_hash)
    assert await hasher.verify(rehashed.password_hash, PASSWORD)
    assert (rehashed.version, rehashed.updated_at) == (2, later)
