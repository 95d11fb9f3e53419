"""Declarative ORM models: the database's shape, kept apart from the domain's entities."""

import enum
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, Dialect, Enum, Index, MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from domain.users import MAX_EMAIL_LENGTH, MAX_FULL_NAME_LENGTH, UserRole


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
