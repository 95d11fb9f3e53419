"""The ordering rule every SQL repository follows: sort keys, then id; text by code point; and the
pages of that order, by offset or after a keyset."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import takewhile
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Row,
    Select,
    String,
    UnaryExpression,
    and_,
    bindparam,
    false,
    literal,
    or_,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.paging import Keyset, PageRequest, SortKey

_Columns = TypeVarTuple("_Columns")


def by_code_point(session: AsyncSession | str, expression: ColumnElement[Any]) -> ColumnElement[Any]:
    """The expression to ORDER BY so that text compares by code point, as in Python and SQLite.

    PostgreSQL would otherwise compare text by the database's locale (where "b" comes before "C" and
    accents weigh less than letters), so its pages would come back in another order than elsewhere.
    Anything that is not text (numbers, dates, ranks) is returned as it is, so every sort column of
    every repository can go through here. `session`: the session, or the name of its dialect.
    """
    dialect = session if isinstance(session, str) else session.get_bind().dialect.name
    if isinstance(expression.type, String) and dialect == "postgresql":
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
    """ORDER BY the terms (NULLS LAST is standard SQL, on SQLite since 3.30 too)."""
    clauses = []
    for term in terms:
        clause = term.expression.desc() if term.descending else term.expression.asc()
        clauses.append(clause.nulls_last() if term.nullable else clause)
    return clauses


def after(terms: Sequence[Term], keyset: Keyset) -> ColumnElement[bool]:
    """The rows strictly after `keyset` in the order of `terms` (whose last term is the id).

    Written as lexicographic steps, `a > x OR (a = x AND b > y) OR ...`, each in its term's
    direction, because a row-value comparison `(a, b) > (x, y)` cannot mix directions or NULL
    rules. A bound is put before it (`a >= x AND (...)`, see `_from`): that is the part an index on
    the sort's columns starts its scan from, where the disjunction alone has PostgreSQL read the
    list from its start and filter (measured on 100k tasks: 60 000 rows passed over, 29 ms, for a
    page that then took 0.3 ms). A keyset value that is a tuple (a task's key: project key, number)
    spans that many terms.
    """
    values = [*_flat(keyset.values), keyset.id]
    # Typed like their columns, as a plain comparison's values are (UTC instants, SQLite's UUIDs).
    bound = [
        None if value is None else literal(value, term.expression.type)
        for term, value in zip(terms, values, strict=True)
    ]
    return _after(terms, bound)


def after_parameters(terms: Sequence[Term], nulls: Sequence[bool]) -> ColumnElement[bool]:
    """`after` for a statement built once and run with many keysets: each value of the keyset is
    a parameter, `after_0`, `after_1`, ... (`page_parameters` gives them), but those that are
    NULL (`nulls`), which change the statement itself."""
    bound = [
        None if null else bindparam(f"after_{index}", type_=term.expression.type)
        for index, (term, null) in enumerate(zip(terms, nulls, strict=True))
    ]
    return _after(terms, bound)


def keyset_nulls(keyset: Keyset) -> tuple[bool, ...]:
    """Which values of the keyset are NULL: what a statement built by `after_parameters` depends on."""
    return tuple(value is None for value in [*_flat(keyset.values), keyset.id])


def page_parameters(page: PageRequest) -> dict[str, object]:
    """The values of the parameters of a statement built by `paged_by_parameters`."""
    parameters: dict[str, object] = {"offset": page.offset, "limit": page.rows_to_read}
    if page.after is not None:
        values = [*_flat(page.after.values), page.after.id]
        parameters |= {f"after_{index}": value for index, value in enumerate(values) if value is not None}
    return parameters


def _after(terms: Sequence[Term], values: Sequence[ColumnElement[Any] | None]) -> ColumnElement[bool]:
    steps: list[ColumnElement[bool]] = []
    level_so_far: list[ColumnElement[bool]] = []
    for term, value in zip(terms, values, strict=True):
        steps.append(and_(*level_so_far, _beyond(term, value)))
        level_so_far.append(_level(term, value))
    return and_(_from(terms, values), or_(*steps))


def paged(statement: Select[*_Columns], terms: Sequence[Term], page: PageRequest) -> Select[*_Columns]:
    """The statement ordered by `terms`, reading the rows of `page` and one more (Page.cut)."""
    if page.after is not None:
        statement = statement.where(after(terms, page.after))
    return statement.order_by(*order_by(terms)).offset(page.offset).limit(page.rows_to_read)


# The parameters of a page's offset and limit in statements built once.
OFFSET = bindparam("offset", type_=Integer)
LIMIT = bindparam("limit", type_=Integer)


def paged_by_parameters(
    statement: Select[*_Columns], terms: Sequence[Term], after_nulls: tuple[bool, ...] | None
) -> Select[*_Columns]:
    """`paged` for a statement built once: offset, limit and keyset are parameters, whose values
    `page_parameters` gives. `after_nulls`: `keyset_nulls` of the page's keyset, None for an offset page."""
    if after_nulls is not None:
        statement = statement.where(after_parameters(terms, after_nulls))
    return statement.order_by(*order_by(terms)).offset(OFFSET).limit(LIMIT)


def with_total(page: Select[Any], count: Select[Any]) -> Select[Any]:
    """The page's statement with the list's total as a last column of every row.

    The count is an uncorrelated scalar subquery, which PostgreSQL (as an InitPlan) and SQLite
    evaluate once per statement: the page and its total come in one round trip, from one
    snapshot. Read them with `rows_and_total`."""
    return page.add_columns(count.scalar_subquery().label("list_total"))


async def rows_and_total(
    session: AsyncSession,
    page_with_total: Select[Any],
    count: Select[Any],
    page: PageRequest,
    parameters: Mapping[str, Any] | None = None,
) -> tuple[Sequence[Row[Any]], int]:
    """The rows of a `with_total` page of `page` and the list's total. An empty first page is an
    empty list; an empty page past the end or after a keyset has no row to carry the total, and
    only then is the list counted on its own."""
    rows = (await session.execute(page_with_total, parameters)).all()
    if rows:
        return rows, rows[0][-1]
    if page.offset == 0 and page.after is None:
        return rows, 0
    return rows, await session.scalar(count, parameters) or 0


def _from(terms: Sequence[Term], values: Sequence[ColumnElement[Any] | None]) -> ColumnElement[bool]:
    """The rows at or after the keyset by its leading terms, as one comparison an index can seek.

    The longest run of leading terms in one direction and without NULLs is compared as a row value
    (`(a, b) >= (x, y)`), so that `sort=status` seeks (status, id) and not the first status alone; a
    nullable first term is bounded alone (`a >= x OR a IS NULL`, or `a IS NULL`).
    """
    first, expression = terms[0], terms[0].expression
    if values[0] is None:
        return expression.is_(None)
    if first.nullable:
        bound = expression <= values[0] if first.descending else expression >= values[0]
        return or_(bound, expression.is_(None))
    run = list(takewhile(lambda term: term.descending == first.descending and not term.nullable, terms))
    left = tuple_(*(term.expression for term in run))
    right = tuple_(*values[: len(run)])
    return left <= right if first.descending else left >= right


def _beyond(term: Term, value: ColumnElement[Any] | None) -> ColumnElement[bool]:
    """The rows this term alone puts after `value`."""
    if value is None:
        return false()  # NULLs come last: nothing comes after one
    expression = term.expression
    beyond = expression < value if term.descending else expression > value
    return or_(beyond, expression.is_(None)) if term.nullable else beyond


def _level(term: Term, value: ColumnElement[Any] | None) -> ColumnElement[bool]:
    """The rows this term puts level with `value`."""
    return term.expression.is_(None) if value is None else term.expression == value


def _flat(values: Sequence[object]) -> list[object]:
    return [part for value in values for part in (value if isinstance(value, tuple) else (value,))]
