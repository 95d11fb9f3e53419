"""Who a request acts for, and the check every unit of work opened for them starts with."""

import hmac
from dataclasses import dataclass

from adapters.security.stamps import password_stamp
from domain.errors import AuthenticationFailed
from domain.users import Actor, UserRepository


@dataclass(slots=True)
class Caller:
    """The actor a request's verified token names (None: an anonymous request, the CLI, a test),
    and the token's stamp of the password hash it was issued under (None: no token, not checked).

    One per request: the HTTP authentication fills it in, the request's unit of work reads it.
    """

    actor: Actor | None = None
    password_stamp: str | None = None


async def confirm_caller(users: UserRepository, caller: Caller | None) -> None:
    """Refuse a token that no longer speaks for its account, inside the unit of work's transaction.

    Running the check there rather than in a transaction of its own is what lets a request cost one
    transaction; and since it is always the transaction's first statement, a pooled connection that
    died is found out here, before the use case has read or written anything.
    """
    if caller is None or caller.actor is None:
        return
    actor, stamp = caller.actor, caller.password_stamp
    # Only while the account may sign in, holds the role the token was issued for and has the
    # password it had then: deactivating, deleting, promoting or demoting a user, or changing or
    # resetting their password, stops their tokens at once, and they sign in again for a token
    # that says what they are now.
    standing = await users.find_standing(actor.id)
    if (
        standing is None
        or standing.actor != actor
        or (stamp is not None and not hmac.compare_digest(stamp, password_stamp(standing.password_hash)))
    ):
        raise AuthenticationFailed("the account behind this token cannot act; sign in again")
