from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from adapters.persistence.caller import Caller, confirm_caller
from adapters.persistence.idempotency import IdempotentRequest, StoredResponse
from adapters.persistence.memory.comments import InMemoryCommentRepository
from adapters.persistence.memory.history import InMemoryHistoryRepository
from adapters.persistence.memory.idempotency import claim_key, record_response
from adapters.persistence.memory.projects import InMemoryProjectRepository
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.tags import InMemoryTagRepository
from adapters.persistence.memory.tasks import InMemoryTaskRepository
from adapters.persistence.memory.users import InMemoryUserRepository
from adapters.persistence.memory.watchers import InMemoryWatcherRepository
from domain.comments import CommentRepository
from domain.history import HistoryRepository
from domain.projects import ProjectRepository, TagRepository
from domain.tasks import TaskRepository
from domain.users import UserRepository
from domain.watching import WatcherRepository


class InMemoryUnitOfWork:
    """A transaction on the memory store: a writer is exclusive while open and undone on any
    exception; a reader takes no lock and sees the last committed rows. With an Idempotency-Key,
    the writer claims it and hands its commit to the request, as SqlAlchemyUnitOfWork does."""

    def __init__(
        self, store: MemoryStore, caller: Caller | None = None, once: IdempotentRequest | None = None
    ) -> None:
        self._store = store
        self._caller = caller
        self._once = once
        self._claimed = False
        self.users: UserRepository = InMemoryUserRepository(store)
        self.projects: ProjectRepository = InMemoryProjectRepository(store)
        self.tags: TagRepository = InMemoryTagRepository(store)
        self.tasks: TaskRepository = InMemoryTaskRepository(store)
        self.comments: CommentRepository = InMemoryCommentRepository(store)
        self.history: HistoryRepository = InMemoryHistoryRepository(store)
        self.watchers: WatcherRepository = InMemoryWatcherRepository(store)
        self.committed = 0
        self.rolled_back = 0

    @asynccontextmanager
    async def read_only(self) -> AsyncIterator[None]:
        with self._store.reading():
            await confirm_caller(self.users, self._caller)
            yield

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        self._store.savepoint()
        try:
            yield
        except BaseException:
            self._store.rollback_to_savepoint()
            raise
        self._store.release_savepoint()

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._store.begin()
        try:
            await confirm_caller(self.users, self._caller)
            if self._once is not None and self._once.to_claim:
                claim_key(self._store, self._once)
                self._claimed = True
        except BaseException:
            self._store.rollback()
            self._store.lock.release()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        claimed, self._claimed = self._claimed, False
        if exc_type is None and claimed:
            # The writer lock stays held until the request settles.
            assert self._once is not None
            self._once.hold(self._settle)
            return
        self._end(commit=exc_type is None)

    async def _settle(self, response: StoredResponse | None) -> None:
        assert self._once is not None
        if response is not None:
            record_response(self._store, self._once, response)
        self._end(commit=response is not None)

    def _end(self, *, commit: bool) -> None:
        try:
            if commit:
                self._store.commit()
                self.committed += 1
            else:
                self._store.rollback()
                self.rolled_back += 1
        finally:
            self._store.lock.release()
