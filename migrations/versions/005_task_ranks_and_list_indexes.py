"""Store task status and priority ranks, and index the task lists' sorts, counts and text search.

`status_rank` and `priority_rank` hold each task's place in the workflow and on the priority scale
(the domain's `rank()`), so that `sort=status` and `sort=-priority,due_date` order by plain columns
an index can serve; a CHECK keeps each rank in step with its name.

The indexes of the lists become partial (live tasks only, as lists are unless asked otherwise): one
on project, status rank and priority rank for the filters and the count (index-only), replacing the
two of 003 on project and status / priority, and the two of the default sort (created_at, id), with
and without the project; new ones serve `sort=-priority,due_date` and `sort=status`. On PostgreSQL,
a trigram GIN index (pg_trgm) serves the `q=` filter, `title_folded LIKE '%...%'`.

The ranks are written out here, not imported: a migration records the schema as it was.

Revision ID: 005
Revises: 004
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "005"
down_revision: str | None = "004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_RANKS = {"todo": 0, "in_progress": 1, "blocked": 2, "done": 3, "cancelled": 4}
PRIORITY_RANKS = {"low": 0, "medium": 1, "high": 2, "urgent": 3}
# Rendered by each database's dialect, as the queries' `~tasks.is_deleted` is: "NOT is_deleted" on
# PostgreSQL, "is_deleted = 0" on SQLite (which uses a partial index only for a WHERE written alike).
LIVE = ~sa.column("is_deleted", sa.Boolean())
LIVE_ONLY: dict[str, Any] = {"postgresql_where": LIVE, "sqlite_where": LIVE}
# The indexes of revision 003 that the partial ones below replace.
REPLACED = {
    "ix_tasks_project_id_status": ["project_id", "status"],
    "ix_tasks_project_id_priority": ["project_id", "priority"],
    "ix_tasks_project_id_created_at_id": ["project_id", "created_at", "id"],
    "ix_tasks_created_at_id": ["created_at", "id"],
}


def _rank_case(column: str, ranks: dict[str, int]) -> str:
    return f"CASE {column} " + " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in ranks.items()) + " END"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Dropped first, so that SQLite's rebuild of the table below has fewer indexes to rebuild.
    for name in REPLACED:
        op.drop_index(name, table_name="tasks")

    # Nullable first, filled from the names, then NOT NULL with the CHECKs (SQLite rebuilds the table).
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("status_rank", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("priority_rank", sa.SmallInteger(), nullable=True))
    tasks = sa.table(
        "tasks", *(sa.column(name) for name in ("status", "priority", "status_rank", "priority_rank"))
    )
    op.execute(
        tasks.update().values(
            status_rank=sa.case(STATUS_RANKS, value=tasks.c.status),
            priority_rank=sa.case(PRIORITY_RANKS, value=tasks.c.priority),
        )
    )
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("status_rank", existing_type=sa.SmallInteger(), nullable=False)
        batch.alter_column("priority_rank", existing_type=sa.SmallInteger(), nullable=False)
        batch.create_check_constraint(
            op.f("ck_tasks_status_rank"), f"status_rank = {_rank_case('status', STATUS_RANKS)}"
        )
        batch.create_check_constraint(
            op.f("ck_tasks_priority_rank"), f"priority_rank = {_rank_case('priority', PRIORITY_RANKS)}"
        )

    op.create_index(
        "ix_tasks_live_project_id_status_rank_priority_rank",
        "tasks",
        ["project_id", "status_rank", "priority_rank"],
        **LIVE_ONLY,
    )
    op.create_index("ix_tasks_live_created_at_id", "tasks", ["created_at", "id"], **LIVE_ONLY)
    op.create_index(
        "ix_tasks_live_project_id_created_at_id", "tasks", ["project_id", "created_at", "id"], **LIVE_ONLY
    )
    op.create_index(
        "ix_tasks_live_priority_rank_due_date_id",
        "tasks",
        [sa.text("priority_rank DESC"), "due_date", "id"],
        **LIVE_ONLY,
    )
    op.create_index("ix_tasks_live_status_rank_id", "tasks", ["status_rank", "id"], **LIVE_ONLY)
    if postgresql:
        # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_tasks_title_folded_trgm",
            "tasks",
            ["title_folded"],
            postgresql_using="gin",
            postgresql_ops={"title_folded": "gin_trgm_ops"},
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.drop_index("ix_tasks_title_folded_trgm", table_name="tasks")
        # RESTRICT, the default: should anything else in this database use pg_trgm, PostgreSQL
        # refuses and names it, and the whole downgrade rolls back.
        op.execute("DROP EXTENSION IF EXISTS pg_trgm")
    for name in (
        "ix_tasks_live_status_rank_id",
        "ix_tasks_live_priority_rank_due_date_id",
        "ix_tasks_live_project_id_created_at_id",
        "ix_tasks_live_created_at_id",
        "ix_tasks_live_project_id_status_rank_priority_rank",
    ):
        op.drop_index(name, table_name="tasks")

    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint(op.f("ck_tasks_priority_rank"), type_="check")
        batch.drop_constraint(op.f("ck_tasks_status_rank"), type_="check")
        batch.drop_column("priority_rank")
        batch.drop_column("status_rank")

    for name, columns in reversed(REPLACED.items()):
        op.create_index(name, "tasks", columns)
