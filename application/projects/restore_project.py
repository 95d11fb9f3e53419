from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.projects.access import load_project_access
from application.projects.keys import ensure_key_free
from application.use_case import UseCase
from domain.projects import Project
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class RestoreProjectCommand:
    actor: Actor
    project_id: UUID


class RestoreProject(UseCase):
    """Bring a soft-deleted project back, with its tasks, tags and comments.

    Rules: managers and admins only (anyone else gets 'not found' for a deleted project); restoring
    a project that is not deleted changes nothing; a restore is refused while a live project holds
    the same key.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: RestoreProjectCommand) -> Project:
        async with self._uow:
            access = await load_project_access(
                self._uow, command.actor, command.project_id, include_deleted=True
            )
            access.ensure_can_manage()
            project = access.project
            if project.is_deleted:
                await ensure_key_free(self._uow.projects, project.key, owner=project.id)
                project.restore(self._clock.now())
                await self._uow.projects.restore(project)
        return project
