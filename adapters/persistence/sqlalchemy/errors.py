"""The one place where database errors become domain errors: rule violations, and the store being
unavailable or too busy for now."""

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from domain.errors import Conflict, DomainError, StaleVersion, StoreUnavailable, TransientConflict
from domain.unit_of_work import StorageFailure, WriteInReadOnlyUnitOfWork

# PostgreSQL's SQLSTATE for a write in a READ ONLY transaction.
_READ_ONLY_SQL_TRANSACTION = "25006"
# PostgreSQL rolled the transaction back because it collided with another: running it again may work.
_RETRYABLE_SQLSTATES = {
    "40001": "the request collided with concurrent ones (serialization failure)",
    "40P01": "the request collided with concurrent ones (deadlock)",
}
_STATEMENT_TIMEOUT = "57014"
# Class 08 (connection exceptions), the server shutting down or starting up, too many connections.
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
# SQLite's primary result codes for a lock another connection holds (extended codes keep them in
# the low byte): SQLITE_BUSY and SQLITE_LOCKED.
_SQLITE_LOCK_CODES = (5, 6)
UNREACHABLE = "the database is unreachable; try again shortly"

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
    return to_unavailable(error)


def to_unavailable(error: BaseException) -> StoreUnavailable | None:
    """StoreUnavailable (TransientConflict when running the unit of work again may work) for an
    error that says nothing about the request itself, or None.

    The detail names the kind of trouble only; the driver's message (host names, statements) is for
    the log. A connection refused or timed out leaves asyncpg as a plain OSError or TimeoutError,
    and the server's refusals (starting up, shutting down) as an error with a SQLSTATE but unwrapped.
    """
    if isinstance(error, PoolTimeout):
        return StoreUnavailable("no database connection became free in time; the service is overloaded")
    if isinstance(error, OSError | TimeoutError):
        return StoreUnavailable(UNREACHABLE)
    orig = error.orig if isinstance(error, DBAPIError) else error
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return TransientConflict(_RETRYABLE_SQLSTATES[sqlstate])
    if sqlstate == _STATEMENT_TIMEOUT:
        return StoreUnavailable("a database statement ran longer than the statement timeout allows")
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return StoreUnavailable("the connection to the database was lost before the request completed")
    if isinstance(sqlstate, str) and sqlstate.startswith(_UNREACHABLE_SQLSTATES):
        return StoreUnavailable(UNREACHABLE)
    if getattr(orig, "sqlite_errorcode", -1) & 0xFF in _SQLITE_LOCK_CODES:
        return TransientConflict("another request held the database's write lock too long")
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
