from dataclasses import dataclass

from application.ports import Clock
from application.projects.keys import ensure_key_free
from application.use_case import UseCase
from domain.ids import new_id
from domain.projects import MemberRole, Project, ProjectMember
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class CreateProjectCommand:
    actor: Actor
    key: str
    name: str
    description: str = ""


class CreateProject(UseCase):
    """Start a project.

    Rules: any signed-in user may create one and becomes its manager; the key is 2 to 10 letters,
    stored upper-case (`ops` becomes `OPS`), and unique among live projects (a deleted project's
    key may be reused); the name has 1 to 200 characters; the id is a new UUIDv7.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: CreateProjectCommand) -> Project:
        now = self._clock.now()
        project = Project.create(
            id=new_id(), key=command.key, name=command.name, description=command.description, now=now
        )
        async with self._uow:
            await ensure_key_free(self._uow.projects, project.key)
            await self._uow.projects.create(project)
            creator = ProjectMember(
                project_id=project.id,
                user_id=command.actor.id,
                role=MemberRole.MANAGER,
                created_at=now,
                updated_at=now,
            )
            await self._uow.projects.save_member(creator)
        return project
