from types import TracebackType
from typing import Self

from adapters.persistence.memory.comments import InMemoryCommentRepository
from adapters.persistence.memory.projects import InMemoryProjectRepository
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.tags import InMemoryTagRepository
from adapters.persistence.memory.tasks import InMemoryTaskRepository
from adapters.persistence.memory.users import InMemoryUserRepository
from domain.comments import CommentRepository
from domain.projects import ProjectRepository, TagRepository
from domain.tasks import TaskRepository
from domain.users import UserRepository


class InMemoryUnitOfWork:
    """A transaction on the memory store: exclusive while open, undone on any exception."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.users: UserRepository = InMemoryUserRepository(store)
        self.projects: ProjectRepository = InMemoryProjectRepository(store)
        self.tags: TagRepository = InMemoryTagRepository(store)
        self.tasks: TaskRepository = InMemoryTaskRepository(store)
        self.comments: CommentRepository = InMemoryCommentRepository(store)
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
