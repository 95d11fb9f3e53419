"""Rules shared by the task use cases: who sees a task, who may be assigned, which tags fit."""

from collections.abc import Collection
from uuid import UUID

from application.projects.access import ProjectAccess, load_project_access
from domain.errors import NotFound, ValidationFailed
from domain.tasks import Task
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


async def load_visible_task(
    uow: UnitOfWork, actor: Actor, task_id: UUID, *, include_deleted: bool = False
) -> tuple[Task, ProjectAccess]:
    """The task and the actor's rights on its project, or NotFound when they may not see it."""
    task = await uow.tasks.get_by_id(task_id, include_deleted=include_deleted)
    if task is None:
        raise NotFound("task not found")
    return task, await load_task_access(uow, actor, task)


async def load_task_access(uow: UnitOfWork, actor: Actor, task: Task) -> ProjectAccess:
    """The actor's rights on the task's project, or NotFound when they may not see the task.

    Someone outside the project gets the same 'task not found' as for an unknown id, never a hint
    that the task exists. A deleted task is found only by the project's managers and admins.
    """
    try:
        access = await load_project_access(uow, actor, task.project_id)
    except NotFound:
        raise NotFound("task not found") from None
    if task.is_deleted and not access.can_manage:
        raise NotFound("task not found")
    return access


async def ensure_assignable(uow: UnitOfWork, project_id: UUID, assignee_id: UUID | None) -> None:
    """Only a member of the project, whose account still exists, can be given its tasks."""
    if assignee_id is None:
        return
    member = await uow.projects.get_member(project_id, assignee_id)
    if member is None or await uow.users.get_by_id(assignee_id) is None:
        raise ValidationFailed("must be a member of the task's project", field="assignee_id")


async def ensure_project_tags(uow: UnitOfWork, project_id: UUID, tag_ids: Collection[UUID]) -> None:
    """Every tag put on a task must be one of its project's tags."""
    if not tag_ids:
        return
    known = {tag.id for tag in await uow.tags.list_for_project(project_id)}
    unknown = set(tag_ids) - known
    if unknown:
        raise ValidationFailed(f"{len(unknown)} of these tags are not tags of the project", field="tag_ids")
