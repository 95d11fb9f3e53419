"""Use-case tests run on the memory adapter with a fake clock: no database, no waiting."""

import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.security.passwords import Argon2PasswordHasher
from tests.unit.fakes import FakeClock, RecordingTokenIssuer


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def uow(store: MemoryStore) -> InMemoryUnitOfWork:
    """The unit of work handed to the use case under test; its counters say what it did."""
    return InMemoryUnitOfWork(store)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher.fast_for_tests()


@pytest.fixture
def tokens() -> RecordingTokenIssuer:
    return RecordingTokenIssuer()
