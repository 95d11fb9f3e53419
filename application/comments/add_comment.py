from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.tasks.access import load_visible_task
from application.tasks.history import record_comment
from application.use_case import UseCase
from domain.comments import Comment, CommentView
from domain.history import HistoryAction
from domain.ids import new_id
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class AddCommentCommand:
    actor: Actor
    task_id: UUID
    body: str


class AddComment(UseCase):
    """Comment on a task; the actor is the author.

    Rules: the task must be visible to the actor (else 'not found'), who must be able to write in
    its project (viewers are refused); the body has 1 to 10,000 characters once trimmed.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: AddCommentCommand) -> CommentView:
        async with self._uow:
            task, access = await load_visible_task(self._uow, command.actor, command.task_id)
            access.ensure_can_write()
            comment = Comment.create(
                id=new_id(),
                task_id=task.id,
                author_id=command.actor.id,
                body=command.body,
                now=self._clock.now(),
            )
            await self._uow.comments.create(comment)
            record_comment(
                self._uow.history,
                command.actor,
                task,
                HistoryAction.COMMENT_ADDED,
                comment.created_at,
                None,
                comment.body,
            )
            view = await self._uow.comments.get_view(comment.id)
        assert view is not None, "a comment created in this unit of work is visible in it"
        return view
