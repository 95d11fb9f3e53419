from dataclasses import dataclass
from uuid import UUID

from application.tasks.access import load_task_access, task_reference
from application.use_case import UseCase
from domain.errors import NotFound
from domain.tasks import TaskDetail
from domain.unit_of_work import UnitOfWork
from domain.users import Actor

LATEST_COMMENTS = 20


@dataclass(frozen=True, slots=True)
class GetTaskQuery:
    """`id_or_key` is the task's id, or its key such as `OPS-42` (the project key in any case)."""

    actor: Actor
    id_or_key: UUID | str
    include_deleted: bool = False


class GetTask(UseCase):
    """Read one task with its project, people, tags, comment count and latest 20 comments.

    Rules: visible to the project's members and admins; anyone else, and any id or key that
    matches nothing (or is not an id or a key at all), gets 'not found'. A deleted task is read
    only by the project's managers and admins, and only when asked for.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: GetTaskQuery) -> TaskDetail:
        async with self._uow.read_only():
            summary = await self._uow.tasks.get_summary(
                task_reference(query.id_or_key), include_deleted=query.include_deleted, viewer=query.actor.id
            )
            if summary is None:
                raise NotFound("task not found")
            # The summary says where the task is and whether it is deleted: who may see it is
            # decided from it, with no second read.
            await load_task_access(self._uow, query.actor, summary)
            comments = await self._uow.comments.latest_for_task(summary.id, LATEST_COMMENTS)
        return TaskDetail(summary=summary, latest_comments=tuple(comments))
