from dataclasses import dataclass
from uuid import UUID

from application.comments.access import load_visible_comment
from application.ports import Clock
from application.tasks.history import record_comment
from application.use_case import UseCase
from domain.errors import ensure_version
from domain.history import HistoryAction
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class DeleteCommentCommand:
    actor: Actor
    comment_id: UUID
    expected_version: int | None = None


class DeleteComment(UseCase):
    """Soft-delete a comment: it leaves the task's comments and its comment count.

    Rules: the comment must be visible to the actor (else 'not found'); only its author, the
    project's managers and admins may delete it; a stale expected version is refused.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: DeleteCommentCommand) -> None:
        async with self._uow:
            comment, task, access = await load_visible_comment(self._uow, command.actor, command.comment_id)
            access.ensure_can_change_comment(comment)
            ensure_version(comment.version, command.expected_version)
            comment.delete(self._clock.now())
            await self._uow.comments.soft_delete(comment)
            record_comment(
                self._uow.history,
                command.actor,
                task,
                HistoryAction.COMMENT_DELETED,
                comment.updated_at,
                comment.body,
                None,
            )
