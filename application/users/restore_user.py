from dataclasses import dataclass
from uuid import UUID

from application.permissions import ServiceAccess
from application.ports import Clock
from application.use_case import UseCase
from application.users.emails import ensure_email_free
from domain.errors import NotFound
from domain.unit_of_work import UnitOfWork
from domain.users import Actor, User


@dataclass(frozen=True, slots=True)
class RestoreUserCommand:
    actor: Actor
    user_id: UUID


class RestoreUser(UseCase):
    """Bring a soft-deleted user back.

    Rules: administrators only; restoring a user who is not deleted changes nothing; a restore is
    refused while another non-deleted user holds the same email.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: RestoreUserCommand) -> User:
        ServiceAccess(command.actor).ensure_can_administer()
        async with self._uow:
            users = self._uow.users
            user = await users.get_by_id(command.user_id, include_deleted=True)
            if user is None:
                raise NotFound("user not found")
            if user.is_deleted:
                await ensure_email_free(users, user.email, owner=user.id)
                user.restore(self._clock.now())
                await users.restore(user)
        return user
