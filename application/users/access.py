"""Loading a user as the actor may see them (see application/permissions.py)."""

from uuid import UUID

from application.permissions import ServiceAccess
from domain.errors import NotFound
from domain.users import Actor, User, UserRepository


async def load_visible_user(
    users: UserRepository, actor: Actor, user_id: UUID, *, include_deleted: bool = False
) -> User:
    """The user, or 'not found' for anyone the actor may not see. Deleted users only for admins."""
    access = ServiceAccess(actor)
    if not access.can_view_user(user_id):
        raise NotFound("user not found")
    user = await users.get_by_id(user_id, include_deleted=include_deleted and access.can_administer)
    if user is None:
        raise NotFound("user not found")
    return user
