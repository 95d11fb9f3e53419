from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.projects.access import load_project_access
from application.use_case import UseCase
from domain.errors import ensure_version
from domain.projects import Project
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class UpdateProjectCommand:
    """A partial update: fields left as None stay as they are. The key never changes."""

    actor: Actor
    project_id: UUID
    expected_version: int | None = None
    name: str | None = None
    description: str | None = None


class UpdateProject(UseCase):
    """Rename a project or change its description.

    Rules: managers and admins only (other members get 'permission denied', non-members 'not
    found'); a stale expected version is refused; a request that changes nothing leaves the
    version as it is.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: UpdateProjectCommand) -> Project:
        async with self._uow:
            access = await load_project_access(self._uow, command.actor, command.project_id)
            access.ensure_can_manage()
            project = access.project
            ensure_version(project.version, command.expected_version)
            if project.change(name=command.name, description=command.description, now=self._clock.now()):
                await self._uow.projects.update(project)
        return project
