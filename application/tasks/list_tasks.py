import dataclasses
from dataclasses import dataclass

from application.permissions import ServiceAccess
from application.projects.access import load_project_access
from application.use_case import UseCase
from domain.errors import NotFound, PermissionDenied
from domain.paging import Page, PageRequest, SortKey
from domain.tasks import DEFAULT_TASK_SORT, TaskFilters, TaskSummary
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class ListTasksQuery:
    actor: Actor
    filters: TaskFilters = TaskFilters()
    sort: tuple[SortKey, ...] = DEFAULT_TASK_SORT
    page: PageRequest = PageRequest()


class ListTasks(UseCase):
    """List tasks a page at a time, with every filter and sort the API offers.

    Rules: members see only the tasks of their own projects, admins see all; tasks of deleted
    projects never appear. Deleted tasks are listed (include_deleted) only for admins, or for a
    member who filters on one project they manage; anyone else asking is refused. The text
    filter matches the title ignoring case; a blank one is no filter.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: ListTasksQuery) -> Page[TaskSummary]:
        actor = query.actor
        sees_everything = ServiceAccess(actor).can_administer
        text = None if query.filters.text is None else query.filters.text.strip() or None
        filters = dataclasses.replace(
            query.filters, visible_to=None if sees_everything else actor.id, text=text
        )
        async with self._uow.read_only():
            if filters.include_deleted and not sees_everything:
                await self._ensure_manages_filtered_project(actor, filters)
            return await self._uow.tasks.list(filters, query.sort, query.page, viewer=actor.id)

    async def _ensure_manages_filtered_project(self, actor: Actor, filters: TaskFilters) -> None:
        refusal = PermissionDenied("only a project's managers may list its deleted tasks; filter on it")
        if filters.project_id is None:
            raise refusal
        try:
            access = await load_project_access(self._uow, actor, filters.project_id)
        except NotFound:
            raise refusal from None
        if not access.can_manage:
            raise refusal
