"""Create task_history (who changed what on a task, and when) and task_watchers.

task_history is append-only: one row per change of a task, its field changes as JSON, indexed for
a task's history and for a project's feed, both newest first; project_id copies the task's (no
foreign key of its own: the task's already ties the entry to its project). task_watchers holds who watches
which task; a task's or a user's rows go with its row.

Revision ID: 007
Revises: 006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "007"
down_revision: str | None = "006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIONS = (
    "created",
    "updated",
    "deleted",
    "restored",
    "tags_changed",
    "comment_added",
    "comment_edited",
    "comment_deleted",
)


def upgrade() -> None:
    op.create_table(
        "task_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "action",
            sa.Enum(*_ACTIONS, name="history_action", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_task_history_task_id_tasks"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_task_history_actor_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_task_history"),
    )
    op.create_index("ix_task_history_task_id_at_id", "task_history", ["task_id", "at", "id"])
    op.create_index("ix_task_history_project_id_at_id", "task_history", ["project_id", "at", "id"])
    op.create_table(
        "task_watchers",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name="fk_task_watchers_task_id_tasks", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_task_watchers_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "user_id", name="pk_task_watchers"),
    )
    op.create_index("ix_task_watchers_user_id", "task_watchers", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_task_watchers_user_id", table_name="task_watchers")
    op.drop_table("task_watchers")
    op.drop_index("ix_task_history_project_id_at_id", table_name="task_history")
    op.drop_index("ix_task_history_task_id_at_id", table_name="task_history")
    op.drop_table("task_history")
