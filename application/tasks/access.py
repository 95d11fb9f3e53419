"""Loading a task together with what the actor may do in its project."""

from uuid import UUID

from application.permissions import ProjectAccess
from application.projects.access import load_project_access
from domain.errors import NotFound
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
    that the task exists.
    """
    try:
        access = await load_project_access(uow, actor, task.project_id)
    except NotFound:
        raise NotFound("task not found") from None
    if not access.can_view_task(task):
        raise NotFound("task not found")
    return access
