"""Errors the domain and the use cases raise; the HTTP adapter maps each to one status in one place."""


class DomainError(Exception):
    """Base of every error a caller can act on; `field` names the offending input, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist, or the caller may not see it: the two are indistinguishable on purpose."""


class Conflict(DomainError):
    """The change would break a uniqueness or consistency rule (duplicate email, last admin, ...)."""


class PermissionDenied(DomainError):
    """The caller can see the object but may not perform this action on it."""


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a domain rule (an email without '@', a short password)."""


class StaleVersion(DomainError):
    """The object changed since the caller read it: the expected version is not the stored one."""


class AuthenticationFailed(DomainError):
    """The caller could not be identified: wrong credentials, or an account that may not sign in."""


class StoreUnavailable(DomainError):
    """The store could not answer now (down, restarting, out of connections, too slow); nothing was
    changed, and the same request may succeed a moment later."""


class TransientConflict(StoreUnavailable):
    """The unit of work collided with concurrent ones (serialization failure, deadlock, a lock held
    too long) and was rolled back whole: running the use case again from the start may succeed."""


def ensure_version(actual: int, expected: int | None) -> None:
    """Optimistic concurrency: a caller that names the version it read must still be looking at it."""
    if expected is not None and expected != actual:
        raise StaleVersion(f"the object is at version {actual}, not {expected}")
