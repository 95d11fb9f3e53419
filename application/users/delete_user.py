from dataclasses import dataclass
from uuid import UUID

from application.permissions import ServiceAccess
from application.ports import Clock
from application.use_case import UseCase
from application.users.access import load_visible_user
from application.users.admins import ensure_not_last_admin
from domain.errors import ensure_version
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class DeleteUserCommand:
    actor: Actor
    user_id: UUID
    expected_version: int | None = None


class DeleteUser(UseCase):
    """Soft-delete a user: the row stays, every query stops seeing it, its tokens stop working.

    Rules: a member may not delete anyone (another user's id is 'not found', their own is refused);
    the last active admin cannot be deleted; a stale expected version is refused.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: DeleteUserCommand) -> None:
        async with self._uow:
            users = self._uow.users
            user = await load_visible_user(users, command.actor, command.user_id)
            ServiceAccess(command.actor).ensure_can_administer()
            ensure_version(user.version, command.expected_version)
            await ensure_not_last_admin(users, user)
            user.delete(self._clock.now())
            await users.soft_delete(user)
