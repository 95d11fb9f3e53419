from dataclasses import dataclass
from uuid import UUID

from application.tasks.access import load_visible_task
from application.use_case import UseCase
from domain.comments import CommentView
from domain.paging import Page, PageRequest
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class ListCommentsQuery:
    actor: Actor
    task_id: UUID
    page: PageRequest = PageRequest()


class ListComments(UseCase):
    """List a task's comments a page at a time, oldest first, each with its author.

    Rules: anyone who sees the task (its project's members and admins) may read them; for anyone
    else the task is 'not found'. Deleted comments are not listed.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: ListCommentsQuery) -> Page[CommentView]:
        async with self._uow.read_only():
            await load_visible_task(self._uow, query.actor, query.task_id)
            return await self._uow.comments.list_for_task(query.task_id, query.page)
