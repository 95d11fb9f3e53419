import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.ports import Clock
from application.tasks.access import load_visible_task
from application.tasks.history import record_update
from application.tasks.references import ensure_assignable, ensure_project_tags
from application.use_case import UseCase
from domain.errors import NotFound, ensure_version
from domain.tasks import KEEP, Keep, Priority, TaskChanges, TaskStatus, TaskSummary
from domain.unit_of_work import UnitOfWork
from domain.users import Actor, UserRef


@dataclass(frozen=True, slots=True)
class UpdateTaskCommand:
    """A partial update: None (KEEP for the fields where None means 'clear') leaves a field alone."""

    actor: Actor
    task_id: UUID
    expected_version: int | None = None
    title: str | None = None
    description: str | None = None
    status: TaskStatus | None = None
    priority: Priority | None = None
    assignee_id: UUID | Keep | None = KEEP
    due_date: date | Keep | None = KEEP
    tag_ids: frozenset[UUID] | None = None


class UpdateTask(UseCase):
    """Change a task's fields, status, assignee or tag set.

    Rules: the task must be visible to the actor (else 'not found'), who must be able to write in
    its project (viewers are refused); status changes follow the workflow table, setting
    completed_at on done and clearing it on reopening; a new assignee must be a member of the
    project; the tag set must hold only the project's tags; a stale expected version is refused;
    a request that changes nothing leaves the version as it is. A change is recorded in the task's
    history (`updated` for its fields, `tags_changed` for its tag set); a new assignee watches it.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: UpdateTaskCommand) -> TaskSummary:
        async with self._uow:
            task, access = await load_visible_task(self._uow, command.actor, command.task_id)
            access.ensure_can_write()
            ensure_version(task.version, command.expected_version)
            reassigned = not isinstance(command.assignee_id, Keep) and command.assignee_id != task.assignee_id
            people: Mapping[UUID, UserRef] = {}
            if reassigned:
                assert not isinstance(command.assignee_id, Keep)
                await ensure_assignable(self._uow, task.project_id, command.assignee_id)
                named = {task.assignee_id, command.assignee_id} - {None}
                people = await self._uow.users.get_refs([person for person in named if person is not None])
            tag_names: Mapping[UUID, str] = {}
            if command.tag_ids is not None:
                tag_names = await ensure_project_tags(self._uow, task.project_id, command.tag_ids)
            changes = TaskChanges(
                title=command.title,
                description=command.description,
                status=command.status,
                priority=command.priority,
                assignee_id=command.assignee_id,
                due_date=command.due_date,
                tag_ids=command.tag_ids,
            )
            before = dataclasses.replace(task)
            if task.apply(changes, self._clock.now()):
                await self._uow.tasks.update(task)
                record_update(self._uow.history, command.actor, before, task, people, tag_names)
                if reassigned and task.assignee_id is not None:
                    await self._uow.watchers.watch([task.id], [task.assignee_id], task.updated_at)
            summary = await self._uow.tasks.get_summary(task.id, viewer=command.actor.id)
        if summary is None:
            raise NotFound("task not found")
        return summary
