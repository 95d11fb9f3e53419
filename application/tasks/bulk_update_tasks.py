import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from application.permissions import ProjectAccess
from application.ports import Clock
from application.tasks.access import task_access
from application.tasks.history import record_update
from application.tasks.references import BatchReferences
from application.use_case import UseCase
from domain.errors import Conflict, DomainError, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from domain.events import EventType, task_event
from domain.tasks import KEEP, Keep, Priority, Task, TaskChanges, TaskStatus, TaskSummary
from domain.unit_of_work import UnitOfWork
from domain.users import Actor, UserRef

MAX_BULK_TASKS = 100
# What one task of a bulk change can fail with, and the batch goes on (atomic=false) or stops.
# Anything else (the store unavailable, a transient conflict) fails the whole request.
ITEM_FAILURES = (NotFound, PermissionDenied, ValidationFailed, Conflict, StaleVersion)


@dataclass(frozen=True, slots=True)
class BulkTaskChanges:
    """What changes on every task; None (KEEP where None means 'clear') leaves a field alone."""

    status: TaskStatus | None = None
    priority: Priority | None = None
    assignee_id: UUID | Keep | None = KEEP
    due_date: date | Keep | None = KEEP
    add_tag_ids: frozenset[UUID] = frozenset()
    remove_tag_ids: frozenset[UUID] = frozenset()

    def is_empty(self) -> bool:
        return self == BulkTaskChanges()


@dataclass(frozen=True, slots=True)
class BulkUpdateTasksCommand:
    actor: Actor
    task_ids: tuple[UUID, ...]
    changes: BulkTaskChanges
    atomic: bool


@dataclass(frozen=True, slots=True)
class BulkItemResult:
    """One task's outcome, in the order asked: its summary after the change, or why it failed."""

    task_id: UUID
    summary: TaskSummary | None = None
    error: DomainError | None = None


