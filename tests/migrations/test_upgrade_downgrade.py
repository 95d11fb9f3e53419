"""Migrations build the schema one revision at a time, take it away one at a time, and rebuild it.

The expected tables below are written out by hand as each database describes them, not derived from
the models, so that this test and the drift test check the migrations from two independent sides.
Every table is compared with its expected shape after each step up and each step down, so a
revision that changes a table (005) is checked both ways too.
"""

import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import product
from string import ascii_uppercase
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.persistence.sqlalchemy import migrations
from domain.ids import new_id
from tests.factories import unique_email
from tests.migrations.schema import (
    ForeignKeyShape,
    IndexShape,
    TableShape,
    table_names,
    table_shape,
)


@dataclass(frozen=True, slots=True)
class Spelled:
    """A column type the two databases spell differently."""

    sqlite: str
    postgresql: str

    def on(self, dialect: str) -> str:
        return {"sqlite": self.sqlite, "postgresql": self.postgresql}[dialect]


UUID_TYPE = Spelled(sqlite="CHAR(32)", postgresql="UUID")
TIMESTAMP = Spelled(sqlite="DATETIME", postgresql="TIMESTAMP WITH TIME ZONE")
NULL, NOT_NULL = True, False


@dataclass(frozen=True, slots=True)
class ExpectedTable:
    columns: dict[str, tuple[str | Spelled, bool]]  # name: (type, nullable)
    primary_key: tuple[str, ...]
    foreign_keys: dict[str, ForeignKeyShape] = field(default_factory=dict)
    unique_constraints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    indexes: dict[str, "ExpectedIndex"] = field(default_factory=dict)
    postgresql_indexes: dict[str, "ExpectedIndex"] = field(default_factory=dict)  # PostgreSQL only
    check_constraints: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def on(self, dialect: str) -> TableShape:
        return TableShape(
            dialect=dialect,
            columns={
                name: (type_ if isinstance(type_, str) else type_.on(dialect), nullable)
                for name, (type_, nullable) in self.columns.items()
            },
            primary_key=self.primary_key,
            foreign_keys=self.foreign_keys,
            unique_constraints=self.unique_constraints,
            indexes={
                name: expected.on(dialect)
                for name, expected in (
                    self.indexes | (self.postgresql_indexes if dialect == "postgresql" else {})
                ).items()
            },
            check_constraints=self.check_constraints,
        )


@dataclass(frozen=True, slots=True)
class ExpectedIndex:
    columns: tuple[str, ...]
    unique: bool
    where: str | Spelled | None
    descending: tuple[str, ...]
    using: str | None

    def on(self, dialect: str) -> IndexShape:
        where = self.where.on(dialect) if isinstance(self.where, Spelled) else self.where
        return IndexShape(self.columns, self.unique, where, self.descending, self.using)


def index(
    *columns: str,
    unique: bool = False,
    where: str | Spelled | None = None,
    descending: tuple[str, ...] = (),
    using: str | None = None,
) -> ExpectedIndex:
    return ExpectedIndex(columns, unique, where, descending, using)


# Each database spells "live tasks" as its dialect renders `~tasks.is_deleted`.
LIVE = Spelled(sqlite="is_deleted = 0", postgresql="NOT is_deleted")


def references(column: str, target: str, *, on_delete: str | None = None) -> ForeignKeyShape:
    return ForeignKeyShape(columns=(column,), references=target, on_delete=on_delete)


