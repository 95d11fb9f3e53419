from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.projects.access import load_project_access
from application.projects.tags import ensure_tag_name_free, load_tag
from application.use_case import UseCase
from domain.projects import Tag
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class UpdateTagCommand:
    """A partial update: fields left as None stay as they are."""

    actor: Actor
    project_id: UUID
    tag_id: UUID
    name: str | None = None
    color: str | None = None


class UpdateTag(UseCase):
    """Rename or recolour a tag.

    Rules: managers, contributors and admins (viewers get 'permission denied', non-members 'not
    found'); a tag of another project is 'not found'; the new name is unique in the project
    ignoring case (a tag may change the case of its own name); the colour is `#rrggbb`.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: UpdateTagCommand) -> Tag:
        async with self._uow:
            access = await load_project_access(self._uow, command.actor, command.project_id)
            access.ensure_can_write()
            tag = await load_tag(self._uow, command.project_id, command.tag_id)
            if tag.change(name=command.name, color=command.color, now=self._clock.now()):
                await ensure_tag_name_free(self._uow.tags, tag)
                await self._uow.tags.update(tag)
        return tag
