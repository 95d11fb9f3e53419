"""A use case whose unit of work collided runs again from the start: at most three attempts, with
growing, jittered pauses, then the conflict goes to the caller. Only collisions are retried."""

import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.persistence.memory.users import InMemoryUserRepository
from adapters.security.passwords import Argon2PasswordHasher
from application.retries import FIRST_PAUSE_SECONDS, MAX_ATTEMPTS, RetryTransientConflicts
from application.users.register_user import RegisterUser, RegisterUserCommand
from domain.errors import Conflict, DomainError, StoreUnavailable, TransientConflict
from domain.users import User, UserRole
from tests.factories import unique_email
from tests.unit.fakes import FakeClock, all_stored, seed


class CollidingUsers(InMemoryUserRepository):
    """Stores the user, then fails as a database does when the transaction collides (or worse)."""

    def __init__(self, store: MemoryStore, failures: list[DomainError]) -> None:
        super().__init__(store)
        self._failures = failures

    async def create(self, user: User) -> None:
        await super().create(user)
        if self._failures:
            raise self._failures.pop(0)


class Pauses:
    """Records the pauses instead of sleeping them."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


@pytest.fixture
async def admin(store: MemoryStore) -> User:
    return await seed(store, role=UserRole.ADMIN)


def registering(
    store: MemoryStore, hasher: Argon2PasswordHasher, failures: list[DomainError]
) -> tuple[RegisterUser, InMemoryUnitOfWork]:
    uow = InMemoryUnitOfWork(store)
    uow.users = CollidingUsers(store, failures)
    return RegisterUser(uow, hasher, FakeClock()), uow


def collision() -> TransientConflict:
    return TransientConflict("the request collided with concurrent ones (deadlock)")


def command(admin: User, email: str) -> RegisterUserCommand:
    return RegisterUserCommand(
        actor=admin.as_actor(), email=email, full_name="Ada Lovelace", password="correct horse battery"
    )


async def test_two_collisions_then_the_third_attempt_registers_the_user_once(
    store: MemoryStore, hasher: Argon2PasswordHasher, admin: User
) -> None:
    use_case, uow = registering(store, hasher, [collision(), collision()])
    pauses = Pauses()
    retries = RetryTransientConflicts(sleep=pauses, jitter=lambda: 0.5)
    email = unique_email()

    user = await retries.around(use_case).execute(command(admin, email))

    # Each failed attempt was rolled back whole; the user exists once, as the last attempt made it.
    assert await all_stored(store) == [admin, user]
    assert user.email == email
    assert (uow.rolled_back, uow.committed) == (2, 1)
    assert (retries.retried, retries.gave_up) == (2, 0)
    assert pauses.taken == [FIRST_PAUSE_SECONDS, 2 * FIRST_PAUSE_SECONDS]


async def test_after_three_collisions_the_conflict_reaches_the_caller_and_nothing_is_stored(
    store: MemoryStore, hasher: Argon2PasswordHasher, admin: User
) -> None:
    use_case, uow = registering(store, hasher, [collision() for _ in range(MAX_ATTEMPTS + 1)])
    retries = RetryTransientConflicts(sleep=Pauses())

    with pytest.raises(TransientConflict) as raised:
        await retries.around(use_case).execute(command(admin, unique_email()))

    assert raised.value.message.endswith(f"gave up after {MAX_ATTEMPTS} attempts, try again")
    assert isinstance(raised.value, StoreUnavailable)  # a 503 over HTTP
    assert await all_stored(store) == [admin]
    assert (uow.rolled_back, uow.committed) == (MAX_ATTEMPTS, 0)
    assert (retries.retried, retries.gave_up) == (MAX_ATTEMPTS - 1, 1)


@pytest.mark.parametrize("jitter", [0.0, 0.999])
async def test_pauses_double_and_are_jittered_between_half_and_one_and_a_half_times(
    store: MemoryStore, hasher: Argon2PasswordHasher, admin: User, jitter: float
) -> None:
    use_case, _ = registering(store, hasher, [collision() for _ in range(MAX_ATTEMPTS)])
    pauses = Pauses()
    retries = RetryTransientConflicts(sleep=pauses, jitter=lambda: jitter)

    with pytest.raises(TransientConflict):
        await retries.around(use_case).execute(command(admin, unique_email()))

    assert len(pauses.taken) == MAX_ATTEMPTS - 1
    for attempt, pause in enumerate(pauses.taken):
        doubled = FIRST_PAUSE_SECONDS * 2**attempt
        assert 0.5 * doubled <= pause < 1.5 * doubled
        assert pause == pytest.approx(doubled * (0.5 + jitter))


@pytest.mark.parametrize(
    "failure",
    [
        StoreUnavailable("the database is unreachable; try again shortly"),
        Conflict("a user with this email already exists", field="email"),
    ],
    ids=["unavailable", "rule-violation"],
)
async def test_other_failures_are_not_retried(
    store: MemoryStore, hasher: Argon2PasswordHasher, admin: User, failure: DomainError
) -> None:
    """An outage lasts longer than a retry would wait (the client is told when to come back), and
    a broken rule stays broken: both leave after one attempt."""
    use_case, uow = registering(store, hasher, [failure])
    retries = RetryTransientConflicts(sleep=Pauses())

    with pytest.raises(type(failure)):
        await retries.around(use_case).execute(command(admin, unique_email()))

    assert uow.rolled_back == 1
    assert (retries.retried, retries.gave_up) == (0, 0)
    assert await all_stored(store) == [admin]
