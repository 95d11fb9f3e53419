from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.ports import Clock
from application.projects.access import load_project_access
from application.tasks.history import record_creation
from application.tasks.references import ensure_assignable, ensure_project_tags
from application.use_case import UseCase
from domain.ids import new_id
from domain.tasks import Priority, Task, TaskSummary
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class CreateTaskCommand:
    actor: Actor
    project_id: UUID
    title: str
    description: str = ""
    priority: Priority = Priority.MEDIUM
    assignee_id: UUID | None = None
    due_date: date | None = None
    tag_ids: frozenset[UUID] = frozenset()


class CreateTask(UseCase):
    """Create a task in a project; the actor is its reporter and it starts as todo.

    Rules: the project must be visible to the actor (else 'not found'), who must be able to write
    in it (viewers are refused); the assignee, if any, must be a member of the project; every tag
    must be one of the project's tags. The task's number is the project's next one, reserved in the
    same transaction, so concurrent creates get distinct keys (`OPS-41`, `OPS-42`, ...). The
    reporter and the assignee watch the new task; its history starts with `created`.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: CreateTaskCommand) -> TaskSummary:
        async with self._uow:
            access = await load_project_access(self._uow, command.actor, command.project_id)
            access.ensure_can_write()
            assignee = await ensure_assignable(self._uow, command.project_id, command.assignee_id)
            tag_names = await ensure_project_tags(self._uow, command.project_id, command.tag_ids)
            number = await self._uow.projects.next_task_number(command.project_id)
            task = Task.create(
                id=new_id(),
                project_id=command.project_id,
                number=number,
                title=command.title,
                description=command.description,
                priority=command.priority,
                assignee_id=command.assignee_id,
                reporter_id=command.actor.id,
                due_date=command.due_date,
                tag_ids=command.tag_ids,
                now=self._clock.now(),
            )
            await self._uow.tasks.create(task)
            watchers = {command.actor.id} if assignee is None else {command.actor.id, assignee.id}
            await self._uow.watchers.watch([task.id], watchers, task.created_at)
            record_creation(self._uow.history, command.actor, task, assignee, tag_names)
            summary = await self._uow.tasks.get_summary(task.id, viewer=command.actor.id)
        assert summary is not None, "a task created in this unit of work is visible in it"
        return summary
