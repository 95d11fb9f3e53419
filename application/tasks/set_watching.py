from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.tasks.access import load_visible_task
from application.use_case import UseCase
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class SetWatchingCommand:
    actor: Actor
    task_id: UUID
    watching: bool


class SetWatching(UseCase):
    """Start or stop watching a task, for the actor themselves.

    Rules: whoever sees the task may watch it, viewers too ('not found' for anyone else, and for a
    deleted task). Watching a watched task, or unwatching one not watched, changes nothing. It is
    no change of the task: no version, no history.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: SetWatchingCommand) -> None:
        async with self._uow:
            task, _access = await load_visible_task(self._uow, command.actor, command.task_id)
            if command.watching:
                await self._uow.watchers.watch([task.id], [command.actor.id], self._clock.now())
            else:
                await self._uow.watchers.unwatch(task.id, command.actor.id)
