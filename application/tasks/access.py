"""Loading a task together with what the actor may do in its project."""

from uuid import UUID

from application.permissions import ProjectAccess
from domain.errors import NotFound
from domain.projects import MemberRole, Project
from domain.tasks import Task, TaskKey, TaskSummary, parse_task_key
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


def task_reference(id_or_key: UUID | str) -> UUID | TaskKey:
    """What a task is asked for by: its id, or its key such as `OPS-42` (the project key in any
    case); NotFound when it is neither."""
    if isinstance(id_or_key, UUID):
        return id_or_key
    try:
        return UUID(id_or_key)
    except ValueError:
        pass
    parsed = parse_task_key(id_or_key)
    if parsed is None:
        raise NotFound("task not found")
    return parsed


async def find_task_id(uow: UnitOfWork, id_or_key: UUID | str) -> UUID:
    """The id of the task asked for by its id or its key; NotFound when that names no task."""
    reference = task_reference(id_or_key)
    if isinstance(reference, UUID):
        return reference
    task_id = await uow.tasks.find_id_by_key(*reference)
    if task_id is None:
        raise NotFound("task not found")
    return task_id


async def load_visible_task(
    uow: UnitOfWork, actor: Actor, task_id: UUID, *, include_deleted: bool = False
) -> tuple[Task, ProjectAccess]:
    """The task and the actor's rights on its project, or NotFound when they may not see it."""
    task = await uow.tasks.get_by_id(task_id, include_deleted=include_deleted)
    if task is None:
        raise NotFound("task not found")
    return task, await load_task_access(uow, actor, task)


async def load_task_access(uow: UnitOfWork, actor: Actor, task: Task | TaskSummary) -> ProjectAccess:
    """The actor's rights on the task's project, or NotFound when they may not see the task."""
    found = await uow.projects.get_with_member_role(task.project_id, actor.id)
    return task_access(actor, task, found)


def task_access(
    actor: Actor, task: Task | TaskSummary | None, project_with_role: tuple[Project, MemberRole | None] | None
) -> ProjectAccess:
    """The actor's rights on the task's project (as read with the actor's role in it), or NotFound
    when they may not see the task.

    Someone outside the project gets the same 'task not found' as for an unknown id, never a hint
    that the task exists. The one rule for a single task and for each task of a bulk change.
    """
    if task is None or project_with_role is None:
        raise NotFound("task not found")
    project, role = project_with_role
    access = ProjectAccess(actor=actor, project=project, role=role)
    if not access.can_view_task(task):
        raise NotFound("task not found")
    return access
