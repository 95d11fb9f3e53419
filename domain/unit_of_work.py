"""The transaction boundary a use case opens: everything inside commits together or not at all."""

from types import TracebackType
from typing import Protocol, Self

from domain.comments import CommentRepository
from domain.projects import ProjectRepository, TagRepository
from domain.tasks import TaskRepository
from domain.users import UserRepository


class UnitOfWork(Protocol):
    """`async with uow:` begins a transaction; leaving the block commits, an exception rolls back.

    Repositories are attributes so that a use case reaches every table through one transaction.
    Adapters translate their own constraint violations into domain errors on the way out.
    """

    users: UserRepository
    projects: ProjectRepository
    tags: TagRepository
    tasks: TaskRepository
    comments: CommentRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
