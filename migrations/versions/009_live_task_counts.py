"""Keep each project's number of live tasks in `live_task_counts`, maintained by triggers on `tasks`.

A list's `total` is exact. Counting the matching rows costs time in proportion to them: at a million
tasks an admin's unfiltered list spent most of its time counting every live task. When a list is
narrowed down by nothing but projects (all, the caller's, or one), its total is the sum of these
counts instead, a few rows whatever the size of the table.

The database keeps the counts, in the transaction of each change, so that no write path (the API,
the seed, a hand-written UPDATE) can leave them behind:
- an INSERT of live tasks adds them to their projects' counts (on PostgreSQL once per statement,
  from its transition table, so that a COPY of thousands of rows updates each count once);
- a DELETE of live tasks takes them off;
- an UPDATE that deletes, restores or moves a task moves it between counts (only then: the trigger's
  WHEN leaves every other UPDATE alone, so editing a task runs no statement more).
A project without a row has no live tasks. The rows go with their project.

SQLite drops a table's triggers when it rebuilds the table (`batch_alter_table`): a later revision
that rebuilds `tasks` there must create these triggers again.

Revision ID: 009
Revises: 008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "009"
down_revision: str | None = "008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POSTGRESQL = (
    """
    CREATE FUNCTION count_inserted_live_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO live_task_counts AS counts (project_id, live_tasks)
        SELECT project_id, count(*) FROM inserted WHERE NOT is_deleted
        GROUP BY project_id ORDER BY project_id
        ON CONFLICT (project_id) DO UPDATE SET live_tasks = counts.live_tasks + excluded.live_tasks;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION count_deleted_live_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE live_task_counts AS counts SET live_tasks = counts.live_tasks - gone.tasks
        FROM (
            SELECT project_id, count(*) AS tasks FROM deleted WHERE NOT is_deleted
            GROUP BY project_id
        ) AS gone
        WHERE counts.project_id = gone.project_id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION count_changed_live_task() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT OLD.is_deleted THEN
            UPDATE live_task_counts SET live_tasks = live_tasks - 1 WHERE project_id = OLD.project_id;
        END IF;
        IF NOT NEW.is_deleted THEN
            INSERT INTO live_task_counts AS counts (project_id, live_tasks) VALUES (NEW.project_id, 1)
            ON CONFLICT (project_id) DO UPDATE SET live_tasks = counts.live_tasks + 1;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tasks_count_inserted AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_live_tasks()
    """,
    """
    CREATE TRIGGER tasks_count_deleted AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_live_tasks()
    """,
    """
    CREATE TRIGGER tasks_count_changed AFTER UPDATE OF is_deleted, project_id ON tasks FOR EACH ROW
    WHEN (OLD.is_deleted IS DISTINCT FROM NEW.is_deleted OR OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION count_changed_live_task()
    """,
)
_POSTGRESQL_DROP = (
    "DROP TRIGGER tasks_count_changed ON tasks",
    "DROP TRIGGER tasks_count_deleted ON tasks",
    "DROP TRIGGER tasks_count_inserted ON tasks",
    "DROP FUNCTION count_changed_live_task()",
    "DROP FUNCTION count_deleted_live_tasks()",
    "DROP FUNCTION count_inserted_live_tasks()",
)

# SQLite has row triggers only; each is a B-tree update in the same process.
_SQLITE = (
    """
    CREATE TRIGGER tasks_count_inserted AFTER INSERT ON tasks WHEN NOT NEW.is_deleted BEGIN
        INSERT INTO live_task_counts (project_id, live_tasks) VALUES (NEW.project_id, 1)
        ON CONFLICT (project_id) DO UPDATE SET live_tasks = live_tasks + 1;
    END
    """,
    """
    CREATE TRIGGER tasks_count_deleted AFTER DELETE ON tasks WHEN NOT OLD.is_deleted BEGIN
        UPDATE live_task_counts SET live_tasks = live_tasks - 1 WHERE project_id = OLD.project_id;
    END
    """,
    """
    CREATE TRIGGER tasks_count_changed AFTER UPDATE OF is_deleted, project_id ON tasks
    WHEN OLD.is_deleted IS NOT NEW.is_deleted OR OLD.project_id IS NOT NEW.project_id BEGIN
        UPDATE live_task_counts SET live_tasks = live_tasks - 1
        WHERE project_id = OLD.project_id AND NOT OLD.is_deleted;
        INSERT INTO live_task_counts (project_id, live_tasks)
        SELECT NEW.project_id, 1 WHERE NOT NEW.is_deleted
        ON CONFLICT (project_id) DO UPDATE SET live_tasks = live_tasks + 1;
    END
    """,
)
_SQLITE_DROP = (
    "DROP TRIGGER tasks_count_changed",
    "DROP TRIGGER tasks_count_deleted",
    "DROP TRIGGER tasks_count_inserted",
)


def upgrade() -> None:
    op.create_table(
        "live_task_counts",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("live_tasks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_live_task_counts_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name="pk_live_task_counts"),
    )
    # The tasks already there, counted before the triggers count the ones to come (the migration
    # runs in one transaction, so no write falls in between on either database).
    op.execute(
        "INSERT INTO live_task_counts (project_id, live_tasks) "
        "SELECT project_id, count(*) FROM tasks WHERE NOT is_deleted GROUP BY project_id"
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL_DROP if postgresql else _SQLITE_DROP:
        op.execute(statement)
    op.drop_table("live_task_counts")
