"""The ordering rule every SQL repository follows: sort keys, then id; text by code point."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, String, UnaryExpression
from sqlalchemy.ext.asyncio import AsyncSession

from domain.paging import SortKey


def by_code_point(session: AsyncSession, expression: ColumnElement[Any]) -> ColumnElement[Any]:
    """The expression to ORDER BY so that text compares by code point, as in Python and SQLite.

    PostgreSQL would otherwise compare text by the database's locale (where "b" comes before "C" and
    accents weigh less than letters), so its pages would come back in another order than elsewhere.
    Anything that is not text (numbers, dates, ranks) is returned as it is, so every sort column of
    every repository can go through here.
    """
    if isinstance(expression.type, String) and session.get_bind().dialect.name == "postgresql":
        return expression.collate("C")
    return expression


def order_by(session: AsyncSession, table: FromClause, sort: Sequence[SortKey]) -> list[UnaryExpression[Any]]:
    """ORDER BY the sort keys (columns of `table`), then id, so that pages never overlap on ties."""
    columns = table.c
    clauses: list[UnaryExpression[Any]] = []
    for key in sort:
        expression = by_code_point(session, columns[key.field])
        clauses.append(expression.desc() if key.descending else expression.asc())
    clauses.append(columns["id"].asc())
    return clauses
