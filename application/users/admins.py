"""The service keeps at least one active administrator."""

from domain.errors import Conflict
from domain.users import User, UserRepository


async def ensure_not_last_admin(users: UserRepository, user: User) -> None:
    """Refuse to remove the last active admin: nobody could administer the service after it.

    `active_admin_ids` locks the admins' rows until the unit of work ends, so two admins demoting
    each other at once cannot both succeed.
    """
    if not user.is_active_admin:
        return
    admin_ids = await users.active_admin_ids()
    if list(admin_ids) == [user.id]:
        raise Conflict("this is the last active administrator")
