from dataclasses import dataclass
from uuid import UUID

from application.tasks.access import find_task_id, load_visible_task
from application.use_case import UseCase
from domain.history import HistoryView
from domain.paging import Page, PageRequest
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class GetTaskHistoryQuery:
    """`id_or_key` is the task's id, or its key such as `OPS-42`."""

    actor: Actor
    id_or_key: UUID | str
    page: PageRequest = PageRequest()


class GetTaskHistory(UseCase):
    """A task's history a page at a time, newest first: who changed what, and when.

    Rules: read by whoever may see the task (its project's members and admins; 'not found' for
    anyone else). A deleted task's history is read by those who may see the deleted task, its
    project's managers and admins, without asking for deleted tasks: history outlives the task.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: GetTaskHistoryQuery) -> Page[HistoryView]:
        async with self._uow.read_only():
            task_id = await find_task_id(self._uow, query.id_or_key)
            await load_visible_task(self._uow, query.actor, task_id, include_deleted=True)
            return await self._uow.history.list_for_task(task_id, query.page)
