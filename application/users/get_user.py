from dataclasses import dataclass
from uuid import UUID

from application.use_case import UseCase
from application.users.access import load_visible_user
from domain.unit_of_work import UnitOfWork
from domain.users import Actor, User


@dataclass(frozen=True, slots=True)
class GetUserQuery:
    actor: Actor
    user_id: UUID
    include_deleted: bool = False


class GetUser(UseCase):
    """Read one user.

    Rules: admins read anyone (soft-deleted users too, when asked); members read only themselves,
    and any other id is 'not found', exactly as for an id that does not exist.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: GetUserQuery) -> User:
        async with self._uow.read_only():
            return await load_visible_user(
                self._uow.users, query.actor, query.user_id, include_deleted=query.include_deleted
            )
