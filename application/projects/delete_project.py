from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.projects.access import load_project_access
from application.use_case import UseCase
from domain.errors import ensure_version
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class DeleteProjectCommand:
    actor: Actor
    project_id: UUID
    expected_version: int | None = None


class DeleteProject(UseCase):
    """Soft-delete a project: it, its tasks, tags and comments disappear from every query.

    Rules: managers and admins only (other members get 'permission denied', non-members 'not
    found'); a stale expected version is refused; its key becomes free for a new project.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: DeleteProjectCommand) -> None:
        async with self._uow:
            access = await load_project_access(self._uow, command.actor, command.project_id)
            access.ensure_can_manage()
            project = access.project
            ensure_version(project.version, command.expected_version)
            project.delete(self._clock.now())
            await self._uow.projects.soft_delete(project)
