from dataclasses import dataclass
from uuid import UUID

from application.comments.access import load_visible_comment
from application.ports import Clock
from application.tasks.history import record_comment
from application.use_case import UseCase
from domain.comments import CommentView
from domain.errors import NotFound, ensure_version
from domain.history import HistoryAction
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class UpdateCommentCommand:
    actor: Actor
    comment_id: UUID
    body: str
    expected_version: int | None = None


class UpdateComment(UseCase):
    """Edit a comment's body.

    Rules: the comment must be visible to the actor (else 'not found'); only its author, the
    project's managers and admins may edit it; a stale expected version is refused; the same
    body again changes nothing and leaves the version as it is.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: UpdateCommentCommand) -> CommentView:
        async with self._uow:
            comment, task, access = await load_visible_comment(self._uow, command.actor, command.comment_id)
            access.ensure_can_change_comment(comment)
            ensure_version(comment.version, command.expected_version)
            before = comment.body
            if comment.edit(command.body, self._clock.now()):
                await self._uow.comments.update(comment)
                record_comment(
                    self._uow.history,
                    command.actor,
                    task,
                    HistoryAction.COMMENT_EDITED,
                    comment.updated_at,
                    before,
                    comment.body,
                )
            view = await self._uow.comments.get_view(comment.id)
        if view is None:
            raise NotFound("comment not found")
        return view
