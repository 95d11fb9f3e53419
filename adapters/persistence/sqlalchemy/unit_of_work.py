from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

from adapters.persistence.caller import Caller, confirm_caller
from adapters.persistence.idempotency import IdempotentRequest, StoredResponse
from adapters.persistence.sqlalchemy.comments import SqlAlchemyCommentRepository
from adapters.persistence.sqlalchemy.engine import transaction_options
from adapters.persistence.sqlalchemy.errors import (
    to_domain_error,
    to_read_only_violation,
    to_storage_failure,
)
from adapters.persistence.sqlalchemy.history import SqlAlchemyHistoryRepository
from adapters.persistence.sqlalchemy.idempotency import claim_key, record_response
from adapters.persistence.sqlalchemy.projects import SqlAlchemyProjectRepository
from adapters.persistence.sqlalchemy.tags import SqlAlchemyTagRepository
from adapters.persistence.sqlalchemy.tasks import SqlAlchemyTaskRepository
from adapters.persistence.sqlalchemy.users import SqlAlchemyUserRepository
from adapters.persistence.sqlalchemy.watchers import SqlAlchemyWatcherRepository
from domain.comments import CommentRepository
from domain.history import HistoryRepository
from domain.projects import ProjectRepository, TagRepository
from domain.tasks import TaskRepository
from domain.users import UserRepository
from domain.watching import WatcherRepository


class SqlAlchemyUnitOfWork:
    """One database transaction per `async with` (`session.begin()`): commit on success, rollback
    on any exception; constraint violations, lost optimistic-locking races and an unavailable or
    contended database leave as domain errors (adapters/persistence/sqlalchemy/errors.py).

    The session checks a connection out of the pool when the transaction begins and gives it back
    when it ends. Read-only transactions run as `READ ONLY` at `REPEATABLE READ` on PostgreSQL (one
    snapshot for a page and its total) and as a deferred `BEGIN` on SQLite (readers do not queue
    behind the writer); the others keep `BEGIN IMMEDIATE` on SQLite, and row locks and versions
    everywhere.

    There is no ping before use. The caller check is the first statement of every transaction
    opened for a signed-in caller: when it finds the connection dead, the transaction is rolled
    back (the pool drops the connection) and begun once more on a fresh one. Nothing had been
    read or written yet.

    A request sent with an Idempotency-Key: the writing transaction claims the key after the caller
    check, and leaving the block hands the open transaction to the request, which commits it with
    the response recorded (adapters/persistence/idempotency.py).
    """

    def __init__(
        self, session: AsyncSession, caller: Caller | None = None, once: IdempotentRequest | None = None
    ) -> None:
        self._session = session
        self._caller = caller
        self._once = once
        self._claimed = False
        self._transaction: AsyncSessionTransaction | None = None
        self.users: UserRepository = SqlAlchemyUserRepository(session)
        self.projects: ProjectRepository = SqlAlchemyProjectRepository(session)
        self.tags: TagRepository = SqlAlchemyTagRepository(session)
        self.tasks: TaskRepository = SqlAlchemyTaskRepository(session)
        self.comments: CommentRepository = SqlAlchemyCommentRepository(session)
        self._history = SqlAlchemyHistoryRepository(session)
        self.history: HistoryRepository = self._history
        self.watchers: WatcherRepository = SqlAlchemyWatcherRepository(session)

    @asynccontextmanager
    async def read_only(self) -> AsyncIterator[None]:
        await self._begin(read_only=True)
        try:
            yield
        except BaseException as error:
            await self._end(error)
            raise
        await self._end(None)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A SAVEPOINT: on an exception, what the block wrote and recorded is rolled back, the
        error leaves translated as at the end of a unit of work, and the transaction goes on."""
        assert self._transaction is not None, "a savepoint needs an open unit of work"
        mark = self._history.mark()
        nested = await self._session.begin_nested()
        try:
            yield
        except BaseException as error:
            await nested.rollback()
            self._history.forget_since(mark)
            if (translated := _translated(error)) is not None:
                raise translated from error
            raise
        await nested.commit()

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

    async def _begin(self, *, read_only: bool) -> None:
        assert self._transaction is None, "units of work do not nest"
        options = transaction_options(self._session.get_bind().dialect.name, read_only=read_only)
        for attempt in (1, 2):
            transaction = await self._session.begin()
            try:
                # Checks the connection out with the transaction's mode set; no round trip yet.
                await self._session.connection(execution_options=options)
                await confirm_caller(self.users, self._caller)
                if not read_only and self._once is not None and self._once.to_claim:
                    await claim_key(self._session, self._once)
                    self._claimed = True
            except BaseException as error:
                await self._abandon(transaction)
                if attempt == 1 and isinstance(error, DBAPIError) and error.connection_invalidated:
                    continue
                if (translated := _translated(error)) is not None:
                    raise translated from error
                raise
            self._transaction = transaction
            return

    async def _abandon(self, transaction: AsyncSessionTransaction) -> None:
        await transaction.rollback()
        self._session.expunge_all()

    async def _end(self, exc: BaseException | None) -> None:
        claimed, self._claimed = self._claimed, False
        if exc is None and claimed:
            await self._hold()
            return
        assert self._transaction is not None, "unit of work exited without being entered"
        transaction, self._transaction = self._transaction, None
        try:
            if exc is None:
                # What the use case recorded goes in with its change, in this transaction.
                await self._history.write()
                await transaction.commit()
            else:
                self._history.discard()
                await transaction.rollback()
        except Exception as commit_error:
            # A commit whose flush failed leaves the transaction open: end it, giving the
            # connection back.
            await self._session.rollback()
            if (translated := _translated(commit_error)) is None:
                raise
            raise translated from commit_error
        finally:
            # The next unit of work in this session must read the database, not this one's objects.
            self._session.expunge_all()
        if exc is not None and (translated := _translated(exc)) is not None:
            raise translated from exc

    async def _hold(self) -> None:
        """Leave the transaction open for the request to commit with its response."""
        assert self._once is not None
        try:
            # What the commit would refuse is refused now, while the use case can still report it.
            await self._history.write()
            await self._session.flush()
        except Exception as error:
            await self._end(error)
            raise
        self._once.hold(self._settle)

    async def _settle(self, response: StoredResponse | None) -> None:
        assert self._once is not None
        if response is None:
            await self._end(_NOT_ANSWERED)
            return
        try:
            await record_response(self._session, self._once, response)
        except Exception as error:
            await self._end(error)
            raise
        await self._end(None)


# What a held transaction ends with when the request gave no response to record: a rollback.
_NOT_ANSWERED = RuntimeError("the request ended without a response to record")


def _translated(error: BaseException) -> Exception | None:
    return to_domain_error(error) or to_read_only_violation(error) or to_storage_failure(error)
