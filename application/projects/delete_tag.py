from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.projects.access import load_project_access
from application.projects.tags import load_tag
from application.tasks.history import record_tags_changed
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
    found'); a tag of another project is 'not found'. Each task that carried it records the
    change of its tag set in its history (its version stays: the task itself was not edited).
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: DeleteTagCommand) -> None:
        async with self._uow:
            access = await load_project_access(self._uow, command.actor, command.project_id)
            access.ensure_can_write()
            tag = await load_tag(self._uow, command.project_id, command.tag_id)
            carriers = await self._uow.tasks.tag_sets_carrying(tag.id)
            names = {}
            if carriers:
                names = {
                    known.id: known.name for known in await self._uow.tags.list_for_project(tag.project_id)
                }
            await self._uow.tags.delete(tag.id)
            now = self._clock.now()
            for task_id, tag_ids in carriers.items():
                after = tag_ids - {tag.id}
                record_tags_changed(
                    self._uow.history, command.actor, task_id, tag.project_id, tag_ids, after, names, now
                )