USERS = ExpectedTable(
    columns={
        "id": (UUID_TYPE, NOT_NULL),
        "email": ("VARCHAR(254)", NOT_NULL),
        "full_name": ("VARCHAR(200)", NOT_NULL),
        "password_hash": ("VARCHAR(255)", NOT_NULL),
        "role": ("VARCHAR(6)", NOT_NULL),
        "is_active": ("BOOLEAN", NOT_NULL),
        "is_deleted": ("BOOLEAN", NOT_NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
        "updated_at": (TIMESTAMP, NOT_NULL),
        "version": ("INTEGER", NOT_NULL),
    },
    primary_key=("id",),
    indexes={
        "uq_users_email_active": index("email", unique=True, where="NOT is_deleted"),
        "ix_users_created_at_id": index("created_at", "id"),
    },
    check_constraints={"ck_users_user_role": ("admin", "member")},
)

PROJECTS = ExpectedTable(
    columns={
        "id": (UUID_TYPE, NOT_NULL),
        "key": ("VARCHAR(10)", NOT_NULL),
        "name": ("VARCHAR(200)", NOT_NULL),
        "name_folded": ("TEXT", NOT_NULL),
        "description": ("TEXT", NOT_NULL),
        "task_counter": ("INTEGER", NOT_NULL),
        "is_deleted": ("BOOLEAN", NOT_NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
        "updated_at": (TIMESTAMP, NOT_NULL),
        "version": ("INTEGER", NOT_NULL),
    },
    primary_key=("id",),
    indexes={
        "uq_projects_key_active": index("key", unique=True, where="NOT is_deleted"),
        "ix_projects_created_at_id": index("created_at", "id"),
    },
)

PROJECT_MEMBERS = ExpectedTable(
    columns={
        "project_id": (UUID_TYPE, NOT_NULL),
        "user_id": (UUID_TYPE, NOT_NULL),
        "role": ("VARCHAR(11)", NOT_NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
        "updated_at": (TIMESTAMP, NOT_NULL),
    },
    primary_key=("project_id", "user_id"),
    foreign_keys={
        "fk_project_members_project_id_projects": references("project_id", "projects(id)"),
        "fk_project_members_user_id_users": references("user_id", "users(id)"),
    },
    # project_id leads the primary key; user_id needs an index of its own.
    indexes={"ix_project_members_user_id": index("user_id")},
    check_constraints={
        "ck_project_members_member_role": ("manager", "contributor", "viewer"),
    },
)

TAGS = ExpectedTable(
    columns={
        "id": (UUID_TYPE, NOT_NULL),
        "project_id": (UUID_TYPE, NOT_NULL),
        "name": ("VARCHAR(50)", NOT_NULL),
        "name_key": ("TEXT", NOT_NULL),
        "color": ("VARCHAR(7)", NOT_NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
        "updated_at": (TIMESTAMP, NOT_NULL),
    },
    primary_key=("id",),
    foreign_keys={"fk_tags_project_id_projects": references("project_id", "projects(id)")},
    unique_constraints={"uq_tags_project_id_name_key": ("project_id", "name_key")},
)

TASKS = ExpectedTable(
    columns={
        "id": (UUID_TYPE, NOT_NULL),
        "project_id": (UUID_TYPE, NOT_NULL),
        "number": ("INTEGER", NOT_NULL),
        "title": ("VARCHAR(200)", NOT_NULL),
        "title_folded": ("TEXT", NOT_NULL),
        "description": ("TEXT", NOT_NULL),
        "status": ("VARCHAR(11)", NOT_NULL),
        "priority": ("VARCHAR(6)", NOT_NULL),
        "assignee_id": (UUID_TYPE, NULL),
        "reporter_id": (UUID_TYPE, NOT_NULL),
        "due_date": ("DATE", NULL),
        "completed_at": (TIMESTAMP, NULL),
        "is_deleted": ("BOOLEAN", NOT_NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
        "updated_at": (TIMESTAMP, NOT_NULL),
        "version": ("INTEGER", NOT_NULL),
    },
    primary_key=("id",),
    foreign_keys={
        "fk_tasks_project_id_projects": references("project_id", "projects(id)"),
        "fk_tasks_assignee_id_users": references("assignee_id", "users(id)"),
        "fk_tasks_reporter_id_users": references("reporter_id", "users(id)"),
    },
    unique_constraints={"uq_tasks_project_id_number": ("project_id", "number")},
    indexes={
        "ix_tasks_assignee_id": index("assignee_id"),
        "ix_tasks_reporter_id": index("reporter_id"),
        "ix_tasks_project_id_status": index("project_id", "status"),
        "ix_tasks_project_id_priority": index("project_id", "priority"),
        "ix_tasks_project_id_created_at_id": index("project_id", "created_at", "id"),
        "ix_tasks_created_at_id": index("created_at", "id"),
        "ix_tasks_due_date": index("due_date"),
    },
    check_constraints={
        "ck_tasks_task_status": ("todo", "in_progress", "blocked", "done", "cancelled"),
        "ck_tasks_task_priority": ("low", "medium", "high", "urgent"),
    },
)

# Revision 005 adds the ranks with their CHECKs and replaces four indexes by partial ones.
TASKS_WITH_RANKS = ExpectedTable(
    columns=TASKS.columns | {"status_rank": ("SMALLINT", NOT_NULL), "priority_rank": ("SMALLINT", NOT_NULL)},
    primary_key=TASKS.primary_key,
    foreign_keys=TASKS.foreign_keys,
    unique_constraints=TASKS.unique_constraints,
    indexes={
        "ix_tasks_assignee_id": index("assignee_id"),
        "ix_tasks_reporter_id": index("reporter_id"),
        "ix_tasks_due_date": index("due_date"),
        "ix_tasks_live_project_id_status_rank_priority_rank": index(
            "project_id", "status_rank", "priority_rank", where=LIVE
        ),
        "ix_tasks_live_created_at_id": index("created_at", "id", where=LIVE),
        "ix_tasks_live_project_id_created_at_id": index("project_id", "created_at", "id", where=LIVE),
        "ix_tasks_live_priority_rank_due_date_id": index(
            "priority_rank", "due_date", "id", where=LIVE, descending=("priority_rank",)
        ),
        "ix_tasks_live_status_rank_id": index("status_rank", "id", where=LIVE),
    },
    postgresql_indexes={"ix_tasks_title_folded_trgm": index("title_folded", using="gin (gin_trgm_ops)")},
    check_constraints=TASKS.check_constraints
    | {
        "ck_tasks_status_rank": (
            "todo", "#0", "in_progress", "#1", "blocked", "#2", "done", "#3", "cancelled", "#4",
        ),
        "ck_tasks_priority_rank": ("low", "#0", "medium", "#1", "high", "#2", "urgent", "#3"),
    },
)  # fmt: skip

TASK_TAGS = ExpectedTable(
    columns={"task_id": (UUID_TYPE, NOT_NULL), "tag_id": (UUID_TYPE, NOT_NULL)},
    primary_key=("task_id", "tag_id"),
    foreign_keys={
        "fk_task_tags_task_id_tasks": references("task_id", "tasks(id)", on_delete="CASCADE"),
        "fk_task_tags_tag_id_tags": references("tag_id", "tags(id)", on_delete="CASCADE"),
    },
    indexes={"ix_task_tags_tag_id": index("tag_id")},
)

COMMENTS = ExpectedTable(
    columns={
        "id": (UUID_TYPE, NOT_NULL),
        "task_id": (UUID_TYPE, NOT_NULL),
        "author_id": (UUID_TYPE, NOT_NULL),
        "body": ("TEXT", NOT_NULL),
        "is_deleted": ("BOOLEAN", NOT_NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
        "updated_at": (TIMESTAMP, NOT_NULL),
        "version": ("INTEGER", NOT_NULL),
    },
    primary_key=("id",),
    foreign_keys={
        "fk_comments_task_id_tasks": references("task_id", "tasks(id)"),
        "fk_comments_author_id_users": references("author_id", "users(id)"),
    },
    indexes={
        "ix_comments_author_id": index("author_id"),
        "ix_comments_task_id_created_at_id": index("task_id", "created_at", "id"),
    },
)


IDEMPOTENCY_KEYS = ExpectedTable(
    columns={
        "caller_id": (UUID_TYPE, NOT_NULL),
        "key": ("VARCHAR(255)", NOT_NULL),
        "fingerprint": ("VARCHAR(64)", NOT_NULL),
        "status_code": ("SMALLINT", NOT_NULL),
        "headers": ("JSON", NOT_NULL),
        "body": (Spelled(sqlite="BLOB", postgresql="BYTEA"), NOT_NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
        "expires_at": (TIMESTAMP, NOT_NULL),
    },
    primary_key=("caller_id", "key"),
    foreign_keys={
        "fk_idempotency_keys_caller_id_users": references("caller_id", "users(id)", on_delete="CASCADE"),
    },
    indexes={"ix_idempotency_keys_expires_at": index("expires_at")},
)

TASK_HISTORY = ExpectedTable(
    columns={
        "id": (UUID_TYPE, NOT_NULL),
        "task_id": (UUID_TYPE, NOT_NULL),
        "project_id": (UUID_TYPE, NOT_NULL),
        "actor_id": (UUID_TYPE, NOT_NULL),
        "at": (TIMESTAMP, NOT_NULL),
        "action": ("VARCHAR(15)", NOT_NULL),
        "changes": ("JSON", NOT_NULL),
    },
    primary_key=("id",),
    foreign_keys={
        "fk_task_history_task_id_tasks": references("task_id", "tasks(id)"),
        "fk_task_history_actor_id_users": references("actor_id", "users(id)"),
    },
    indexes={
        "ix_task_history_task_id_at_id": index("task_id", "at", "id"),
        "ix_task_history_project_id_at_id": index("project_id", "at", "id"),
    },
    check_constraints={
        "ck_task_history_history_action": (
            "created",
            "updated",
            "deleted",
            "restored",
            "tags_changed",
            "comment_added",
            "comment_edited",
            "comment_deleted",
        ),
    },
)

TASK_WATCHERS = ExpectedTable(
    columns={
        "task_id": (UUID_TYPE, NOT_NULL),
        "user_id": (UUID_TYPE, NOT_NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
    },
    primary_key=("task_id", "user_id"),
    foreign_keys={
        "fk_task_watchers_task_id_tasks": references("task_id", "tasks(id)", on_delete="CASCADE"),
        "fk_task_watchers_user_id_users": references("user_id", "users(id)", on_delete="CASCADE"),
    },
    indexes={"ix_task_watchers_user_id": index("user_id")},
)


POSITION_TYPE = Spelled(sqlite="INTEGER", postgresql="BIGINT")

OUTBOX = ExpectedTable(
    columns={
        "position": (POSITION_TYPE, NOT_NULL),
        "id": (UUID_TYPE, NOT_NULL),
        "type": ("VARCHAR(15)", NOT_NULL),
        "occurred_at": (TIMESTAMP, NOT_NULL),
        "project_id": (UUID_TYPE, NOT_NULL),
        "task_id": (UUID_TYPE, NOT_NULL),
        "payload": ("TEXT", NOT_NULL),
        "routed": ("BOOLEAN", NOT_NULL),
    },
    primary_key=("position",),
    unique_constraints={"uq_outbox_id": ("id",)},
    indexes={
        "ix_outbox_unrouted_position": index(
            "position", where=Spelled(sqlite="routed = 0", postgresql="NOT routed")
        ),
    },
    check_constraints={
        "ck_outbox_event_type": (
            "task.created", "task.updated", "task.deleted", "task.restored",
            "comment.created", "comment.updated", "comment.deleted",
        ),
    },
)  # fmt: skip

WEBHOOKS = ExpectedTable(
    columns={
        "id": (UUID_TYPE, NOT_NULL),
        "project_id": (UUID_TYPE, NOT_NULL),
        "url": ("VARCHAR(2000)", NOT_NULL),
        "events": ("JSON", NOT_NULL),
        "secret": ("VARCHAR(120)", NOT_NULL),
        "active": ("BOOLEAN", NOT_NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
        "updated_at": (TIMESTAMP, NOT_NULL),
    },
    primary_key=("id",),
    foreign_keys={"fk_webhooks_project_id_projects": references("project_id", "projects(id)")},
    indexes={"ix_webhooks_project_id_created_at_id": index("project_id", "created_at", "id")},
)

WEBHOOK_DELIVERIES = ExpectedTable(
    columns={
        "id": (UUID_TYPE, NOT_NULL),
        "webhook_id": (UUID_TYPE, NOT_NULL),
        "event_position": (POSITION_TYPE, NOT_NULL),
        "task_id": (UUID_TYPE, NOT_NULL),
        "status": ("VARCHAR(9)", NOT_NULL),
        "attempts": ("INTEGER", NOT_NULL),
        "next_attempt_at": (TIMESTAMP, NULL),
        "claimed_until": (TIMESTAMP, NULL),
        "claim_id": (UUID_TYPE, NULL),
        "first_attempt_at": (TIMESTAMP, NULL),
        "last_attempt_at": (TIMESTAMP, NULL),
        "last_status_code": ("SMALLINT", NULL),
        "last_error": ("VARCHAR(200)", NULL),
        "delivered_at": (TIMESTAMP, NULL),
        "created_at": (TIMESTAMP, NOT_NULL),
        "updated_at": (TIMESTAMP, NOT_NULL),
    },
    primary_key=("id",),
    foreign_keys={
        "fk_webhook_deliveries_webhook_id_webhooks": references(
            "webhook_id", "webhooks(id)", on_delete="CASCADE"
        ),
        "fk_webhook_deliveries_event_position_outbox": references("event_position", "outbox(position)"),
    },
    unique_constraints={
        "uq_webhook_deliveries_webhook_id_event_position": ("webhook_id", "event_position"),
    },
    indexes={
        "ix_webhook_deliveries_event_position": index("event_position"),
        "ix_webhook_deliveries_status_next_attempt_at": index("status", "next_attempt_at"),
        "ix_webhook_deliveries_webhook_id_task_id_event_position": index(
            "webhook_id", "task_id", "event_position"
        ),
        "ix_webhook_deliveries_webhook_id_created_at_id": index("webhook_id", "created_at", "id"),
    },
    check_constraints={"ck_webhook_deliveries_delivery_status": ("pending", "delivered", "failed")},
)


# Rows are written with plain columns typed after their values rather than with the models, whose
# Enums would refuse an unknown status before the database could.
Row = dict[str, Any]
PROJECT_KEYS = ("".join(letters) for letters in product(ascii_uppercase, repeat=4))


LIVE_TASK_COUNTS = ExpectedTable(
    columns={"project_id": (UUID_TYPE, NOT_NULL), "live_tasks": ("INTEGER", NOT_NULL)},
    primary_key=("project_id",),
    foreign_keys={
        "fk_live_task_counts_project_id_projects": references(
            "project_id", "projects(id)", on_delete="CASCADE"
        ),
    },
)


def column_type(value: object) -> sa.types.TypeEngine[Any]:
    if isinstance(value, bool):
        return sa.Boolean()
    if isinstance(value, UUID):
        return sa.Uuid()
    if isinstance(value, datetime):
        return sa.DateTime(timezone=True)
    if isinstance(value, date):
        return sa.Date()
    if isinstance(value, int):
        return sa.Integer()
    if isinstance(value, str):
        return sa.String()
    if isinstance(value, bytes):
        return sa.LargeBinary()
    if isinstance(value, dict | list):
        return sa.JSON()
    return sa.types.NullType()


def plain_table(name: str, values: Row) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, column_type(value)) for column, value in values.items()))


# The ranks of revision 005, as its backfill writes them.
STATUS_RANKS = {"todo": 0, "in_progress": 1, "blocked": 2, "done": 3, "cancelled": 4}
PRIORITY_RANKS = {"low": 0, "medium": 1, "high": 2, "urgent": 3}


@dataclass(frozen=True, slots=True)
class Database:
    """The database under test, and the revision its schema is at."""

    engine: AsyncEngine
    revision: str

    def has(self, revision: str) -> bool:
        return int(self.revision) >= int(revision)


def with_ranks(row: Row) -> Row:
    """A task row as revision 005 takes it: with the ranks of its status and priority (0 for a name
    that has none, which the CHECKs of the names refuse), unless the row sets them itself."""
    ranks = {
        "status_rank": STATUS_RANKS.get(row["status"], 0),
        "priority_rank": PRIORITY_RANKS.get(row["priority"], 0),
    }
    return ranks | row


async def insert(db: Database, table: str, row: Row) -> None:
    if table == "tasks" and db.has("005"):
        row = with_ranks(row)
    async with db.engine.begin() as connection:
        await connection.execute(sa.insert(plain_table(table, row)).values(row))


async def delete(db: Database, table: str, **where: object) -> None:
    clause = plain_table(table, where)
    async with db.engine.begin() as connection:
        await connection.execute(sa.delete(clause).where(*(clause.c[k] == v for k, v in where.items())))


async def count(db: Database, table: str, **where: object) -> int:
    clause = plain_table(table, where)
    query = sa.select(sa.func.count()).select_from(clause)
    async with db.engine.connect() as connection:
        return int(await connection.scalar(query.where(*(clause.c[k] == v for k, v in where.items()))) or 0)


def stamps() -> Row:
    now = datetime.now(UTC)
    return {"created_at": now, "updated_at": now}


def user_row(*, email: str | None = None, role: str = "member", is_deleted: bool = False) -> Row:
    return {
        "id": new_id(),
        "email": email or unique_email(),
        "full_name": "Ada Lovelace",
        "password_hash": "not-a-real-hash",
        "role": role,
        "is_active": True,
        "is_deleted": is_deleted,
        **stamps(),
        "version": 1,
    }


def project_row(*, key: str | None = None, is_deleted: bool = False) -> Row:
    return {
        "id": new_id(),
        "key": key or next(PROJECT_KEYS),
        "name": "Operations",
        "name_folded": "operations",
        "description": "",
        "task_counter": 0,
        "is_deleted": is_deleted,
        **stamps(),
        "version": 1,
    }


def member_row(project_id: UUID, user_id: UUID, *, role: str = "manager") -> Row:
    return {"project_id": project_id, "user_id": user_id, "role": role, **stamps()}


def tag_row(project_id: UUID, name: str) -> Row:
    return {
        "id": new_id(),
        "project_id": project_id,
        "name": name,
        "name_key": name.casefold(),
        "color": "#1e90ff",
        **stamps(),
    }


def task_row(
    project_id: UUID,
    reporter_id: UUID,
    *,
    number: int,
    status: str = "todo",
    priority: str = "medium",
    assignee_id: UUID | None = None,
    is_deleted: bool = False,
) -> Row:
    return {
        "id": new_id(),
        "project_id": project_id,
        "number": number,
        "title": "Rotate the keys",
        "title_folded": "rotate the keys",
        "description": "",
        "status": status,
        "priority": priority,
        "assignee_id": assignee_id,
        "reporter_id": reporter_id,
        "due_date": date(2026, 12, 24),
        "completed_at": None,
        "is_deleted": is_deleted,
        **stamps(),
        "version": 1,
    }


def comment_row(task_id: UUID, author_id: UUID) -> Row:
    return {
        "id": new_id(),
        "task_id": task_id,
        "author_id": author_id,
        "body": "Done on staging.",
        "is_deleted": False,
        **stamps(),
        "version": 1,
    }


# What each revision's tables accept and refuse.
FOREIGN_KEY_FAILED = "FOREIGN KEY constraint failed"


def unique_failed(table: str, *columns: str) -> str:
    return "UNIQUE constraint failed: " + ", ".join(f"{table}.{column}" for column in columns)


def refused(constraint: str, *, sqlite_says: str | None = None) -> pytest.RaisesExc[IntegrityError]:
    """The database refuses the write. PostgreSQL names the constraint; SQLite names a CHECK but
    describes a UNIQUE constraint by its columns and a foreign key not at all."""
    alternatives = [constraint] if sqlite_says is None else [constraint, sqlite_says]
    return pytest.raises(IntegrityError, match="|".join(map(re.escape, alternatives)))


async def users_keep_their_rules(db: Database) -> None:
    email = unique_email()
    await insert(db, "users", user_row(email=email, role="admin"))
    await insert(db, "users", user_row(role="member"))
    with refused("ck_users_user_role"):
        await insert(db, "users", user_row(role="owner"))
    # Unique among live users only: a deleted user's email may be taken again, a live one's not.
    await insert(db, "users", user_row(email=email, is_deleted=True))
    with refused("uq_users_email_active", sqlite_says=unique_failed("users", "email")):
        await insert(db, "users", user_row(email=email))


async def projects_and_members_keep_their_rules(db: Database) -> None:
    user = user_row()
    await insert(db, "users", user)

    # A deleted project's key may be used again (even twice), a live one's may not.
    key = next(PROJECT_KEYS)
    await insert(db, "projects", project_row(key=key, is_deleted=True))
    await insert(db, "projects", project_row(key=key, is_deleted=True))
    project = project_row(key=key)
    await insert(db, "projects", project)
    with refused("uq_projects_key_active", sqlite_says=unique_failed("projects", "key")):
        await insert(db, "projects", project_row(key=key))

    await insert(db, "project_members", member_row(project["id"], user["id"], role="viewer"))
    with refused("pk_project_members", sqlite_says=unique_failed("project_members", "project_id", "user_id")):
        await insert(db, "project_members", member_row(project["id"], user["id"], role="manager"))
    other = user_row()
    await insert(db, "users", other)
    with refused("ck_project_members_member_role"):
        await insert(db, "project_members", member_row(project["id"], other["id"], role="owner"))
    with refused("fk_project_members_project_id_projects", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "project_members", member_row(new_id(), other["id"]))
    with refused("fk_project_members_user_id_users", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "project_members", member_row(project["id"], new_id()))


async def tasks_and_tags_keep_their_rules(db: Database) -> None:
    reporter, ops, web = user_row(), project_row(), project_row()
    await insert(db, "users", reporter)
    await insert(db, "projects", ops)
    await insert(db, "projects", web)

    # A task number is never handed out twice in a project, not even after its task was deleted.
    await insert(db, "tasks", task_row(ops["id"], reporter["id"], number=1, is_deleted=True))
    with refused("uq_tasks_project_id_number", sqlite_says=unique_failed("tasks", "project_id", "number")):
        await insert(db, "tasks", task_row(ops["id"], reporter["id"], number=1))
    ops_task = task_row(ops["id"], reporter["id"], number=2, status="done", priority="urgent")
    web_task = task_row(web["id"], reporter["id"], number=1, assignee_id=reporter["id"])
    await insert(db, "tasks", ops_task)
    await insert(db, "tasks", web_task)
    with refused("ck_tasks_task_status"):
        await insert(db, "tasks", task_row(ops["id"], reporter["id"], number=3, status="archived"))
    with refused("ck_tasks_task_priority"):
        await insert(db, "tasks", task_row(ops["id"], reporter["id"], number=3, priority="asap"))
    with refused("fk_tasks_project_id_projects", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "tasks", task_row(new_id(), reporter["id"], number=1))
    with refused("fk_tasks_assignee_id_users", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "tasks", task_row(ops["id"], reporter["id"], number=3, assignee_id=new_id()))

    # Tag names are unique per project, compared by their folded key.
    ops_bug, web_bug = tag_row(ops["id"], "Bug"), tag_row(web["id"], "Bug")
    await insert(db, "tags", ops_bug)
    await insert(db, "tags", web_bug)
    with refused("uq_tags_project_id_name_key", sqlite_says=unique_failed("tags", "project_id", "name_key")):
        await insert(db, "tags", tag_row(ops["id"], "BUG"))
    with refused("fk_tags_project_id_projects", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "tags", tag_row(new_id(), "Bug"))

    await insert(db, "task_tags", {"task_id": ops_task["id"], "tag_id": ops_bug["id"]})
    await insert(db, "task_tags", {"task_id": web_task["id"], "tag_id": web_bug["id"]})
    with refused("fk_task_tags_tag_id_tags", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "task_tags", {"task_id": ops_task["id"], "tag_id": new_id()})
    # Deleting a tag takes it off its tasks, deleting a task drops its tags, and nothing else goes.
    await delete(db, "tags", id=ops_bug["id"])
    assert await count(db, "task_tags", task_id=ops_task["id"]) == 0
    assert await count(db, "task_tags", task_id=web_task["id"]) == 1
    await delete(db, "tasks", id=web_task["id"])
    assert await count(db, "task_tags", tag_id=web_bug["id"]) == 0
    assert await count(db, "tags", id=web_bug["id"]) == 1


async def comments_keep_their_rules(db: Database) -> None:
    author, project = user_row(), project_row()
    await insert(db, "users", author)
    await insert(db, "projects", project)
    task = task_row(project["id"], author["id"], number=1)
    await insert(db, "tasks", task)

    await insert(db, "comments", comment_row(task["id"], author["id"]))
    assert await count(db, "comments", task_id=task["id"]) == 1
    with refused("fk_comments_task_id_tasks", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "comments", comment_row(new_id(), author["id"]))
    with refused("fk_comments_author_id_users", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "comments", comment_row(task["id"], new_id()))


async def task_ranks_keep_step_with_status_and_priority(db: Database) -> None:
    reporter, project = user_row(), project_row()
    await insert(db, "users", reporter)
    await insert(db, "projects", project)
    numbers = itertools.count(1)
    for status, priority in itertools.product(STATUS_RANKS, PRIORITY_RANKS):
        await insert(
            db,
            "tasks",
            task_row(project["id"], reporter["id"], number=next(numbers), status=status, priority=priority),
        )
    # A rank out of step with its name, or none at all, is refused.
    done_ranked_todo = task_row(project["id"], reporter["id"], number=next(numbers), status="done")
    with refused("ck_tasks_status_rank"):
        await insert(db, "tasks", done_ranked_todo | {"status_rank": STATUS_RANKS["todo"]})
    urgent_ranked_low = task_row(project["id"], reporter["id"], number=next(numbers), priority="urgent")
    with refused("ck_tasks_priority_rank"):
        await insert(db, "tasks", urgent_ranked_low | {"priority_rank": PRIORITY_RANKS["low"]})
    unranked = task_row(project["id"], reporter["id"], number=next(numbers))
    with refused("status_rank", sqlite_says="NOT NULL constraint failed: tasks.status_rank"):
        await insert(db, "tasks", unranked | {"status_rank": None})


def idempotency_key_row(caller_id: UUID, key: str) -> Row:
    now = datetime.now(UTC)
    return {
        "caller_id": caller_id,
        "key": key,
        "fingerprint": "0" * 64,
        "status_code": 201,
        "headers": {"content-type": "application/json"},
        "body": b"{}",
        "created_at": now,
        "expires_at": now,
    }


async def idempotency_keys_keep_their_rules(db: Database) -> None:
    caller, other = user_row(), user_row()
    await insert(db, "users", caller)
    await insert(db, "users", other)

    # A key once per caller; another caller's key of the same name is their own.
    await insert(db, "idempotency_keys", idempotency_key_row(caller["id"], "k-1"))
    await insert(db, "idempotency_keys", idempotency_key_row(other["id"], "k-1"))
    with refused("pk_idempotency_keys", sqlite_says=unique_failed("idempotency_keys", "caller_id", "key")):
        await insert(db, "idempotency_keys", idempotency_key_row(caller["id"], "k-1"))
    with refused("fk_idempotency_keys_caller_id_users", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "idempotency_keys", idempotency_key_row(new_id(), "k-2"))
    # The account's keys go with its row.
    await delete(db, "users", id=caller["id"])
    assert await count(db, "idempotency_keys", caller_id=caller["id"]) == 0
    assert await count(db, "idempotency_keys", caller_id=other["id"]) == 1


def history_row(task: Row, actor_id: UUID, action: str = "updated") -> Row:
    return {
        "id": new_id(),
        "task_id": task["id"],
        "project_id": task["project_id"],
        "actor_id": actor_id,
        "at": datetime.now(UTC),
        "action": action,
        "changes": [{"field": "status", "from": "todo", "to": "in_progress"}],
    }


async def history_and_watchers_keep_their_rules(db: Database) -> None:
    actor, project = user_row(), project_row()
    await insert(db, "users", actor)
    await insert(db, "projects", project)
    task = task_row(project["id"], actor["id"], number=1)
    await insert(db, "tasks", task)

    await insert(db, "task_history", history_row(task, actor["id"]))
    assert await count(db, "task_history", task_id=task["id"]) == 1
    with refused("ck_task_history_history_action"):
        await insert(db, "task_history", history_row(task, actor["id"], action="renamed"))
    with refused("fk_task_history_task_id_tasks", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "task_history", history_row(task | {"id": new_id()}, actor["id"]))
    with refused("fk_task_history_actor_id_users", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "task_history", history_row(task, new_id()))

    watcher = {"task_id": task["id"], "user_id": actor["id"], "created_at": datetime.now(UTC)}
    await insert(db, "task_watchers", watcher)
    with refused("pk_task_watchers", sqlite_says=unique_failed("task_watchers", "task_id", "user_id")):
        await insert(db, "task_watchers", watcher)
    with refused("fk_task_watchers_user_id_users", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "task_watchers", watcher | {"user_id": new_id()})


def outbox_row(**fields: Any) -> Row:
    return {
        "id": new_id(),
        "type": "task.created",
        "occurred_at": datetime.now(UTC),
        "project_id": new_id(),
        "task_id": new_id(),
        "payload": "{}",
        "routed": False,
        **fields,
    }


def webhook_row(project_id: UUID) -> Row:
    return {
        "id": new_id(),
        "project_id": project_id,
        "url": "https://hooks.example.com/in",
        "events": ["task.created"],
        "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "active": True,
        **stamps(),
    }


def delivery_row(webhook_id: UUID, event_position: int, status: str = "pending") -> Row:
    return {
        "id": new_id(),
        "webhook_id": webhook_id,
        "event_position": event_position,
        "task_id": new_id(),
        "status": status,
        "attempts": 0,
        **stamps(),
    }


async def positions(db: Database) -> list[int]:
    outbox = sa.table("outbox", sa.column("position", sa.Integer()))
    async with db.engine.connect() as connection:
        return list(
            (await connection.scalars(sa.select(outbox.c.position).order_by(outbox.c.position))).all()
        )


async def webhooks_keep_their_rules(db: Database) -> None:
    project = project_row()
    await insert(db, "projects", project)

    # The database numbers the events in the order they are inserted.
    for _ in range(3):
        await insert(db, "outbox", outbox_row())
    numbered = await positions(db)
    assert numbered == sorted(numbered)
    assert len(set(numbered)) == 3
    taken = outbox_row()
    await insert(db, "outbox", taken)
    with refused("uq_outbox_id", sqlite_says=unique_failed("outbox", "id")):
        await insert(db, "outbox", outbox_row(id=taken["id"]))
    with refused("ck_outbox_event_type"):
        await insert(db, "outbox", outbox_row(type="task.exploded"))

    webhook = webhook_row(project["id"])
    await insert(db, "webhooks", webhook)
    with refused("fk_webhooks_project_id_projects", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "webhooks", webhook_row(new_id()))

    first = numbered[0]
    await insert(db, "webhook_deliveries", delivery_row(webhook["id"], first))
    with refused(
        "uq_webhook_deliveries_webhook_id_event_position",
        sqlite_says=unique_failed("webhook_deliveries", "webhook_id", "event_position"),
    ):
        await insert(db, "webhook_deliveries", delivery_row(webhook["id"], first))
    with refused("fk_webhook_deliveries_event_position_outbox", sqlite_says=FOREIGN_KEY_FAILED):
        await insert(db, "webhook_deliveries", delivery_row(webhook["id"], max(numbered) + 100))
    with refused("ck_webhook_deliveries_delivery_status"):
        await insert(db, "webhook_deliveries", delivery_row(webhook["id"], numbered[1], status="lost"))
    # A webhook's deliveries go with its row.
    await delete(db, "webhooks", id=webhook["id"])
    assert await count(db, "webhook_deliveries", webhook_id=webhook["id"]) == 0


async def update_tasks(db: Database, task_ids: Sequence[UUID], **values: object) -> None:
    tasks = plain_table("tasks", {"id": new_id(), **values})
    async with db.engine.begin() as connection:
        await connection.execute(sa.update(tasks).where(tasks.c.id.in_(task_ids)).values(values))


async def live_counts(db: Database, *projects: Row) -> dict[UUID, int]:
    """The projects' counts of live tasks: as live_task_counts keeps them, which for every project
    is what counting its live tasks gives."""
    counts = sa.table("live_task_counts", sa.column("project_id", sa.Uuid()), sa.column("live_tasks"))
    tasks = sa.table("tasks", sa.column("project_id", sa.Uuid()), sa.column("is_deleted", sa.Boolean()))
    async with db.engine.connect() as connection:
        kept: dict[UUID, int] = dict(
            (await connection.execute(sa.select(counts.c.project_id, counts.c.live_tasks))).all()
        )
        counted: dict[UUID, int] = dict(
            (
                await connection.execute(
                    sa.select(tasks.c.project_id, sa.func.count())
                    .where(~tasks.c.is_deleted)
                    .group_by(tasks.c.project_id)
                )
            ).all()
        )
    # A project whose tasks are all gone may keep a row that says 0.
    assert {project: n for project, n in kept.items() if n} == counted
    return {project["id"]: counted[project["id"]] for project in projects if project["id"] in counted}


async def live_task_counts_follow_the_tasks(db: Database) -> None:
    reporter, first, second = user_row(), project_row(), project_row()
    await insert(db, "users", reporter)
    await insert(db, "projects", first)
    await insert(db, "projects", second)
    live = [task_row(first["id"], reporter["id"], number=n) for n in (1, 2, 3)]
    deleted = task_row(first["id"], reporter["id"], number=4, is_deleted=True)
    elsewhere = [task_row(second["id"], reporter["id"], number=n) for n in (1, 2)]
    # Several rows in one statement, of two projects, deleted ones among them.
    rows = [with_ranks(row) for row in [*live, deleted, *elsewhere]]
    async with db.engine.begin() as connection:
        await connection.execute(sa.insert(plain_table("tasks", rows[0])).values(rows))
    assert await live_counts(db, first, second) == {first["id"]: 3, second["id"]: 2}

    await update_tasks(db, [live[0]["id"], live[1]["id"]], is_deleted=True)
    assert await live_counts(db, first, second) == {first["id"]: 1, second["id"]: 2}
    await update_tasks(db, [live[0]["id"], deleted["id"]], is_deleted=False)
    assert await live_counts(db, first, second) == {first["id"]: 3, second["id"]: 2}
    await update_tasks(db, [live[0]["id"]], title="Renamed")  # neither deleted nor moved
    assert await live_counts(db, first, second) == {first["id"]: 3, second["id"]: 2}
    await update_tasks(db, [live[2]["id"]], project_id=second["id"], number=3)
    assert await live_counts(db, first, second) == {first["id"]: 2, second["id"]: 3}
    await update_tasks(db, [live[1]["id"]], project_id=second["id"], number=4)  # deleted: not counted
    assert await live_counts(db, first, second) == {first["id"]: 2, second["id"]: 3}

    await delete(db, "tasks", id=elsewhere[0]["id"])
    await delete(db, "tasks", id=live[1]["id"])  # a deleted task: the counts stay
    assert await live_counts(db, first, second) == {first["id"]: 2, second["id"]: 2}
    # A project's count goes with the project.
    for task in (elsewhere[1], live[2]):
        await delete(db, "tasks", id=task["id"])
    await delete(db, "projects", id=second["id"])
    assert await count(db, "live_task_counts", project_id=second["id"]) == 0


@dataclass(frozen=True, slots=True)
class Revision:
    id: str
    tables: dict[str, ExpectedTable]  # the tables it creates or changes, as they are after it
    keeps_its_rules: Callable[[Database], Awaitable[None]]


REVISIONS = (
    Revision("001", {"users": USERS}, users_keep_their_rules),
    Revision(
        "002",
        {"projects": PROJECTS, "project_members": PROJECT_MEMBERS},
        projects_and_members_keep_their_rules,
    ),
    Revision("003", {"tags": TAGS, "tasks": TASKS, "task_tags": TASK_TAGS}, tasks_and_tags_keep_their_rules),
    Revision("004", {"comments": COMMENTS}, comments_keep_their_rules),
    Revision("005", {"tasks": TASKS_WITH_RANKS}, task_ranks_keep_step_with_status_and_priority),
    Revision("006", {"idempotency_keys": IDEMPOTENCY_KEYS}, idempotency_keys_keep_their_rules),
    Revision(
        "007",
        {"task_history": TASK_HISTORY, "task_watchers": TASK_WATCHERS},
        history_and_watchers_keep_their_rules,
    ),
    Revision(
        "008",
        {"outbox": OUTBOX, "webhooks": WEBHOOKS, "webhook_deliveries": WEBHOOK_DELIVERIES},
        webhooks_keep_their_rules,
    ),
    Revision("009", {"live_task_counts": LIVE_TASK_COUNTS}, live_task_counts_follow_the_tasks),
)
HEAD = len(REVISIONS) - 1


@asynccontextmanager
async def database_at(database_url: str, position: int) -> AsyncIterator[Database]:
    """The database at REVISIONS[position], through an engine that enforces foreign keys: SQLite
    ignores them (and so ON DELETE CASCADE) unless each connection turns them on."""
    engine = create_async_engine(database_url)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine.sync_engine, "connect")
        def enforce_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

    try:
        yield Database(engine, REVISIONS[position].id)
    finally:
        await engine.dispose()


def tables_at(position: int) -> dict[str, ExpectedTable]:
    """Every table as it is after REVISIONS[position] (position -1: none)."""
    tables: dict[str, ExpectedTable] = {}
    for revision in REVISIONS[: position + 1]:
        tables.update(revision.tables)
    return tables


async def assert_at_revision(database_url: str, position: int) -> None:
    """Exactly the tables of REVISIONS[position] exist, each in the shape it has there."""
    expected = tables_at(position)
    assert await table_names(database_url) == {"alembic_version", *expected}
    current = REVISIONS[position].id if position >= 0 else None
    assert await migrations.current_revision(database_url) == current
    for table, expected_table in expected.items():
        shape = await table_shape(database_url, table)
        assert shape == expected_table.on(shape.dialect), f"{table} at {current}"


async def assert_rules(database_url: str, position: int, revisions: Sequence[Revision]) -> None:
    async with database_at(database_url, position) as db:
        for revision in revisions:
            await revision.keeps_its_rules(db)


def test_every_revision_has_its_expected_tables_here() -> None:
    # A new migration needs a Revision above, or the walk below would never look at its tables.
    assert [entry.split(":")[0] for entry in migrations.history()] == [rev.id for rev in REVISIONS]


async def test_migrations_build_the_schema_step_by_step_remove_it_and_build_it_again(
    database_url: str,
) -> None:
    assert await table_names(database_url) == set()

    for position, revision in enumerate(REVISIONS):
        await migrations.upgrade(database_url, revision.id)
        await assert_at_revision(database_url, position)
        await assert_rules(database_url, position, [revision])

    # Down one revision at a time, rows and all: each step leaves the shape the one before made.
    for position in reversed(range(len(REVISIONS))):
        await migrations.downgrade(database_url, REVISIONS[position - 1].id if position > 0 else "base")
        await assert_at_revision(database_url, position - 1)

    await migrations.upgrade(database_url)
    await assert_at_revision(database_url, HEAD)
    # Every revision's rules still hold at the newest one (task rows now carry their ranks).
    await assert_rules(database_url, HEAD, REVISIONS)


async def test_005_ranks_the_tasks_already_there_and_going_back_keeps_them(database_url: str) -> None:
    await migrations.upgrade(database_url, "004")
    reporter, project = user_row(), project_row()
    tasks = [
        task_row(project["id"], reporter["id"], number=number, status=status, priority=priority)
        for number, (status, priority) in enumerate(itertools.product(STATUS_RANKS, PRIORITY_RANKS), start=1)
    ]
    async with database_at(database_url, REVISIONS.index(revision_named("004"))) as db:
        await insert(db, "users", reporter)
        await insert(db, "projects", project)
        for task in tasks:
            await insert(db, "tasks", task)

    await migrations.upgrade(database_url, "005")
    ranked = await task_columns(database_url, "status", "priority", "status_rank", "priority_rank")
    assert ranked == {
        task["id"]: (
            task["status"],
            task["priority"],
            STATUS_RANKS[task["status"]],
            PRIORITY_RANKS[task["priority"]],
        )
        for task in tasks
    }

    await migrations.downgrade(database_url, "004")
    assert await task_columns(database_url, "status", "priority") == {
        task["id"]: (task["status"], task["priority"]) for task in tasks
    }


def revision_named(revision_id: str) -> Revision:
    return next(revision for revision in REVISIONS if revision.id == revision_id)


async def task_columns(database_url: str, *columns: str) -> dict[UUID, tuple[Any, ...]]:
    """Each task's id and the given columns, read as plain values."""
    tasks = sa.table("tasks", sa.column("id", sa.Uuid()), *(sa.column(name) for name in columns))
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(sa.select(tasks.c.id, *(tasks.c[name] for name in columns)))
            return {row[0]: tuple(row[1:]) for row in rows}
    finally:
        await engine.dispose()


async def test_009_counts_the_tasks_already_there_and_going_back_leaves_them(database_url: str) -> None:
    await migrations.upgrade(database_url, "008")
    reporter, project, empty = user_row(), project_row(), project_row()
    async with database_at(database_url, REVISIONS.index(revision_named("008"))) as db:
        await insert(db, "users", reporter)
        for row in (project, empty):
            await insert(db, "projects", row)
        for number in range(1, 6):
            await insert(
                db, "tasks", task_row(project["id"], reporter["id"], number=number, is_deleted=number > 3)
            )

    await migrations.upgrade(database_url, "009")
    async with database_at(database_url, REVISIONS.index(revision_named("009"))) as db:
        assert await live_counts(db, project, empty) == {project["id"]: 3}

    await migrations.downgrade(database_url, "008")
    async with database_at(database_url, REVISIONS.index(revision_named("008"))) as db:
        assert await count(db, "tasks", project_id=project["id"]) == 5
        # The triggers went with the table: tasks are still written, deleted and removed.
        added = task_row(project["id"], reporter["id"], number=6)
        await insert(db, "tasks", added)
        await update_tasks(db, [added["id"]], is_deleted=True)
        await delete(db, "tasks", id=added["id"])
