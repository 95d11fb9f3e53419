from dataclasses import dataclass

from application.permissions import ServiceAccess
from application.use_case import UseCase
from domain.errors import PermissionDenied
from domain.paging import Page, PageRequest, SortKey
from domain.projects import DEFAULT_PROJECT_SORT, Project, ProjectFilters
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class ListProjectsQuery:
    actor: Actor
    filters: ProjectFilters = ProjectFilters()
    sort: tuple[SortKey, ...] = DEFAULT_PROJECT_SORT
    page: PageRequest = PageRequest()


class ListProjects(UseCase):
    """List projects a page at a time.

    Rules: members see only the projects they belong to, whatever `member_id` they ask for; admins
    see every project, or one user's when they give `member_id`. The text filter matches the key or
    the name, ignoring case; a blank text filters nothing. Listing deleted projects is for admins
    only (a manager still reads their deleted project by id, to restore it).
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: ListProjectsQuery) -> Page[Project]:
        actor, filters = query.actor, query.filters
        sees_everything = ServiceAccess(actor).can_administer
        if filters.include_deleted and not sees_everything:
            raise PermissionDenied("only administrators may list deleted projects")
        text = None if filters.text is None else filters.text.strip() or None
        filters = ProjectFilters(
            member_id=filters.member_id if sees_everything else actor.id,
            text=text,
            include_deleted=filters.include_deleted,
        )
        async with self._uow.read_only():
            return await self._uow.projects.list(filters, query.sort, query.page)
