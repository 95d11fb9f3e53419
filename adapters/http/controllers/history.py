"""Task history and a project's activity feed: read only, as history entries are never changed."""

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter

from adapters.http.cursors import CursorCodec
from adapters.http.paging import LINK_HEADER, Cursor, Pager
from adapters.http.params import AuthedRequest, Limit, Offset, instant_or_absent, read_instant
from adapters.http.problems import problem_responses
from adapters.http.schemas.history import HistoryEntryRead, HistoryPage
from application.projects.list_activity import ListActivity, ListActivityQuery
from application.tasks.get_task_history import GetTaskHistory, GetTaskHistoryQuery
from domain.history import HISTORY_SORT, HISTORY_SORT_FIELDS, HistoryAction
from domain.paging import DEFAULT_LIMIT


class HistoryController(Controller):
    path = "/api/v1"
    tags = ["history"]

    @get(
        "/tasks/{task_ref:str}/history",
        summary="A task's history, newest first: who changed what, and when",
        description=(
            "Every create, update, delete, restore, tag-set change and comment added, edited or "
            "deleted, with the fields it changed (`from`, `to`). By id or key (`OPS-42`). A deleted "
            "task's history is read by its project's managers and administrators."
        ),
        response_headers=LINK_HEADER,
        responses=problem_responses(400, 401, 404, 422),
    )
    async def task_history(
        self,
        request: AuthedRequest,
        task_ref: FromPath[str],
        history: FromDishka[GetTaskHistory],
        cursors: FromDishka[CursorCodec],
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response[HistoryPage]:
        pager = Pager(request, cursors)
        page = await history.execute(
            GetTaskHistoryQuery(
                actor=request.user,
                id_or_key=task_ref,
                page=pager.page_request(HISTORY_SORT, HISTORY_SORT_FIELDS, offset, limit, cursor),
            )
        )
        return pager.respond(HistoryPage, [HistoryEntryRead.from_view(view) for view in page.items], page)

    @get(
        "/projects/{project_id:uuid}/activity",
        summary="A project's activity: the history of all its tasks, newest first (members)",
        description="Entries of deleted tasks only for the project's managers and administrators.",
        response_headers=LINK_HEADER,
        responses=problem_responses(400, 401, 404, 422),
    )
    async def project_activity(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        activity: FromDishka[ListActivity],
        cursors: FromDishka[CursorCodec],
        actor_id: FromQuery[UUID | None] = None,
        action: Annotated[list[HistoryAction] | None, QueryParameter(description="Repeat for any of")] = None,
        since: Annotated[
            str | None,
            instant_or_absent("Entries at or after this instant, with its offset (`2026-12-01T09:00:00Z`)"),
        ] = None,
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response[HistoryPage]:
        pager = Pager(request, cursors)
        page = await activity.execute(
            ListActivityQuery(
                actor=request.user,
                project_id=project_id,
                actor_id=actor_id,
                actions=frozenset(action or ()),
                since=read_instant(since, "since"),
                page=pager.page_request(HISTORY_SORT, HISTORY_SORT_FIELDS, offset, limit, cursor),
            )
        )
        return pager.respond(HistoryPage, [HistoryEntryRead.from_view(view) for view in page.items], page)
