from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, UnaryExpression
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from domain.paging import SortKey


def order_by(
    session: AsyncSession, model: type[DeclarativeBase], sort: Sequence[SortKey]
) -> list[UnaryExpression[Any]]:
    """ORDER BY the sort keys, then id, so that pages never overlap when values tie.

    Text is compared by code point everywhere (SQLite's and Python's default); PostgreSQL would
    otherwise use the database's locale collation and order differently from the other adapters.
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    columns = model.__table__.columns
    clauses: list[UnaryExpression[Any]] = []
    for key in sort:
        column = columns[key.field]
        expression = column.collate("C") if postgresql and isinstance(column.type, String) else column
        clauses.append(expression.desc() if key.descending else expression.asc())
    clauses.append(columns["id"].asc())
    return clauses
