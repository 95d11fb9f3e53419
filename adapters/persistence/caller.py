"""Who a request acts for, and the check every unit of work opened for them starts with."""

from dataclasses import dataclass

from domain.errors import AuthenticationFailed
from domain.users import Actor, UserRepository


@dataclass(slots=True)
class Caller:
    """The actor a request's verified token names (None: an anonymous request, the CLI, a test).

    One per request: the HTTP authentication fills it in, the request's unit of work reads it.
    """

    actor: Actor | None = None


async def confirm_caller(users: UserRepository, caller: Caller | None) -> None:
    """Refuse a token that no longer speaks for its account, inside the unit of work's transaction.

    Running the check there rather than in a transaction of its own is what lets a request cost one
    transaction; and since it is always the transaction's first statement, a pooled connection that
    died is found out here, before the use case has read or written anything.
    """
    actor = None if caller is None else caller.actor
    if actor is None:
        return
    # Only while the account may sign in and holds the role the token was issued for: deactivating,
    # deleting, promoting or demoting a user stops their tokens at once, and they sign in again for
    # a token that says what they are now.
    if await users.find_actor(actor.id) != actor:
        raise AuthenticationFailed("the account behind this token cannot act; sign in again")
