from dataclasses import dataclass
from uuid import UUID

from application.projects.access import load_project_access
from application.projects.tags import load_tag
from application.use_case import UseCase
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class DeleteTagCommand:
    actor: Actor
    project_id: UUID
    tag_id: UUID


class DeleteTag(UseCase):
    """Delete a tag for good, taking it off every task that carries it.

    Rules: managers, contributors and admins (viewers get 'permission denied', non-members 'not
    found'); a tag of another project is 'not found'.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, command: DeleteTagCommand) -> None:
        async with self._uow:
            access = await load_project_access(self._uow, command.actor, command.project_id)
            access.ensure_can_write()
            await load_tag(self._uow, command.project_id, command.tag_id)
            await self._uow.tags.delete(command.tag_id)
