"""The models and the migrations describe the same schema, on both databases.

Alembic's autogenerate comparison finds missing or extra tables, columns and indexes and changed
types and nullability; it does not look at a partial index's WHERE or at CHECK constraints, so
those two are compared here as well.
"""

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import conv

from adapters.persistence.sqlalchemy import migrations
from adapters.persistence.sqlalchemy.models import Base
from tests.migrations.schema import normalized_predicate, on_connection, quoted_literals


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
            str(check["name"]): quoted_literals(str(check["sqltext"]))
            for check in inspector.get_check_constraints(table.name)
        }
        model_checks = {
            str(check.name): quoted_literals(
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


async def test_models_and_migrations_describe_the_same_schema(database_url: str) -> None:
    await migrations.upgrade(database_url)

    drift = await on_connection(database_url, lambda sync: schema_drift(sync, Base.metadata))

    assert drift == []


# A drift check that cannot fail proves nothing: each change below, made to a copy of the models,
# must be noticed.
def add_column(metadata: sa.MetaData) -> None:
    metadata.tables["users"].append_column(sa.Column("nickname", sa.String(50), nullable=True))


def widen_column(metadata: sa.MetaData) -> None:
    metadata.tables["users"].c.email.type = sa.String(320)


def make_column_nullable(metadata: sa.MetaData) -> None:
    metadata.tables["users"].c.full_name.nullable = True


def named_index(table: sa.Table, name: str) -> sa.Index:
    return next(index for index in table.indexes if index.name == name)


def drop_users_index(metadata: sa.MetaData) -> None:
    users = metadata.tables["users"]
    users.indexes.remove(named_index(users, "ix_users_created_at_id"))


def drop_tasks_index(metadata: sa.MetaData) -> None:
    tasks = metadata.tables["tasks"]
    tasks.indexes.remove(named_index(tasks, "ix_tasks_due_date"))


def change_partial_index_predicate(metadata: sa.MetaData) -> None:
    index = named_index(metadata.tables["users"], "uq_users_email_active")
    index.dialect_options["sqlite"]["where"] = sa.text("is_active")
    index.dialect_options["postgresql"]["where"] = sa.text("is_active")


def make_project_keys_unique_among_deleted_projects(metadata: sa.MetaData) -> None:
    index = named_index(metadata.tables["projects"], "uq_projects_key_active")
    index.dialect_options["sqlite"]["where"] = sa.text("is_deleted")
    index.dialect_options["postgresql"]["where"] = sa.text("is_deleted")


def replace_check(table: sa.Table, name: str, sql: str) -> None:
    check = next(
        check for check in table.constraints if isinstance(check, sa.CheckConstraint) and check.name == name
    )
    table.constraints.remove(check)
    table.append_constraint(sa.CheckConstraint(sql, name=conv(name)))


def add_role(metadata: sa.MetaData) -> None:
    replace_check(metadata.tables["users"], "ck_users_user_role", "role IN ('admin', 'member', 'viewer')")


def add_task_status(metadata: sa.MetaData) -> None:
    replace_check(
        metadata.tables["tasks"],
        "ck_tasks_task_status",
        "status IN ('todo', 'in_progress', 'blocked', 'done', 'cancelled', 'archived')",
    )


def stop_cascading_tag_deletes(metadata: sa.MetaData) -> None:
    task_tags = metadata.tables["task_tags"]
    foreign_key = next(
        fk for fk in task_tags.foreign_key_constraints if fk.name == "fk_task_tags_tag_id_tags"
    )
    foreign_key.ondelete = None
    for element in foreign_key.elements:
        element.ondelete = None


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        (add_column, "nickname"),
        (widen_column, "'email'"),
        (make_column_nullable, "'full_name'"),
        (drop_users_index, "ix_users_created_at_id"),
        (drop_tasks_index, "ix_tasks_due_date"),
        (change_partial_index_predicate, "'is_active' in the models"),
        (make_project_keys_unique_among_deleted_projects, "'is_deleted' in the models"),
        (add_role, "'viewer'"),
        (add_task_status, "'archived'"),
        (stop_cascading_tag_deletes, "fk_task_tags_tag_id_tags"),
    ],
)
async def test_drift_check_notices_models_that_differ_from_the_migrations(
    database_url: str, change: Callable[[sa.MetaData], None], reported: str
) -> None:
    await migrations.upgrade(database_url)
    drifted = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    change(drifted)

    drift = await on_connection(database_url, lambda sync: schema_drift(sync, drifted))

    # Alembic reports a changed foreign key as removed and added again: two differences, one change.
    assert drift
    assert all(reported in difference for difference in drift)
