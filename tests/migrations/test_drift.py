"""The models and the migrations describe the same schema, on both databases.

Alembic's autogenerate comparison finds missing or extra tables, columns and indexes and changed
types and nullability; it does not look at a partial index's WHERE or at CHECK constraints, so
those two are compared here as well. Nor does it know `Index.ddl_if(dialect=...)`: an index the
models create on PostgreSQL only is left out of the comparison on the other database here.
"""

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression, conv

from adapters.persistence.sqlalchemy import migrations
from adapters.persistence.sqlalchemy.models import Base
from tests.migrations.conftest import empty_again
from tests.migrations.schema import check_constants, descending_columns, normalized_predicate, on_connection


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def drift_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('drift') / 'taskboard.db'}"
    # Resolved from a sync fixture: pytest-asyncio cannot start an async fixture from a running loop.
    url: str = request.getfixturevalue("postgresql_empty_url")
    return url


@pytest.fixture(scope="module")
async def migrated_url(drift_database: str) -> AsyncIterator[str]:
    """A database at the newest revision, migrated once per module: these tests only read its schema."""
    url = drift_database
    await migrations.upgrade(url)
    yield url
    # The PostgreSQL database is shared by the whole run: hand it back as empty as it was found.
    await empty_again(url)


def created_on(dialect: Dialect, item: object) -> bool:
    """Whether `metadata.create_all()` would create `item` on this database (`ddl_if(dialect=...)`)."""
    condition = getattr(item, "_ddl_if", None)
    if condition is None or condition.dialect is None:
        return True
    wanted = (condition.dialect,) if isinstance(condition.dialect, str) else condition.dialect
    return dialect.name in wanted


def model_predicate(where: Any, dialect: Dialect) -> str | None:
    """A model index's WHERE as this database gets it (an expression renders per dialect)."""
    if isinstance(where, sa.ClauseElement) and not isinstance(where, sa.TextClause):
        where = where.compile(dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False})
    return normalized_predicate(where)


def model_descending(index: sa.Index) -> tuple[str, ...]:
    """The columns a model index declares in descending order (`Column.desc()`)."""
    return tuple(
        str(expression.element.name)
        for expression in index.expressions
        if isinstance(expression, UnaryExpression)
        and expression.modifier is operators.desc_op
        and isinstance(expression.element, sa.Column)
    )


def schema_drift(connection: Connection, metadata: sa.MetaData) -> list[str]:
    """Every way the database differs from `metadata`; empty when they agree."""
    dialect = connection.dialect

    def include_object(item: object, _name: Any, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        return type_ != "index" or created_on(dialect, item)

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    differences = [repr(difference) for difference in compare_metadata(context, metadata)]
    inspector = sa.inspect(connection)
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue  # alembic already reported it
        reflected_indexes = {index["name"]: index for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            reflected = reflected_indexes.get(index.name)
            if reflected is None:
                continue  # alembic already reported it
            reflected_where = normalized_predicate(
                reflected.get("dialect_options", {}).get(f"{dialect.name}_where")
            )
            model_where = model_predicate(index.dialect_options[dialect.name]["where"], dialect)
            if reflected_where != model_where:
                differences.append(
                    f"index {index.name}: WHERE {reflected_where!r} in the database, "
                    f"{model_where!r} in the models"
                )
            # Alembic compares the order of index columns on PostgreSQL only; this, on both.
            reflected_descending = descending_columns(connection, reflected)
            if reflected_descending != model_descending(index):
                differences.append(
                    f"index {index.name}: descending {reflected_descending} in the database, "
                    f"{model_descending(index)} in the models"
                )
        reflected_checks = {
            str(check["name"]): check_constants(str(check["sqltext"]))
            for check in inspector.get_check_constraints(table.name)
        }
        model_checks = {
            str(check.name): check_constants(
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


async def test_models_and_migrations_describe_the_same_schema(migrated_url: str) -> None:

    drift = await on_connection(migrated_url, lambda sync: schema_drift(sync, Base.metadata))

    assert drift == []


def copy_of_the_models() -> sa.MetaData:
    copy = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        copied = table.to_metadata(copy)
        # to_metadata() leaves out an index's ddl_if(); put it back, as created_on() reads it.
        conditions = {index.name: getattr(index, "_ddl_if", None) for index in table.indexes}
        for index in copied.indexes:
            if (condition := conditions[index.name]) is not None:
                index.ddl_if(dialect=condition.dialect, callable_=condition.callable_, state=condition.state)
    return copy


async def test_a_copy_of_the_models_has_no_drift_either(migrated_url: str) -> None:

    assert await on_connection(migrated_url, lambda sync: schema_drift(sync, copy_of_the_models())) == []


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


def renumber_priority_ranks(metadata: sa.MetaData) -> None:
    replace_check(
        metadata.tables["tasks"],
        "ck_tasks_priority_rank",
        "priority_rank = CASE priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 3 "
        "WHEN 'urgent' THEN 2 END",
    )


def index_deleted_tasks_for_the_default_sort(metadata: sa.MetaData) -> None:
    index = named_index(metadata.tables["tasks"], "ix_tasks_live_created_at_id")
    index.dialect_options["sqlite"]["where"] = None
    index.dialect_options["postgresql"]["where"] = None


def sort_low_priorities_first_in_the_index(metadata: sa.MetaData) -> None:
    tasks = metadata.tables["tasks"]
    tasks.indexes.remove(named_index(tasks, "ix_tasks_live_priority_rank_due_date_id"))
    live: dict[str, Any] = {"sqlite_where": ~tasks.c.is_deleted, "postgresql_where": ~tasks.c.is_deleted}
    sa.Index(
        "ix_tasks_live_priority_rank_due_date_id", tasks.c.priority_rank, tasks.c.due_date, tasks.c.id, **live
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
        (renumber_priority_ranks, "'high', '#3', 'urgent', '#2'"),
        (index_deleted_tasks_for_the_default_sort, "ix_tasks_live_created_at_id"),
        (sort_low_priorities_first_in_the_index, "ix_tasks_live_priority_rank_due_date_id"),
    ],
)
async def test_drift_check_notices_models_that_differ_from_the_migrations(
    migrated_url: str, change: Callable[[sa.MetaData], None], reported: str
) -> None:
    drifted = copy_of_the_models()
    change(drifted)

    drift = await on_connection(migrated_url, lambda sync: schema_drift(sync, drifted))

    # Alembic reports a changed foreign key as removed and added again: two differences, one change.
    assert drift
    assert all(reported in difference for difference in drift)


def drop_trigram_index(metadata: sa.MetaData) -> None:
    tasks = metadata.tables["tasks"]
    tasks.indexes.remove(named_index(tasks, "ix_tasks_title_folded_trgm"))


async def test_the_trigram_index_is_compared_on_postgresql_and_left_out_elsewhere(migrated_url: str) -> None:
    drifted = copy_of_the_models()
    drop_trigram_index(drifted)

    drift = await on_connection(migrated_url, lambda sync: (sync.dialect.name, schema_drift(sync, drifted)))

    # The models create it on PostgreSQL only (ddl_if); SQLite has no such index to compare.
    match drift:
        case ("postgresql", differences):
            assert differences
            assert all("ix_tasks_title_folded_trgm" in difference for difference in differences)
        case (_, differences):
            assert differences == []
