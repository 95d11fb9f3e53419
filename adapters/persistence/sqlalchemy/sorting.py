"""The ordering rule every SQL repository follows: sort keys, then id; text by code point; and the
pages of that order, by offset or after a keyset."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, FromClause, Select, String, UnaryExpression, and_, false, or_
from sqlalchemy.ext.asyncio import AsyncSession

from domain.paging import Keyset, PageRequest, SortKey

_Columns = TypeVarTuple("_Columns")


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


@dataclass(frozen=True, slots=True)
class Term:
    """One expression of a list's ORDER BY. `nullable` ones put NULLs last in both directions."""

    expression: ColumnElement[Any]
    descending: bool = False
    nullable: bool = False


def table_terms(session: AsyncSession, table: FromClause, sort: Sequence[SortKey]) -> list[Term]:
    """The terms of a list whose sort keys are columns of `table` of the same names, then its id."""
    terms = [Term(by_code_point(session, table.c[key.field]), key.descending) for key in sort]
    return [*terms, Term(table.c["id"])]


def order_by(terms: Sequence[Term]) -> list[UnaryExpression[Any]]:
    clauses = []
    for term in terms:
        clause = term.expression.desc() if term.descending else term.expression.asc()
        clauses.append(clause.nulls_last() if term.nullable else clause)
    return clauses


def after(terms: Sequence[Term], keyset: Keyset) -> ColumnElement[bool]:
    """The rows strictly after `keyset` in the order of `terms` (whose last term is the id).

    Written as lexicographic steps, `a > x OR (a = x AND b > y) OR ...`, each in its term's
    direction, because a row-value comparison `(a, b) > (x, y)` cannot mix directions or NULL
    rules. The first step is repeated as a range on its own (`a >= x AND (...)`), the part an
    index on the sort's columns can start its scan from, instead of reading from the list's start.
    A keyset value that is a tuple (a task's key: project key, number) spans that many terms.
    """
    values = [*_flat(keyset.values), keyset.id]
    first_range = or_(_beyond(terms[0], values[0]), _level(terms[0], values[0]))
    steps: list[ColumnElement[bool]] = []
    level_so_far: list[ColumnElement[bool]] = []
    for term, value in zip(terms, values, strict=True):
        steps.append(and_(*level_so_far, _beyond(term, value)))
        level_so_far.append(_level(term, value))
    return and_(first_range, or_(*steps))


def paged(statement: Select[*_Columns], terms: Sequence[Term], page: PageRequest) -> Select[*_Columns]:
    """The statement ordered by `terms`, reading the rows of `page` and one more (Page.cut)."""
    if page.after is not None:
        statement = statement.where(after(terms, page.after))
    return statement.order_by(*order_by(terms)).offset(page.offset).limit(page.rows_to_read)


def _beyond(term: Term, value: object) -> ColumnElement[bool]:
    """The rows this term alone puts after `value`."""
    if value is None:
        return false()  # NULLs come last: nothing comes after one
    expression = term.expression
    beyond = expression < value if term.descending else expression > value
    return or_(beyond, expression.is_(None)) if term.nullable else beyond


def _level(term: Term, value: object) -> ColumnElement[bool]:
    """The rows this term puts level with `value`."""
    return term.expression.is_(None) if value is None else term.expression == value


def _flat(values: Sequence[object]) -> list[object]:
    return [part for value in values for part in (value if isinstance(value, tuple) else (value,))]
