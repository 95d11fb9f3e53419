"""Rules shared by the user use cases: who may see a user, and the last-admin guarantee."""

from uuid import UUID

from domain.errors import Conflict, NotFound, PermissionDenied
from domain.users import Actor, User, UserRepository


def ensure_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only administrators may do this")


async def load_visible_user(
    users: UserRepository, actor: Actor, user_id: UUID, *, include_deleted: bool = False
) -> User:
    """Admins see every user; a member sees only themselves. Anything else is 'not found'."""
    if not actor.is_admin and user_id != actor.id:
        raise NotFound("user not found")
    user = await users.get_by_id(user_id, include_deleted=include_deleted and actor.is_admin)
    if user is None:
        raise NotFound("user not found")
    return user


async def ensure_not_last_admin(users: UserRepository, user: User) -> None:
    """Refuse to remove the last active admin: nobody could administer the service after it."""
    if not user.is_active_admin:
        return
    admin_ids = await users.active_admin_ids()
    if list(admin_ids) == [user.id]:
        raise Conflict("this is the last active administrator")


async def ensure_email_free(users: UserRepository, email: str, *, owner: UUID | None = None) -> None:
    existing = await users.get_by_email(email)
    if existing is not None and existing.id != owner:
        raise Conflict("a user with this email already exists", field="email")
