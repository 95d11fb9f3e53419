from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.projects.access import load_project_access
from application.use_case import UseCase
from domain.projects import MemberView
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class ListMembersQuery:
    actor: Actor
    project_id: UUID


class ListMembers(UseCase):
    """List a project's members, managers first, then by name.

    Rules: anyone who sees the project (its members and admins) sees its members; anyone else gets
    'not found'.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: ListMembersQuery) -> Sequence[MemberView]:
        async with self._uow.read_only():
            await load_project_access(self._uow, query.actor, query.project_id)
            return await self._uow.projects.list_members(query.project_id)
