from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.projects.access import load_project_access
from application.use_case import UseCase
from domain.projects import Tag
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class ListTagsQuery:
    actor: Actor
    project_id: UUID


class ListTags(UseCase):
    """List a project's tags by name.

    Rules: anyone who sees the project (its members and admins); anyone else gets 'not found'.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: ListTagsQuery) -> Sequence[Tag]:
        async with self._uow.read_only():
            await load_project_access(self._uow, query.actor, query.project_id)
            return await self._uow.tags.list_for_project(query.project_id)
