from types import TracebackType
from typing import Self

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.users import InMemoryUserRepository
from domain.users import UserRepository


class InMemoryUnitOfWork:
    """A transaction on the memory store: exclusive while open, undone on any exception."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.users: UserRepository = InMemoryUserRepository(store)
        self.committed = 0
        self.rolled_back = 0

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._store.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self._store.commit()
                self.committed += 1
            else:
                self._store.rollback()
                self.rolled_back += 1
        finally:
            self._store.lock.release()
