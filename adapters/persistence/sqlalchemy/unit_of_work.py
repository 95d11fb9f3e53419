from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, AsyncSessionTransaction

from adapters.persistence.caller import Caller, confirm_caller
from adapters.persistence.sqlalchemy.comments import SqlAlchemyCommentRepository
from adapters.persistence.sqlalchemy.engine import set_transaction_mode
from adapters.persistence.sqlalchemy.errors import to_domain_error, to_read_only_violation
from adapters.persistence.sqlalchemy.projects import SqlAlchemyProjectRepository
from adapters.persistence.sqlalchemy.tags import SqlAlchemyTagRepository
from adapters.persistence.sqlalchemy.tasks import SqlAlchemyTaskRepository
from adapters.persistence.sqlalchemy.users import SqlAlchemyUserRepository
from domain.comments import CommentRepository
from domain.projects import ProjectRepository, TagRepository
from domain.tasks import TaskRepository
from domain.users import UserRepository


class SqlAlchemyUnitOfWork:
    """The transactions of one request (or one CLI command) on one database connection.

    The connection is checked out when the first transaction begins and kept until `close()`, at
    the end of the request, so that a request costs one checkout however many units of work it
    opens. Each `async with` is one transaction (`session.begin()`): commit on success, rollback on
    any exception. Read-only ones run as `READ ONLY` at `REPEATABLE READ` on PostgreSQL (one
    snapshot for a page and its total) and as a deferred `BEGIN` on SQLite (readers do not queue
    behind the writer); the others keep `BEGIN IMMEDIATE` on SQLite and row locks and versions
    everywhere. Constraint violations and lost optimistic-locking races leave as domain errors.

    There is no ping before use: when the caller check, the first statement of every transaction
    opened for a signed-in caller, finds the connection dead, the connection is dropped and the
    transaction begins once more on a fresh one. Nothing had been read or written yet.
    """

    users: UserRepository
    projects: ProjectRepository
    tags: TagRepository
    tasks: TaskRepository
    comments: CommentRepository

    def __init__(self, engine: AsyncEngine, caller: Caller | None = None) -> None:
        self._engine = engine
        self._caller = caller
        self._connection: AsyncConnection | None = None
        self._session: AsyncSession | None = None
        self._transaction: AsyncSessionTransaction | None = None

    @asynccontextmanager
    async def read_only(self) -> AsyncIterator[None]:
        await self._begin(read_only=True)
        try:
            yield
        except BaseException as error:
            await self._end(error)
            raise
        await self._end(None)

    async def __aenter__(self) -> Self:
        await self._begin(read_only=False)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._end(exc)

    async def close(self) -> None:
        """Give the connection back to the pool (rolling back a transaction left open)."""
        session, connection = self._session, self._connection
        self._session = self._connection = None
        self._transaction = None
        if session is not None:
            await session.close()
        if connection is not None:
            await connection.close()

    async def _open(self) -> AsyncSession:
        """Check a connection out and bind a session and the repositories to it."""
        if self._session is None:
            self._connection = await self._engine.connect()
            # Entities are mapped out of the session inside the transaction, so nothing is read
            # after commit; expire_on_commit=False keeps a stray access from doing IO after the fact.
            self._session = AsyncSession(self._connection, expire_on_commit=False)
            self._bind_repositories(self._session)
        return self._session

    def _bind_repositories(self, session: AsyncSession) -> None:
        self.users = SqlAlchemyUserRepository(session)
        self.projects = SqlAlchemyProjectRepository(session)
        self.tags = SqlAlchemyTagRepository(session)
        self.tasks = SqlAlchemyTaskRepository(session)
        self.comments = SqlAlchemyCommentRepository(session)

    async def _begin(self, *, read_only: bool) -> None:
        assert self._transaction is None, "units of work do not nest"
        for attempt in (1, 2):
            session = await self._open()
            assert self._connection is not None
            await set_transaction_mode(self._connection, read_only=read_only)
            self._transaction = session.begin()
            await self._transaction.start()
            try:
                await confirm_caller(self.users, self._caller)
            except DBAPIError as error:
                await self._discard_transaction()
                if attempt == 2 or not error.connection_invalidated:
                    raise
                await self.close()
                continue
            except BaseException:
                await self._discard_transaction()
                raise
            return

    async def _discard_transaction(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            await transaction.rollback()

    async def _end(self, exc: BaseException | None) -> None:
        assert self._transaction is not None, "unit of work exited without being entered"
        transaction, self._transaction = self._transaction, None
        try:
            if exc is None:
                await transaction.commit()
            else:
                await transaction.rollback()
        except Exception as commit_error:
            if (translated := _translated(commit_error)) is None:
                raise
            raise translated from commit_error
        finally:
            # The next unit of work in this session must read the database, not this one's objects.
            if self._session is not None:
                self._session.expunge_all()
        if exc is not None and (translated := _translated(exc)) is not None:
            raise translated from exc


def _translated(error: BaseException) -> Exception | None:
    return to_domain_error(error) or to_read_only_violation(error)
