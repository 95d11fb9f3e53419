"""Migrations build the schema the service needs, take it all away again, and rebuild it."""

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from adapters.persistence.sqlalchemy import migrations
from domain.ids import new_id
from tests.migrations.schema import IndexShape, TableShape, table_names, table_shape

# The users table as each database describes it: written out by hand, not derived from the models,
# so that this test and the drift test check the migration from two independent sides.
USERS_COLUMN_TYPES = {
    "sqlite": {
        "id": "CHAR(32)",
        "email": "VARCHAR(254)",
        "full_name": "VARCHAR(200)",
        "password_hash": "VARCHAR(255)",
        "role": "VARCHAR(6)",
        "is_active": "BOOLEAN",
        "is_deleted": "BOOLEAN",
        "created_at": "DATETIME",
        "updated_at": "DATETIME",
        "version": "INTEGER",
    },
    "postgresql": {
        "id": "UUID",
        "email": "VARCHAR(254)",
        "full_name": "VARCHAR(200)",
        "password_hash": "VARCHAR(255)",
        "role": "VARCHAR(6)",
        "is_active": "BOOLEAN",
        "is_deleted": "BOOLEAN",
        "created_at": "TIMESTAMP WITH TIME ZONE",
        "updated_at": "TIMESTAMP WITH TIME ZONE",
        "version": "INTEGER",
    },
}
USERS_INDEXES = {
    "uq_users_email_active": IndexShape(columns=("email",), unique=True, where="NOT is_deleted"),
    "ix_users_created_at_id": IndexShape(columns=("created_at", "id"), unique=False, where=None),
}

# Written with plain columns rather than the model, whose Enum would refuse an unknown role
# before the database could.
users = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("full_name", sa.String()),
    sa.column("password_hash", sa.String()),
    sa.column("role", sa.String()),
    sa.column("is_active", sa.Boolean()),
    sa.column("is_deleted", sa.Boolean()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("version", sa.Integer()),
)


def user_row(email: str, *, role: str = "member", is_deleted: bool = False) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": new_id(),
        "email": email,
        "full_name": "Ada Lovelace",
        "password_hash": "not-a-real-hash",
        "role": role,
        "is_active": True,
        "is_deleted": is_deleted,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


async def insert(engine: AsyncEngine, row: dict[str, Any]) -> None:
    async with engine.begin() as connection:
        await connection.execute(sa.insert(users).values(row))


async def assert_users_table_at_head(database_url: str) -> None:
    assert await table_names(database_url) == {"alembic_version", "users"}
    assert await migrations.current_revision(database_url) == migrations.head_revision()

    shape: TableShape = await table_shape(database_url, "users")
    expected_types = USERS_COLUMN_TYPES[shape.dialect]
    assert shape.columns == {name: (type_, False) for name, type_ in expected_types.items()}
    assert shape.primary_key == ("id",)
    assert shape.indexes == USERS_INDEXES
    assert shape.check_constraints == {"ck_users_user_role"}

    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        await insert(engine, user_row("ada@example.com", role="admin"))
        await insert(engine, user_row("bob@example.com", role="member"))
        with pytest.raises(IntegrityError, match="ck_users_user_role"):
            await insert(engine, user_row("eve@example.com", role="owner"))
        # Unique among live users only: a deleted user's email may be taken again, a live one's not.
        await insert(engine, user_row("ada@example.com", is_deleted=True))
        with pytest.raises(
            IntegrityError, match=r"uq_users_email_active|UNIQUE constraint failed: users\.email"
        ):
            await insert(engine, user_row("ada@example.com"))
    finally:
        await engine.dispose()


async def test_migrations_build_the_schema_remove_it_and_build_it_again(database_url: str) -> None:
    assert await table_names(database_url) == set()

    await migrations.upgrade(database_url)
    await assert_users_table_at_head(database_url)

    await migrations.downgrade(database_url, "base")
    assert await table_names(database_url) == {"alembic_version"}
    assert await migrations.current_revision(database_url) is None

    await migrations.upgrade(database_url)
    await assert_users_table_at_head(database_url)