class BulkUpdateTasks(UseCase):
    """Apply the same changes to up to 100 tasks in one request.

    Rules: 1 to 100 task ids, none twice; at least one change; a tag is not both added and taken
    off. Each task is changed under the rules of a single change (UpdateTask): 'not found' for a
    task the actor may not see, refused for viewers, the workflow for statuses, the assignee a
    member of the task's project, the tags its project's. A task the changes leave as it was keeps
    its version; each changed one gets its version bumped, its history entry, its `task.updated`
    event and, if newly assigned, its assignee as a watcher.

    `atomic`: all tasks change or none; the first task that fails fails the request, its error
    naming the task (`task_ids[i]`). Otherwise each task changes in a savepoint of its own, so a
    failed task undoes only its own change and the rest are committed; every task gets its result.
    Either way the whole batch is one unit of work: the retry after a transient conflict runs it
    again whole, and its reads and checks cost the same number of statements for 1 task or 100.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: BulkUpdateTasksCommand) -> list[BulkItemResult]:
        _check(command)
        async with self._uow:
            return await self._change_all(command)

    async def _change_all(self, command: BulkUpdateTasksCommand) -> list[BulkItemResult]:
        actor, changes = command.actor, command.changes
        tasks = {task.id: task for task in await self._uow.tasks.get_many(command.task_ids)}
        project_ids = {task.project_id for task in tasks.values()}
        projects = await self._uow.projects.get_many_with_member_role(project_ids, actor.id)
        assignee_id = None if isinstance(changes.assignee_id, Keep) else changes.assignee_id
        # The tags named, and those the tasks carry now: the history shows both sets by name.
        tag_ids: set[UUID] = set()
        if changes.add_tag_ids or changes.remove_tag_ids:
            tag_ids = {*changes.add_tag_ids, *changes.remove_tag_ids}
            tag_ids.update(tag for task in tasks.values() for tag in task.tag_ids)
        references = await BatchReferences.load(self._uow, project_ids, assignee_id, tag_ids)
        people: Mapping[UUID, UserRef] = {}
        if not isinstance(changes.assignee_id, Keep):
            # The assignees before and after, named in the history.
            named = {task.assignee_id for task in tasks.values()} | {assignee_id}
            people = await self._uow.users.get_refs([person for person in named if person is not None])
        batch = _Batch(self._uow, actor, changes, references, people, self._clock.now())

        failures: dict[UUID, DomainError] = {}
        for index, task_id in enumerate(command.task_ids):
            task = tasks.get(task_id)
            try:
                access = task_access(actor, task, None if task is None else projects.get(task.project_id))
                assert task is not None
                if command.atomic:
                    await batch.change(task, access)
                else:
                    async with self._uow.savepoint():
                        await batch.change(task, access)
            except ITEM_FAILURES as failure:
                if command.atomic:
                    raise _naming(failure, index, task_id) from failure
                failures[task_id] = failure
        if batch.assigned and assignee_id is not None:
            await self._uow.watchers.watch(batch.assigned, [assignee_id], batch.now)

        succeeded = [task_id for task_id in command.task_ids if task_id not in failures]
        summaries = {
            summary.id: summary for summary in await self._uow.tasks.get_summaries(succeeded, viewer=actor.id)
        }
        return [
            BulkItemResult(task_id=task_id, summary=summaries.get(task_id), error=failures.get(task_id))
            for task_id in command.task_ids
        ]


class _Batch:
    """The state one bulk change carries from task to task."""

    def __init__(
        self,
        uow: UnitOfWork,
        actor: Actor,
        changes: BulkTaskChanges,
        references: BatchReferences,
        people: Mapping[UUID, UserRef],
        now: datetime,
    ) -> None:
        self._uow = uow
        self._actor = actor
        self._changes = changes
        self._references = references
        self._people = people
        self.now = now
        self.assigned: list[UUID] = []

    async def change(self, task: Task, access: ProjectAccess) -> None:
        access.ensure_can_write()
        changes = self._changes
        reassigned = not isinstance(changes.assignee_id, Keep) and changes.assignee_id != task.assignee_id
        if reassigned and changes.assignee_id is not None:
            self._references.ensure_assignable(task.project_id)
        tag_ids = None
        if changes.add_tag_ids or changes.remove_tag_ids:
            self._references.ensure_project_tags(task.project_id, changes.add_tag_ids, field="add_tag_ids")
            self._references.ensure_project_tags(
                task.project_id, changes.remove_tag_ids, field="remove_tag_ids"
            )
            tag_ids = (task.tag_ids | changes.add_tag_ids) - changes.remove_tag_ids
        before = dataclasses.replace(task)
        applied = TaskChanges(
            status=changes.status,
            priority=changes.priority,
            assignee_id=changes.assignee_id,
            due_date=changes.due_date,
            tag_ids=tag_ids,
        )
        if task.apply(applied, self.now):
            await self._uow.tasks.update(task)
            record_update(
                self._uow.history, self._actor, before, task, self._people, self._references.tag_names
            )
            await self._uow.outbox.append(task_event(EventType.TASK_UPDATED, task, access.project))
            if reassigned and task.assignee_id is not None:
                self.assigned.append(task.id)


def _check(command: BulkUpdateTasksCommand) -> None:
    ids = command.task_ids
    if not 1 <= len(ids) <= MAX_BULK_TASKS:
        raise ValidationFailed(f"must name 1 to {MAX_BULK_TASKS} tasks", field="task_ids")
    if len(set(ids)) != len(ids):
        raise ValidationFailed("names a task more than once", field="task_ids")
    changes = command.changes
    if changes.is_empty():
        raise ValidationFailed("must change at least one field", field="changes")
    if changes.add_tag_ids & changes.remove_tag_ids:
        raise ValidationFailed("a tag cannot be both added and removed", field="remove_tag_ids")


def _naming(failure: DomainError, index: int, task_id: UUID) -> DomainError:
    """The failure of one task as the failure of the whole atomic request, saying which task."""
    return type(failure)(f"task {task_id} (task_ids[{index}]): {failure.message}", field=f"task_ids[{index}]")
