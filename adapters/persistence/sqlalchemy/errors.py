"""The one place where database constraint violations become domain errors."""

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from domain.errors import Conflict, DomainError, StaleVersion
from domain.unit_of_work import StorageFailure, WriteInReadOnlyUnitOfWork

# PostgreSQL's SQLSTATE for a write in a READ ONLY transaction.
_READ_ONLY_SQL_TRANSACTION = "25006"

# Constraint markers as PostgreSQL (index name) and SQLite (table.column) report them.
_UNIQUE_VIOLATIONS: list[tuple[tuple[str, ...], str, str]] = [
    (("uq_users_email_active", "users.email"), "email", "a user with this email already exists"),
    (("uq_projects_key_active", "projects.key"), "key", "a project with this key already exists"),
    (
        ("uq_tags_project_id_name_key", "tags.project_id, tags.name_key"),
        "name",
        "the project already has a tag with this name",
    ),
]


def to_domain_error(error: BaseException) -> DomainError | None:
    """The domain error a database error stands for, or None when it is not a rule violation."""
    if isinstance(error, StaleDataError):
        return StaleVersion("the object was changed by another request; read it again")
    if isinstance(error, IntegrityError):
        message = str(error.orig)
        for markers, field, text in _UNIQUE_VIOLATIONS:
            if any(marker in message for marker in markers):
                return Conflict(text, field=field)
        return Conflict("the change conflicts with existing data")
    return None


def to_read_only_violation(error: BaseException) -> WriteInReadOnlyUnitOfWork | None:
    """PostgreSQL's refusal to write in a READ ONLY transaction, as the other adapters report it."""
    if isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) == _READ_ONLY_SQL_TRANSACTION:
        return WriteInReadOnlyUnitOfWork("a read-only unit of work cannot write")
    return None


def to_storage_failure(error: BaseException) -> StorageFailure | None:
    """Any other database error, described by its kind and statement only.

    Not by its message: the database quotes values in some of them ("invalid input syntax for
    type integer: ..."; asyncpg's "invalid input for query argument $1: ..."), and the statement's
    parameters are hidden by the engine (hide_parameters) for the same reason.
    """
    if not isinstance(error, DBAPIError):
        return None
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None) or "no code"
    statement = " ".join((error.statement or "").split())
    return StorageFailure(f"{type(orig).__name__} ({code}) in: {statement}")
