from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.projects.access import load_project_access
from application.projects.tags import ensure_tag_name_free
from application.use_case import UseCase
from domain.ids import new_id
from domain.projects import Tag
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class CreateTagCommand:
    actor: Actor
    project_id: UUID
    name: str
    color: str


class CreateTag(UseCase):
    """Add a tag to a project.

    Rules: managers, contributors and admins (viewers get 'permission denied', non-members 'not
    found'); the name has 1 to 50 characters and is unique in the project ignoring case; the
    colour is `#rrggbb` (stored lower-case).
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: CreateTagCommand) -> Tag:
        tag = Tag.create(
            id=new_id(),
            project_id=command.project_id,
            name=command.name,
            color=command.color,
            now=self._clock.now(),
        )
        async with self._uow:
            access = await load_project_access(self._uow, command.actor, command.project_id)
            access.ensure_can_write()
            await ensure_tag_name_free(self._uow.tags, tag)
            await self._uow.tags.create(tag)
        return tag
