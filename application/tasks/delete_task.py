from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.tasks.access import load_visible_task
from application.tasks.history import record
from application.use_case import UseCase
from domain.errors import ensure_version
from domain.history import HistoryAction
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class DeleteTaskCommand:
    actor: Actor
    task_id: UUID
    expected_version: int | None = None


class DeleteTask(UseCase):
    """Soft-delete a task: the row and its comments stay, every list and read stops showing them.

    Rules: the task must be visible to the actor (else 'not found'), who must be able to write in
    its project (viewers are refused); a stale expected version is refused.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: DeleteTaskCommand) -> None:
        async with self._uow:
            task, access = await load_visible_task(self._uow, command.actor, command.task_id)
            access.ensure_can_write()
            ensure_version(task.version, command.expected_version)
            task.delete(self._clock.now())
            await self._uow.tasks.soft_delete(task)
            record(self._uow.history, command.actor, task, HistoryAction.DELETED, task.updated_at)
