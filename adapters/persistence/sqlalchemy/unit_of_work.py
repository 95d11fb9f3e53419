from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

from adapters.persistence.sqlalchemy.comments import SqlAlchemyCommentRepository
from adapters.persistence.sqlalchemy.errors import to_domain_error
from adapters.persistence.sqlalchemy.projects import SqlAlchemyProjectRepository
from adapters.persistence.sqlalchemy.tags import SqlAlchemyTagRepository
from adapters.persistence.sqlalchemy.tasks import SqlAlchemyTaskRepository
from adapters.persistence.sqlalchemy.users import SqlAlchemyUserRepository
from domain.comments import CommentRepository
from domain.projects import ProjectRepository, TagRepository
from domain.tasks import TaskRepository
from domain.users import UserRepository


class SqlAlchemyUnitOfWork:
    """One database transaction (`session.begin()`): commit on success, rollback on any exception.

    Constraint violations and lost optimistic-locking races leave as domain errors.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._transaction: AsyncSessionTransaction | None = None
        self.users: UserRepository = SqlAlchemyUserRepository(session)
        self.projects: ProjectRepository = SqlAlchemyProjectRepository(session)
        self.tags: TagRepository = SqlAlchemyTagRepository(session)
        self.tasks: TaskRepository = SqlAlchemyTaskRepository(session)
        self.comments: CommentRepository = SqlAlchemyCommentRepository(session)

    async def __aenter__(self) -> Self:
        self._transaction = self._session.begin()
        await self._transaction.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._transaction is not None, "unit of work exited without being entered"
        transaction, self._transaction = self._transaction, None
        try:
            await transaction.__aexit__(exc_type, exc, traceback)
        except Exception as commit_error:
            domain_error = to_domain_error(commit_error)
            if domain_error is None:
                raise
            raise domain_error from commit_error
        finally:
            # The next unit of work in this session must read the database, not this one's objects.
            self._session.expunge_all()
        if exc is not None and (domain_error := to_domain_error(exc)) is not None:
            raise domain_error from exc
