"""The transaction boundary a use case opens: everything inside commits together or not at all."""

from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Protocol, Self

from domain.comments import CommentRepository
from domain.history import HistoryRepository
from domain.projects import ProjectRepository, TagRepository
from domain.tasks import TaskRepository
from domain.users import UserRepository
from domain.watching import WatcherRepository


class WriteInReadOnlyUnitOfWork(RuntimeError):
    """A use case wrote inside `read_only()`: a programming error, refused alike by every adapter."""


class StorageFailure(RuntimeError):
    """The store failed for a reason that is no rule of ours and no fault of the caller's.

    The message says which statement failed and how (an error class or code), never with what
    values: those may be passwords, their hashes or anything else a request carried.
    """


class UnitOfWork(Protocol):
    """`async with uow:` begins a transaction; leaving the block commits, an exception rolls back.

    `async with uow.read_only():` begins a transaction that only reads: it sees one consistent
    snapshot of the data (a page and its total agree), takes no write lock, and refuses writes
    (WriteInReadOnlyUnitOfWork).

    `async with uow.savepoint():` inside a writing unit of work: what the block writes (and
    records in `history`) is undone alone when it raises, and the rest of the unit of work goes on.

    Repositories are attributes so that a use case reaches every table through one transaction.
    `history` is where a use case records what it changed: the unit of work writes those entries
    with the change, in its own transaction, as it commits.
    Adapters translate their own constraint violations into domain errors on the way out, and any
    other failure of the store into StorageFailure. A unit
    of work opened on behalf of a signed-in caller first confirms, inside the same transaction,
    that the caller's token still speaks for their account (else AuthenticationFailed).
    """

    users: UserRepository
    projects: ProjectRepository
    tags: TagRepository
    tasks: TaskRepository
    comments: CommentRepository
    history: HistoryRepository
    watchers: WatcherRepository

    def read_only(self) -> AbstractAsyncContextManager[None]: ...

    def savepoint(self) -> AbstractAsyncContextManager[None]: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
