"""Declarative ORM models: the database's shape, kept apart from the domain's entities."""

import enum
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    column,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from adapters.persistence.idempotency import MAX_IDEMPOTENCY_KEY_LENGTH
from domain.events import EventType
from domain.history import HistoryAction
from domain.projects import MAX_PROJECT_NAME_LENGTH, MAX_TAG_NAME_LENGTH, MemberRole
from domain.tasks import MAX_TITLE_LENGTH, Priority, TaskStatus, rank
from domain.users import MAX_EMAIL_LENGTH, MAX_FULL_NAME_LENGTH, UserRole
from domain.webhooks import MAX_ERROR_LENGTH, MAX_URL_LENGTH, DeliveryStatus


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out on every database: SQLite stores no zone and returns naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        # asyncpg reads timestamptz as aware UTC datetimes already: nothing to do for every value
        # of every row (three per task of a page).
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_class: type[enum.StrEnum], name: str) -> Enum:
    """Stored by value in a VARCHAR with a CHECK constraint, the same on SQLite and PostgreSQL.

    A native PostgreSQL enum type would differ between the two databases and needs its own
    create/drop steps in every migration; a CHECK constraint changes like any other constraint.
    """
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime}


class UserModel(Base):
    __tablename__ = "users"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(MAX_EMAIL_LENGTH))
    full_name: Mapped[str] = mapped_column(String(MAX_FULL_NAME_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(str_enum(UserRole, "user_role"))
    is_active: Mapped[bool]
    is_deleted: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column()

    memberships: Mapped[list["ProjectMemberModel"]] = relationship(back_populates="user", lazy="raise")
    assigned_tasks: Mapped[list["TaskModel"]] = relationship(
        back_populates="assignee", foreign_keys="TaskModel.assignee_id", lazy="raise"
    )
    reported_tasks: Mapped[list["TaskModel"]] = relationship(
        back_populates="reporter", foreign_keys="TaskModel.reporter_id", lazy="raise"
    )
    comments: Mapped[list["CommentModel"]] = relationship(back_populates="author", lazy="raise")

    # The application sets each new version itself; the ORM adds "AND version = <as read>" to
    # every UPDATE and raises StaleDataError when another transaction got there first.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        # Emails are unique among live users only: a deleted user's address can be registered again.
        Index(
            "uq_users_email_active",
            "email",
            unique=True,
            sqlite_where=text("NOT is_deleted"),
            postgresql_where=text("NOT is_deleted"),
        ),
        Index("ix_users_created_at_id", "created_at", "id"),
    )


# Relationships below are lazy="raise": a response that needs related rows must load them on
# purpose (joinedload for one, selectinload for many), so an accidental N+1 fails loudly in tests.


class ProjectModel(Base):
    __tablename__ = "projects"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(MAX_PROJECT_NAME_LENGTH))
    # casefold() of name, filled by the mapper: case-insensitive search that agrees on every adapter.
    name_folded: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    # The last task number handed out; bumped with UPDATE ... RETURNING, never through the ORM.
    task_counter: Mapped[int]
    is_deleted: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column()

    members: Mapped[list["ProjectMemberModel"]] = relationship(back_populates="project", lazy="raise")
    tags: Mapped[list["TagModel"]] = relationship(back_populates="project", lazy="raise")
    tasks: Mapped[list["TaskModel"]] = relationship(back_populates="project", lazy="raise")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        # Keys are unique among live projects: a deleted project's key can be used again.
        Index(
            "uq_projects_key_active",
            "key",
            unique=True,
            sqlite_where=text("NOT is_deleted"),
            postgresql_where=text("NOT is_deleted"),
        ),
        Index("ix_projects_created_at_id", "created_at", "id"),
    )


class ProjectMemberModel(Base):
    __tablename__ = "project_members"

    project_id: Mapped[UUID] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole, "member_role"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    project: Mapped[ProjectModel] = relationship(back_populates="members", lazy="raise")
    user: Mapped[UserModel] = relationship(back_populates="memberships", lazy="raise")


