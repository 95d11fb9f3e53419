"""Create the outbox, webhooks and webhook_deliveries: events recorded with their change, delivered after.

`outbox` holds each task and comment event, inserted in the transaction of its change, in the order
of recording (`position`); an event is `routed` once its deliveries exist. `webhooks` are a
project's subscriptions; `webhook_deliveries` one event on its way to one webhook, with its
attempts and the lease of the dispatcher attempting it. Deleting a webhook deletes its deliveries.
Self-contained: it creates and drops only these three tables.

Revision ID: 008
Revises: 007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "008"
down_revision: str | None = "007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite counts an INTEGER PRIMARY KEY up by itself (its rowid); PostgreSQL takes a BIGINT from a
# sequence.
POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Rendered by each database's dialect, as the dispatcher's `~outbox.routed` is.
UNROUTED = ~sa.column("routed", sa.Boolean())
EVENT_TYPES = (
    "task.created",
    "task.updated",
    "task.deleted",
    "task.restored",
    "comment.created",
    "comment.updated",
    "comment.deleted",
)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("position", POSITION, autoincrement=True, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(*EVENT_TYPES, name="event_type", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("routed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_outbox"),
        sa.UniqueConstraint("id", name="uq_outbox_id"),
    )
    op.create_index(
        "ix_outbox_unrouted_position",
        "outbox",
        ["position"],
        postgresql_where=UNROUTED,
        sqlite_where=UNROUTED,
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_webhooks_project_id_projects"),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
    )
    op.create_index("ix_webhooks_project_id_created_at_id", "webhooks", ["project_id", "created_at", "id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("webhook_id", sa.Uuid(), nullable=False),
        sa.Column("event_position", POSITION, nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "failed",
                name="delivery_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.SmallInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name="fk_webhook_deliveries_webhook_id_webhooks",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_position"], ["outbox.position"], name="fk_webhook_deliveries_event_position_outbox"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint(
            "webhook_id", "event_position", name="uq_webhook_deliveries_webhook_id_event_position"
        ),
    )
    op.create_index("ix_webhook_deliveries_event_position", "webhook_deliveries", ["event_position"])
    op.create_index(
        "ix_webhook_deliveries_status_next_attempt_at", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_webhook_id_task_id_event_position",
        "webhook_deliveries",
        ["webhook_id", "task_id", "event_position"],
    )
    op.create_index(
        "ix_webhook_deliveries_webhook_id_created_at_id",
        "webhook_deliveries",
        ["webhook_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    op.drop_index("ix_outbox_unrouted_position", table_name="outbox")
    op.drop_table("outbox")
