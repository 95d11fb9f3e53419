"""Read a database's schema through SQLAlchemy's inspector, in shapes that are easy to compare."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Inspector, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import ReflectedIndex
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class IndexShape:
    columns: tuple[str, ...]
    unique: bool
    where: str | None
    descending: tuple[str, ...] = ()  # the columns in descending order
    using: str | None = None  # an access method other than B-tree, with its operator classes


@dataclass(frozen=True, slots=True)
class ForeignKeyShape:
    columns: tuple[str, ...]
    references: str  # e.g. "projects(id)"
    on_delete: str | None


@dataclass(frozen=True, slots=True)
class TableShape:
    dialect: str
    columns: dict[str, tuple[str, bool]]  # name: (type as the database spells it, nullable)
    primary_key: tuple[str, ...]
    foreign_keys: dict[str, ForeignKeyShape]
    unique_constraints: dict[str, tuple[str, ...]]
    indexes: dict[str, IndexShape]
    check_constraints: dict[str, tuple[str, ...]]  # name: its constants, in order


async def on_connection(database_url: str, read: Callable[[Connection], T]) -> T:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


async def table_names(database_url: str) -> set[str]:
    return await on_connection(database_url, lambda sync: set(inspect(sync).get_table_names()))


async def table_shape(database_url: str, table: str) -> TableShape:
    return await on_connection(database_url, lambda sync: _table_shape(sync, table))


def normalized_predicate(where: object) -> str | None:
    """A partial index's WHERE as text, without the parentheses PostgreSQL adds when it reflects one."""
    if where is None:
        return None
    text = " ".join(str(where).split())
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text


# A quoted string, or a whole number standing alone (not part of a name or a decimal).
_CONSTANT = re.compile(r"'((?:[^']|'')*)'|(?<![\w.])(\d+)(?![\w.])")


def check_constants(sql: str) -> tuple[str, ...]:
    """The constants of a CHECK in the order written: its strings (e.g. the allowed roles) and its
    whole numbers (e.g. the rank of each status, as `#0`). Each database rewrites the rest."""
    return tuple(
        match.group(1) if match.group(2) is None else f"#{match.group(2)}"
        for match in _CONSTANT.finditer(sql)
    )


def _table_shape(connection: Connection, table: str) -> TableShape:
    inspector: Inspector = inspect(connection)
    dialect = connection.dialect
    return TableShape(
        dialect=dialect.name,
        columns={
            column["name"]: (str(column["type"].compile(dialect=dialect)), column["nullable"])
            for column in inspector.get_columns(table)
        },
        primary_key=tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
        foreign_keys={
            str(foreign_key["name"]): ForeignKeyShape(
                columns=tuple(foreign_key["constrained_columns"]),
                references=f"{foreign_key['referred_table']}({', '.join(foreign_key['referred_columns'])})",
                on_delete=foreign_key["options"].get("ondelete"),
            )
            for foreign_key in inspector.get_foreign_keys(table)
        },
        unique_constraints={
            str(unique["name"]): tuple(unique["column_names"])
            for unique in inspector.get_unique_constraints(table)
        },
        indexes={
            str(index["name"]): IndexShape(
                columns=tuple(str(name) for name in index["column_names"]),
                unique=bool(index["unique"]),
                where=normalized_predicate(index.get("dialect_options", {}).get(f"{dialect.name}_where")),
                descending=descending_columns(connection, index),
                using=_access_method(index),
            )
            for index in inspector.get_indexes(table)
            # PostgreSQL also lists the index behind each unique constraint; those are constraints.
            if "duplicates_constraint" not in index
        },
        check_constraints={
            str(check["name"]): check_constants(str(check["sqltext"]))
            for check in inspector.get_check_constraints(table)
        },
    )


def descending_columns(connection: Connection, index: ReflectedIndex) -> tuple[str, ...]:
    """The columns of a reflected index that are in descending order."""
    if connection.dialect.name == "sqlite":
        # SQLAlchemy does not reflect the order of SQLite's index columns; the PRAGMA tells it.
        rows = connection.exec_driver_sql(f'PRAGMA index_xinfo("{index["name"]}")')
        return tuple(str(name) for _seqno, _cid, name, desc, _coll, key in rows if key and desc)
    sorting = index.get("column_sorting", {})
    return tuple(name for name in index["column_names"] if name and "desc" in sorting.get(name, ()))


def _access_method(index: ReflectedIndex) -> str | None:
    """e.g. "gin (gin_trgm_ops)" for a trigram index; None for a B-tree."""
    options = index.get("dialect_options", {})
    using = options.get("postgresql_using")
    if using is None or using == "btree":
        return None
    operator_classes = options.get("postgresql_ops", {})
    return f"{using} ({', '.join(operator_classes.values())})" if operator_classes else str(using)