task_tags = Table(
    "task_tags",
    Base.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# Each project's number of live tasks, kept by triggers on `tasks` (migration 009): a list narrowed
# down by projects only sums these instead of counting its tasks. Never written by the adapters.
live_task_counts = Table(
    "live_task_counts",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("live_tasks", Integer, nullable=False),
)


class TagModel(Base):
    __tablename__ = "tags"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    project_id: Mapped[UUID] = mapped_column(ForeignKey("projects.id"))
    name: Mapped[str] = mapped_column(String(MAX_TAG_NAME_LENGTH))
    # casefold() of name, filled by the mapper: names are unique per project ignoring case.
    name_key: Mapped[str] = mapped_column(Text)
    color: Mapped[str] = mapped_column(String(7))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    project: Mapped[ProjectModel] = relationship(back_populates="tags", lazy="raise")
    tasks: Mapped[list["TaskModel"]] = relationship(
        secondary=task_tags, back_populates="tags", lazy="raise", passive_deletes=True
    )

    __table_args__ = (UniqueConstraint("project_id", "name_key"),)


def rank_check(ranked: str, named: str, members: type[TaskStatus] | type[Priority]) -> CheckConstraint:
    """`ranked` holds rank() of the `named` column: the database refuses a rank out of step."""
    cases = " ".join(f"WHEN '{member.value}' THEN {rank(member)}" for member in members)
    return CheckConstraint(f"{ranked} = CASE {named} {cases} END", name=ranked)


# Live tasks: the predicate of the partial indexes below. Built as an expression, not text, so that
# each database gets it as its dialect renders `~tasks.is_deleted` in the queries ("NOT is_deleted"
# on PostgreSQL, "is_deleted = 0" on SQLite): SQLite uses a partial index only when the query
# repeats its WHERE term as written.
LIVE_TASK: ColumnElement[bool] = ~column("is_deleted", Boolean())

_LIVE_ONLY: dict[str, Any] = {"postgresql_where": LIVE_TASK, "sqlite_where": LIVE_TASK}


class TaskModel(Base):
    __tablename__ = "tasks"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    project_id: Mapped[UUID] = mapped_column(ForeignKey("projects.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH))
    # casefold() of title, filled by the mapper: the `q` filter agrees on every adapter.
    title_folded: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus, "task_status"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "task_priority"))
    # rank() of status and priority, filled by the mapper: `sort=status` and `sort=priority` order
    # by plain columns that an index serves (a CASE over the names sorts every row first).
    status_rank: Mapped[int] = mapped_column(SmallInteger)
    priority_rank: Mapped[int] = mapped_column(SmallInteger)
    assignee_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    reporter_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), index=True)
    due_date: Mapped[date | None]
    completed_at: Mapped[datetime | None]
    is_deleted: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column()

    project: Mapped[ProjectModel] = relationship(back_populates="tasks", lazy="raise")
    assignee: Mapped[UserModel | None] = relationship(
        back_populates="assigned_tasks", foreign_keys=[assignee_id], lazy="raise"
    )
    reporter: Mapped[UserModel] = relationship(
        back_populates="reported_tasks", foreign_keys=[reporter_id], lazy="raise"
    )
    tags: Mapped[list[TagModel]] = relationship(secondary=task_tags, back_populates="tasks", lazy="raise")
    comments: Mapped[list["CommentModel"]] = relationship(back_populates="task", lazy="raise")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        # The key OPS-42 is (project, number): unique in the database, deleted tasks included,
        # so a number is never handed out twice.
        UniqueConstraint("project_id", "number"),
        rank_check("status_rank", "status", TaskStatus),
        rank_check("priority_rank", "priority", Priority),
        Index("ix_tasks_due_date", "due_date"),
        # Lists show live tasks unless asked otherwise, so the indexes of their filters and sorts
        # are partial: deleted tasks take no room in them. This one serves the filters on project
        # (and visibility), status and priority, and answers a list's count index-only.
        Index(
            "ix_tasks_live_project_id_status_rank_priority_rank",
            "project_id",
            "status_rank",
            "priority_rank",
            **_LIVE_ONLY,
        ),
        # The default sort (created_at, then id), across projects and within one.
        Index("ix_tasks_live_created_at_id", "created_at", "id", **_LIVE_ONLY),
        Index("ix_tasks_live_project_id_created_at_id", "project_id", "created_at", "id", **_LIVE_ONLY),
        # `sort=status`.
        Index("ix_tasks_live_status_rank_id", "status_rank", "id", **_LIVE_ONLY),
        # `q=`: title_folded LIKE '%...%' through trigrams (pg_trgm), on PostgreSQL only; SQLite scans.
        Index(
            "ix_tasks_title_folded_trgm",
            "title_folded",
            postgresql_using="gin",
            postgresql_ops={"title_folded": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )


# `sort=-priority,due_date` (urgent first, then by due date, NULLs last, then id). On PostgreSQL
# the index order is exactly the query's, as ascending order puts NULLs last there; SQLite, which
# puts them first, reads it by priority and sorts each priority's tasks. (Declared here, after the
# class, because a descending column needs the column object.)
Index(
    "ix_tasks_live_priority_rank_due_date_id",
    TaskModel.priority_rank.desc(),
    TaskModel.due_date,
    TaskModel.id,
    **_LIVE_ONLY,
)


class CommentModel(Base):
    __tablename__ = "comments"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"))
    author_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    is_deleted: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column()

    task: Mapped[TaskModel] = relationship(back_populates="comments", lazy="raise")
    author: Mapped[UserModel] = relationship(back_populates="comments", lazy="raise")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    # Comments of a task, oldest first: the list's filter and order in one index.
    __table_args__ = (Index("ix_comments_task_id_created_at_id", "task_id", "created_at", "id"),)


class TaskHistoryModel(Base):
    """One entry of a task's history (domain/history.py): appended, never updated or deleted.

    `changes` is a JSON list of {"field", "from", "to"}. `project_id` repeats the task's, so that a
    project's feed reads its own index without joining the tasks; it has no foreign key of its own,
    as the task's already ties the entry to a task of a project, and each key is one more lookup
    (and row lock) per entry written.
    """

    __tablename__ = "task_history"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"))
    project_id: Mapped[UUID]
    actor_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    action: Mapped[HistoryAction] = mapped_column(str_enum(HistoryAction, "history_action"))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    __table_args__ = (
        # A task's history and a project's feed, newest first: each one's filter and order.
        Index("ix_task_history_task_id_at_id", "task_id", "at", "id"),
        Index("ix_task_history_project_id_at_id", "project_id", "at", "id"),
    )


# Who watches which task. The primary key (task, user) answers "does the caller watch this task?"
# for each task of a page; the index on user_id serves `watched_by=me`.
task_watchers = Table(
    "task_watchers",
    Base.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
)


class IdempotencyKeyModel(Base):
    """A POST's response under the Idempotency-Key its caller sent (adapters/persistence/idempotency.py)."""

    __tablename__ = "idempotency_keys"

    caller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_IDEMPOTENCY_KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # a SHA-256, in hex
    status_code: Mapped[int] = mapped_column(SmallInteger)
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    # Expired keys are deleted by their caller's next claim, or by whatever sweeps this index.
    expires_at: Mapped[datetime] = mapped_column(index=True)


# Events not yet routed to their webhooks: the predicate of the dispatcher's partial index, built as
# an expression for the same reason as LIVE_TASK.
UNROUTED: ColumnElement[bool] = ~column("routed", Boolean())


class OutboxModel(Base):
    """An event recorded in the transaction of its change (domain/events.py), until it is routed.

    `position` is the order of recording: each database hands out the next one as the row is
    inserted, which for the changes of one task (serialised by the task's row) is the order they
    committed in. SQLite makes an INTEGER PRIMARY KEY its rowid and counts it up; PostgreSQL takes
    a BIGINT from a sequence. `payload` is the JSON every delivery of the event sends.
    """

    __tablename__ = "outbox"

    position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[UUID] = mapped_column(unique=True)
    type: Mapped[EventType] = mapped_column(str_enum(EventType, "event_type"))
    occurred_at: Mapped[datetime]
    project_id: Mapped[UUID]
    task_id: Mapped[UUID]
    payload: Mapped[str] = mapped_column(Text)
    routed: Mapped[bool]

    __table_args__ = (
        Index("ix_outbox_unrouted_position", "position", postgresql_where=UNROUTED, sqlite_where=UNROUTED),
    )


class WebhookModel(Base):
    """A project's subscription to its events (domain/webhooks.py)."""

    __tablename__ = "webhooks"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    project_id: Mapped[UUID] = mapped_column(ForeignKey("projects.id"))
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    # The event type names, sorted.
    events: Mapped[list[str]] = mapped_column(JSON)
    # Kept as given: the dispatcher signs with it. The API shows it once, when it is made.
    secret: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_webhooks_project_id_created_at_id", "project_id", "created_at", "id"),)


class DeliveryModel(Base):
    """One recorded event on its way to one webhook; `claim_id` and `claimed_until` are the lease of
    the dispatcher attempting it."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    webhook_id: Mapped[UUID] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), ForeignKey("outbox.position"), index=True
    )
    # The event's task, copied: the ordering key of the claim.
    task_id: Mapped[UUID]
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus, "delivery_status"))
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    claim_id: Mapped[UUID | None]
    first_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(String(MAX_ERROR_LENGTH))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("webhook_id", "event_position"),
        # The claim: pending deliveries by when they are due.
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        # The claim's order rule: is an earlier event of this task still pending for this webhook?
        Index(
            "ix_webhook_deliveries_webhook_id_task_id_event_position",
            "webhook_id",
            "task_id",
            "event_position",
        ),
        # The list of a webhook's deliveries, newest first.
        Index("ix_webhook_deliveries_webhook_id_created_at_id", "webhook_id", "created_at", "id"),
    )
