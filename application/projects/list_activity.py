from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.projects.access import load_project_access
from application.use_case import UseCase
from domain.errors import ValidationFailed
from domain.history import ActivityFilters, HistoryAction, HistoryView
from domain.paging import Page, PageRequest
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class ListActivityQuery:
    actor: Actor
    project_id: UUID
    actor_id: UUID | None = None
    actions: frozenset[HistoryAction] = frozenset()
    since: datetime | None = None
    page: PageRequest = PageRequest()


class ListActivity(UseCase):
    """A project's activity feed: the history entries of all its tasks, newest first, a page at a
    time, narrowed to one actor, some actions, and entries at or after `since`.

    Rules: the project's members and admins read it ('not found' for anyone else). Entries of
    deleted tasks appear only for those who may see deleted tasks, its managers and admins.
    `since` must say its offset from UTC: an instant without one means a different moment to
    every reader.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, query: ListActivityQuery) -> Page[HistoryView]:
        if query.since is not None and query.since.utcoffset() is None:
            raise ValidationFailed("must give its offset from UTC, e.g. 2026-12-01T09:00:00Z", field="since")
        async with self._uow.read_only():
            access = await load_project_access(self._uow, query.actor, query.project_id)
            filters = ActivityFilters(
                actor_id=query.actor_id,
                actions=query.actions,
                since=query.since,
                include_deleted_tasks=access.can_manage,
            )
            return await self._uow.history.list_for_project(query.project_id, filters, query.page)
