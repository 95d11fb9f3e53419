"""Loading a comment together with what the actor may do in its task's project."""

from uuid import UUID

from application.permissions import ProjectAccess
from application.tasks.access import load_visible_task
from domain.comments import Comment
from domain.errors import NotFound
from domain.tasks import Task
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


async def load_visible_comment(
    uow: UnitOfWork, actor: Actor, comment_id: UUID
) -> tuple[Comment, Task, ProjectAccess]:
    """The comment, its task and the actor's rights on its project; 'comment not found' for anyone
    outside it."""
    comment = await uow.comments.get_by_id(comment_id)
    if comment is None:
        raise NotFound("comment not found")
    try:
        task, access = await load_visible_task(uow, actor, comment.task_id)
    except NotFound:
        raise NotFound("comment not found") from None
    return comment, task, access
