from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.tasks.access import load_visible_task
from application.tasks.history import record
from application.use_case import UseCase
from domain.errors import NotFound
from domain.history import HistoryAction
from domain.tasks import TaskSummary
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class RestoreTaskCommand:
    actor: Actor
    task_id: UUID


class RestoreTask(UseCase):
    """Bring a soft-deleted task back, with its comments.

    Rules: the project's managers and admins only (a deleted task is 'not found' for everyone
    else; other members who see a live task are refused); restoring a live task changes nothing.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: RestoreTaskCommand) -> TaskSummary:
        async with self._uow:
            task, access = await load_visible_task(
                self._uow, command.actor, command.task_id, include_deleted=True
            )
            access.ensure_can_manage()
            if task.is_deleted:
                task.restore(self._clock.now())
                await self._uow.tasks.restore(task)
                record(self._uow.history, command.actor, task, HistoryAction.RESTORED, task.updated_at)
            summary = await self._uow.tasks.get_summary(task.id, viewer=command.actor.id)
        if summary is None:
            raise NotFound("task not found")
        return summary
