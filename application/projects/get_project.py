from dataclasses import dataclass
from uuid import UUID

from application.permissions import ProjectAccess
from application.projects.access import load_project_access
from application.use_case import UseCase
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class GetProjectQuery:
    actor: Actor
    project_id: UUID
    include_deleted: bool = False


class GetProject(UseCase):
    """Read one project, with the caller's role in it.

    Rules: admins and the project's members see it; anyone else gets 'not found', exactly as for an
    id that does not exist. A deleted project is found (when asked for) only by admins and its
    managers.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: GetProjectQuery) -> ProjectAccess:
        async with self._uow.read_only():
            return await load_project_access(
                self._uow, query.actor, query.project_id, include_deleted=query.include_deleted
            )
