"""The models and the migrations describe the same schema, on both databases.

Alembic's autogenerate comparison finds missing or extra tables, columns and indexes and changed
types and nullability; it does not look at a partial index's WHERE or at CHECK constraints, so
those two are compared here as well.
"""

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import conv

from adapters.persistence.sqlalchemy import migrations
from adapters.persistence.sqlalchemy.models import Base
from tests.migrations.schema import normalized_predicate, on_connection


def schema_drift(connection: Connection, metadata: sa.MetaData) -> list[str]:
    """Every way the database differs from `metadata`; empty when they agree."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences = [repr(difference) for difference in compare_metadata(context, metadata)]
    inspector = sa.inspect(connection)
    dialect = connection.dialect
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue  # alembic already reported it
        reflected_where = {
            index["name"]: normalized_predicate(index.get("dialect_options", {}).get(f"{dialect.name}_where"))
            for index in inspector.get_indexes(table.name)
        }
        for index in table.indexes:
            model_where = normalized_predicate(index.dialect_options[dialect.name]["where"])
            if index.name in reflected_where and reflected_where[index.name] != model_where:
                differences.append(
                    f"index {index.name}: WHERE {reflected_where[index.name]!r} in the database, "
                    f"{model_where!r} in the models"
                )
        reflected_checks = {
            str(check["name"]): _quoted_literals(str(check["sqltext"]))
            for check in inspector.get_check_constraints(table.name)
        }
        model_checks = {
            str(check.name): _quoted_literals(
                str(check.sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            )
            for check in table.constraints
            if isinstance(check, sa.CheckConstraint)
        }
        if reflected_checks != model_checks:
            differences.append(
                f"{table.name} CHECK constraints: {reflected_checks} in the database, "
                f"{model_checks} in the models"
            )
    return differences


def _quoted_literals(sql: str) -> list[str]:
    """The string constants in a CHECK, e.g. the allowed roles: each database rewrites the rest."""
    return sorted(set(re.findall(r"'((?:[^']|'')*)'", sql)))


async def test_models_and_migrations_describe_the_same_schema(database_url: str) -> None:
    await migrations.upgrade(database_url)

    drift = await on_connection(database_url, lambda sync: schema_drift(sync, Base.metadata))

    assert drift == []


# A drift check that cannot fail proves nothing: each change below, made to a copy of the models,
# must be noticed.
def add_column(users: sa.Table) -> None:
    users.append_column(sa.Column("nickname", sa.String(50), nullable=True))


def widen_column(users: sa.Table) -> None:
    users.c.email.type = sa.String(320)


def make_column_nullable(users: sa.Table) -> None:
    users.c.full_name.nullable = True


def drop_index(users: sa.Table) -> None:
    users.indexes.remove(next(index for index in users.indexes if index.name == "ix_users_created_at_id"))


def change_partial_index_predicate(users: sa.Table) -> None:
    index = next(index for index in users.indexes if index.name == "uq_users_email_active")
    index.dialect_options["sqlite"]["where"] = sa.text("is_active")
    index.dialect_options["postgresql"]["where"] = sa.text("is_active")


def add_role(users: sa.Table) -> None:
    role_check = next(check for check in users.constraints if isinstance(check, sa.CheckConstraint))
    users.constraints.remove(role_check)
    users.append_constraint(
        sa.CheckConstraint("role IN ('admin', 'member', 'viewer')", name=conv("ck_users_user_role"))
    )


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        (add_column, "nickname"),
        (widen_column, "'email'"),
        (make_column_nullable, "'full_name'"),
        (drop_index, "ix_users_created_at_id"),
        (change_partial_index_predicate, "'is_active' in the models"),
        (add_role, "'viewer'"),
    ],
)
async def test_drift_check_notices_models_that_differ_from_the_migrations(
    database_url: str, change: Callable[[sa.Table], None], reported: str
) -> None:
    await migrations.upgrade(database_url)
    drifted = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    change(drifted.tables["users"])

    drift = await on_connection(database_url, lambda sync: schema_drift(sync, drifted))

    assert len(drift) == 1
    assert reported in drift[0]
