"""Rules shared by the comment use cases: who sees a comment and who may change it."""

from uuid import UUID

from application.projects.access import ProjectAccess
from application.tasks.access import load_visible_task
from domain.comments import Comment
from domain.errors import NotFound, PermissionDenied
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


async def load_visible_comment(
    uow: UnitOfWork, actor: Actor, comment_id: UUID
) -> tuple[Comment, ProjectAccess]:
    """The comment and the actor's rights on its project; 'comment not found' for anyone outside it."""
    comment = await uow.comments.get_by_id(comment_id)
    if comment is None:
        raise NotFound("comment not found")
    try:
        _task, access = await load_visible_task(uow, actor, comment.task_id)
    except NotFound:
        raise NotFound("comment not found") from None
    return comment, access


def ensure_can_change_comment(actor: Actor, comment: Comment, access: ProjectAccess) -> None:
    """Only the comment's author, the project's managers and admins edit or delete a comment.

    Viewers write nothing: an author who has since become a viewer can no longer change their comments.
    """
    if not access.can_write:
        raise PermissionDenied("viewers may not change this project's work")
    if comment.author_id != actor.id and not access.can_manage:
        raise PermissionDenied("only the author or a project manager may change this comment")
