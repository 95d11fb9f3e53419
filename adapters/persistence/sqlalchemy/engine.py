"""Engines for the two SQL databases, with the settings each needs to behave like the other."""

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool


def create_engine(url: str, **options: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        options.setdefault("connect_args", {"timeout": 5})
        return create_async_engine(url, pool_pre_ping=True, **options)

    in_memory = parsed.database in (None, "", ":memory:")
    if in_memory:
        options.setdefault("poolclass", StaticPool)
    ensure_sqlite_directory(url)
    _keep_sqlite_parameters_out_of_logs()
    engine = create_async_engine(url, **options)
    _make_sqlite_transactions_serialisable(engine, wal=not in_memory)
    return engine


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the database file but not the folder it goes in."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _keep_sqlite_parameters_out_of_logs() -> None:
    """aiosqlite logs every statement with its parameters (password hashes too) at DEBUG.

    With TASKBOARD_LOG_LEVEL=DEBUG the root logger would pass them on; like SQLAlchemy does for its
    own logger, start it at INFO unless someone set its level on purpose.
    """
    driver_log = logging.getLogger("aiosqlite")
    if driver_log.level == logging.NOTSET:
        driver_log.setLevel(logging.INFO)


def _make_sqlite_transactions_serialisable(engine: AsyncEngine, *, wal: bool) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write.

    pysqlite/aiosqlite open the real transaction lazily, so two units of work could both read
    "email is free" and then both insert; BEGIN IMMEDIATE makes them queue instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Entities are mapped out of the session inside the transaction, so nothing is read after
    # commit; expire_on_commit=False keeps a stray access from triggering IO after the fact.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
