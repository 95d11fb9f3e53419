"""Engines for the two SQL databases, with the settings each needs to behave like the other."""

import logging
from pathlib import Path
from typing import Any
from uuid import uuid4

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from adapters.settings import DEFAULT_DATABASE_POOL_OVERFLOW, DEFAULT_DATABASE_POOL_SIZE, DatabasePooler
from domain.unit_of_work import WriteInReadOnlyUnitOfWork

# A connection option of ours: the SQLite begin hook reads it to choose BEGIN or BEGIN IMMEDIATE.
_READ_ONLY = "taskboard_read_only"
_READ_ONLY_STATEMENTS = ("SELECT", "WITH", "BEGIN", "PRAGMA")
# Connections older than this are replaced at checkout, at no cost on the way (no ping).
POOL_RECYCLE_SECONDS = 1800
# How long a request waits for a pooled connection before it is answered 503 (SQLAlchemy's default,
# 30 s, outlasts any client's patience).
POOL_TIMEOUT_SECONDS = 5
CONNECT_TIMEOUT_SECONDS = 5
# How long a SQLite statement waits for another connection's write lock when no timeout is given.
SQLITE_BUSY_TIMEOUT_MS = 10_000


def create_engine(
    url: str,
    *,
    statement_timeout_ms: int | None = None,
    pooler: DatabasePooler = DatabasePooler.NONE,
    pool_size: int = DEFAULT_DATABASE_POOL_SIZE,
    pool_overflow: int = DEFAULT_DATABASE_POOL_OVERFLOW,
    **options: Any,
) -> AsyncEngine:
    """An engine for `url`. `statement_timeout_ms` bounds each statement: on PostgreSQL its running
    time (`statement_timeout`, lock waits included), on SQLite its wait for the write lock. The
    service passes TASKBOARD_STATEMENT_TIMEOUT_MS; migrations and the CLI pass none. `pooler` is
    what stands between the service and PostgreSQL (TASKBOARD_DATABASE_POOLER).

    The pool keeps `pool_size` connections (TASKBOARD_DATABASE_POOL_SIZE) and by default opens none
    beyond them: a request that finds every connection busy waits for one to be given back (up to
    POOL_TIMEOUT_SECONDS, then 503). A connection opened beyond the pool's size
    (TASKBOARD_DATABASE_POOL_OVERFLOW) is closed when it is given back, so under steady load above
    the size the pool would open and close one for many requests, and opening one costs the server
    more than serving a page: SQLAlchemy's 5 + 10 did that for one request in twenty in `make bench`,
    and cost a third of the throughput.
    """
    # Statement parameters (password hashes among them) stay out of error messages, and so out of
    # logs and tracebacks.
    options.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        connect_args: dict[str, Any] = {"timeout": CONNECT_TIMEOUT_SECONDS, **_pooler_connect_args(pooler)}
        if statement_timeout_ms is not None and pooler is DatabasePooler.NONE:
            # A startup parameter of each new connection, so it costs no statement. PgBouncer
            # passes no such parameter on to its server connections (and refuses clients that send
            # one it was not told to ignore): behind it, the timeout is set on the role instead.
            connect_args["server_settings"] = {"statement_timeout": str(statement_timeout_ms)}
        options.setdefault("connect_args", connect_args)
        options.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
        # No pool_pre_ping: it costs a round trip per checkout. A dead connection shows itself by
        # the error of its first statement instead (see SqlAlchemyUnitOfWork), and that error
        # invalidates every connection the pool held from before it, so after an outage the pool
        # connects afresh instead of failing once per stale connection.
        return create_async_engine(
            url, pool_recycle=POOL_RECYCLE_SECONDS, pool_size=pool_size, max_overflow=pool_overflow, **options
        )

    in_memory = parsed.database in (None, "", ":memory:")
    if in_memory:
        options.setdefault("poolclass", StaticPool)
    else:
        options.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
        options.setdefault("pool_size", pool_size)
        options.setdefault("max_overflow", pool_overflow)
    ensure_sqlite_directory(url)
    _keep_sqlite_parameters_out_of_logs()
    engine = create_async_engine(url, **options)
    busy_timeout_ms = SQLITE_BUSY_TIMEOUT_MS if statement_timeout_ms is None else statement_timeout_ms
    _make_sqlite_transactions_serialisable(engine, wal=not in_memory, busy_timeout_ms=busy_timeout_ms)
    return engine


def _pooler_connect_args(pooler: DatabasePooler) -> dict[str, Any]:
    """asyncpg's connect arguments for what stands between us and PostgreSQL.

    asyncpg prepares every statement under a name and caches it per connection. PgBouncer in
    transaction pooling hands each transaction whichever server connection is free, so a cached
    name may not exist on the next one ("prepared statement ... does not exist"), and the driver's
    numbered names collide with another client's ("already exists"). Behind it: no caches (neither
    asyncpg's nor SQLAlchemy's), and a name nobody else uses for the statements SQLAlchemy prepares
    itself, which run within one transaction and so on one server connection. asyncpg closes each
    only at its next statement, maybe on another server connection, so PgBouncer must clear what is
    left (`server_reset_query = DEALLOCATE ALL`, README "Behind PgBouncer").
    """
    if pooler is DatabasePooler.PGBOUNCER:
        return {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _unique_statement_name,
        }
    return {}


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid4()}__"


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the database file but not the folder it goes in."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def idempotency_lock_path(url: str) -> str | None:
    """The file whose byte locks hold Idempotency-Keys across the processes that serve one SQLite
    database (KeysInFlight); PostgreSQL and in-memory SQLite need none."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return f"{parsed.database}-idempotency-locks"
    return None


def _keep_sqlite_parameters_out_of_logs() -> None:
    """aiosqlite logs every statement with its parameters (password hashes too) at DEBUG.

    With TASKBOARD_LOG_LEVEL=DEBUG the root logger would pass them on; like SQLAlchemy does for its
    own logger, start it at INFO unless someone set its level on purpose.
    """
    driver_log = logging.getLogger("aiosqlite")
    if driver_log.level == logging.NOTSET:
        driver_log.setLevel(logging.INFO)


def _make_sqlite_transactions_serialisable(engine: AsyncEngine, *, wal: bool, busy_timeout_ms: int) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write.

    pysqlite/aiosqlite open the real transaction lazily, so two units of work could both read
    "email is free" and then both insert; BEGIN IMMEDIATE makes them queue instead, each waiting
    up to `busy_timeout_ms` for the lock before "database is locked" (retried, then a 503).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reader takes no lock until it reads, and under WAL reads alongside the one writer.
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _refuse_writes_when_read_only(
        connection: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
    ) -> None:
        # PostgreSQL refuses writes in a READ ONLY transaction and the memory store refuses them
        # too; a deferred BEGIN would let SQLite write, so refuse here to behave the same.
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        if read_only and not statement.lstrip().upper().startswith(_READ_ONLY_STATEMENTS):
            raise WriteInReadOnlyUnitOfWork("a read-only unit of work cannot write")


def transaction_options(dialect: str, *, read_only: bool) -> dict[str, Any]:
    """How a transaction begins, as execution options of its connection; sends nothing itself.

    PostgreSQL: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` for reads, so a page and its
    total come from one snapshot; the server's default READ COMMITTED for writes, which take row
    locks and check versions. SQLite: see the begin hook above.
    """
    if dialect == "postgresql":
        return {
            "isolation_level": "REPEATABLE READ" if read_only else "READ COMMITTED",
            "postgresql_readonly": read_only,
        }
    return {_READ_ONLY: read_only}


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Entities are mapped out of the session inside the transaction, so nothing is read after
    # commit; expire_on_commit=False keeps a stray access from triggering IO after the fact.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
