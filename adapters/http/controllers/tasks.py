from datetime import date
from typing import Annotated, Literal, cast
from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter
from msgspec import UnsetType

from adapters.http.cursors import CursorCodec
from adapters.http.etags import etag, expected_version
from adapters.http.idempotency import IdempotencyKey, idempotent
from adapters.http.paging import LINK_HEADER, Cursor, Pager
from adapters.http.params import (
    ETAG_HEADER,
    AuthedRequest,
    IfMatch,
    Limit,
    Offset,
    one_word_or_absent,
    sort_parameter,
    text_or_absent,
    unset_to_none,
)
from adapters.http.problems import problem_of, problem_responses, status_of
from adapters.http.schemas.bodies import ClosedJSONBody
from adapters.http.schemas.tasks import (
    BulkItemRead,
    BulkResult,
    BulkUpdate,
    ItemStatus,
    TaskCreate,
    TaskDetailRead,
    TaskPage,
    TaskRead,
    TaskUpdate,
)
from adapters.http.schemas.text import WITHOUT_NUL
from application.tasks.bulk_update_tasks import (
    BulkItemResult,
    BulkTaskChanges,
    BulkUpdateTasks,
    BulkUpdateTasksCommand,
)
from application.tasks.create_task import CreateTask, CreateTaskCommand
from application.tasks.delete_task import DeleteTask, DeleteTaskCommand
from application.tasks.get_task import GetTask, GetTaskQuery
from application.tasks.list_tasks import ListTasks, ListTasksQuery
from application.tasks.restore_task import RestoreTask, RestoreTaskCommand
from application.tasks.set_watching import SetWatching, SetWatchingCommand
from application.tasks.update_task import UpdateTask, UpdateTaskCommand
from domain.errors import ValidationFailed
from domain.paging import DEFAULT_LIMIT, parse_sort
from domain.tasks import KEEP, TASK_SORT_FIELDS, Priority, TaskFilters, TaskStatus, TaskSummary

Text = Annotated[str | None, text_or_absent("Part of the title, any case", max_length=200)]


def _with_etag(summary: TaskSummary, status_code: int = 200) -> Response[TaskRead]:
    return Response(
        TaskRead.from_summary(summary), status_code=status_code, headers={"ETag": etag(summary.version)}
    )


class TaskController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]

    @post(
        "/",
        summary="Create a task in a project (managers and contributors)",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    @idempotent
    async def create_task(
        self,
        request: AuthedRequest,
        data: ClosedJSONBody[TaskCreate],
        create: FromDishka[CreateTask],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TaskRead]:
        summary = await create.execute(
            CreateTaskCommand(
                actor=request.user,
                project_id=data.project_id,
                title=data.title,
                description=data.description,
                priority=data.priority,
                assignee_id=data.assignee_id,
                due_date=data.due_date,
                tag_ids=frozenset(data.tag_ids),
            )
        )
        response = _with_etag(summary, status_code=201)
        response.headers["Location"] = f"{self.path}/{summary.id}"
        return response

    @get(
        "/",
        summary="List the tasks of the caller's projects (administrators: all)",
        response_headers=LINK_HEADER,
        responses=problem_responses(400, 401, 403, 422),
    )
    async def list_tasks(
        self,
        request: AuthedRequest,
        list_tasks: FromDishka[ListTasks],
        cursors: FromDishka[CursorCodec],
        project_id: FromQuery[UUID | None] = None,
        status: Annotated[list[TaskStatus] | None, QueryParameter(description="Repeat for any of")] = None,
        priority: Annotated[list[Priority] | None, QueryParameter(description="Repeat for any of")] = None,
        assignee_id: Annotated[
            UUID | None, QueryParameter(description="Tasks assigned to this user; not with `assignee`")
        ] = None,
        assignee: Annotated[
            Literal["none"] | None,
            one_word_or_absent("`none`: only unassigned tasks; not with `assignee_id`", "none"),
        ] = None,
        reporter_id: Annotated[UUID | None, QueryParameter(description="Tasks this user created")] = None,
        tag: Annotated[
            list[str] | None,
            QueryParameter(
                description="A tag name, any case; repeat for any of",
                # Each name as the service reads it (no NUL), which Litestar would not say of the items.
                schema_extra={
                    "oneOf": [
                        Schema(
                            type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING, pattern=WITHOUT_NUL)
                        ),
                        Schema(type=OpenAPIType.NULL),
                    ]
                },
            ),
        ] = None,
        due_before: Annotated[date | None, QueryParameter(description="Due on a day before this")] = None,
        due_after: Annotated[date | None, QueryParameter(description="Due on a day after this")] = None,
        q: Text = None,
        include_deleted: Annotated[
            bool, QueryParameter(description="Admins, or a manager filtering on their project")
        ] = False,
        watched_by: Annotated[
            Literal["me"] | None, one_word_or_absent("`me`: only the tasks the caller watches", "me")
        ] = None,
        sort: Annotated[str, sort_parameter(TASK_SORT_FIELDS)] = "created_at",
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response[TaskPage]:
        if assignee is not None and assignee_id is not None:
            raise ValidationFailed("give assignee_id or assignee=none, not both", field="assignee")
        pager = Pager(request, cursors)
        sort_keys = parse_sort(sort, TASK_SORT_FIELDS)
        page = await list_tasks.execute(
            ListTasksQuery(
                actor=request.user,
                filters=TaskFilters(
                    project_id=project_id,
                    statuses=frozenset(status or ()),
                    priorities=frozenset(priority or ()),
                    assignee_id=assignee_id,
                    unassigned=assignee == "none",
                    reporter_id=reporter_id,
                    tag_names=frozenset(tag or ()),
                    due_before=due_before,
                    due_after=due_after,
                    text=q,
                    include_deleted=include_deleted,
                    watched_by=None if watched_by is None else request.user.id,
                ),
                sort=sort_keys,
                page=pager.page_request(sort_keys, TASK_SORT_FIELDS, offset, limit, cursor),
            )
        )
        return pager.respond(TaskPage, TaskRead.page_of(page.items), page)

    @get(
        # Named as the task routes beside it, so that the document has one path for them all.
        "/{task_id:str}",
        summary="Read a task by id or key (OPS-42), with its latest 20 comments",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 404, 422),
    )
    async def get_task(
        self,
        request: AuthedRequest,
        task_id: Annotated[str, PathParameter(description="The task's id, or its key (OPS-42, any case)")],
        get_task: FromDishka[GetTask],
        include_deleted: FromQuery[bool] = False,
    ) -> Response[TaskDetailRead]:
        detail = await get_task.execute(
            GetTaskQuery(actor=request.user, id_or_key=task_id, include_deleted=include_deleted)
        )
        return Response(TaskDetailRead.from_detail(detail), headers={"ETag": etag(detail.summary.version)})

    @patch(
        "/{task_id:uuid}",
        summary="Change some of a task's fields, its status, assignee or tag set",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422),
    )
    async def update_task(
        self,
        request: AuthedRequest,
        task_id: FromPath[UUID],
        data: ClosedJSONBody[TaskUpdate],
        update: FromDishka[UpdateTask],
        if_match: IfMatch = None,
    ) -> Response[TaskRead]:
        summary = await update.execute(
            UpdateTaskCommand(
                actor=request.user,
                task_id=task_id,
                expected_version=expected_version(if_match),
                title=unset_to_none(data.title),
                description=unset_to_none(data.description),
                status=unset_to_none(data.status),
                priority=unset_to_none(data.priority),
                assignee_id=KEEP if isinstance(data.assignee_id, UnsetType) else data.assignee_id,
                due_date=KEEP if isinstance(data.due_date, UnsetType) else data.due_date,
                tag_ids=None if isinstance(data.tag_ids, UnsetType) else frozenset(data.tag_ids),
            )
        )
        return _with_etag(summary)

    @delete(
        "/{task_id:uuid}",
        summary="Soft-delete a task (managers and contributors)",
        responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
    )
    async def delete_task(
        self,
        request: AuthedRequest,
        task_id: FromPath[UUID],
        delete_task: FromDishka[DeleteTask],
        if_match: IfMatch = None,
    ) -> None:
        await delete_task.execute(
            DeleteTaskCommand(
                actor=request.user, task_id=task_id, expected_version=expected_version(if_match)
            )
        )

    @post(
        "/{task_id:uuid}/restore",
        status_code=200,
        summary="Undo a soft delete (managers)",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    @idempotent
    async def restore_task(
        self,
        request: AuthedRequest,
        task_id: FromPath[UUID],
        restore: FromDishka[RestoreTask],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TaskRead]:
        summary = await restore.execute(RestoreTaskCommand(actor=request.user, task_id=task_id))
        return _with_etag(summary)

    @post(
        "/bulk",
        status_code=200,
        summary="Change up to 100 tasks at once: all or none (atomic), or each on its own",
        description=(
            "The same changes on every task of `task_ids`, under the rules of a single PATCH. With "
            "`atomic: true` every task changes or none does: the first task that fails is the answer, "
            "a problem whose detail and `errors[].field` (`task_ids[i]`) name it. With `atomic: false` "
            "each task changes or fails on its own, and the answer is 200 with one result per task in "
            "the order asked: `status` 200 with the `task`, or 403, 404, 409 or 422 with its `problem`. "
            "Each changed task gets its version bumped and its history entry."
        ),
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    @idempotent
    async def bulk_update_tasks(
        self,
        request: AuthedRequest,
        data: ClosedJSONBody[BulkUpdate],
        bulk: FromDishka[BulkUpdateTasks],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BulkResult]:
        changes = data.changes
        results = await bulk.execute(
            BulkUpdateTasksCommand(
                actor=request.user,
                task_ids=tuple(data.task_ids),
                changes=BulkTaskChanges(
                    status=unset_to_none(changes.status),
                    priority=unset_to_none(changes.priority),
                    assignee_id=KEEP if isinstance(changes.assignee_id, UnsetType) else changes.assignee_id,
                    due_date=KEEP if isinstance(changes.due_date, UnsetType) else changes.due_date,
                    add_tag_ids=frozenset(unset_to_none(changes.add_tag_ids) or ()),
                    remove_tag_ids=frozenset(unset_to_none(changes.remove_tag_ids) or ()),
                ),
                atomic=data.atomic,
            )
        )
        items = [_bulk_item(result, request.url.path) for result in results]
        return Response(BulkResult(results=items), status_code=200)

    @put(
        "/{task_id:uuid}/watchers/me",
        status_code=204,
        summary="Watch a task (anyone who sees it)",
        responses=problem_responses(400, 401, 404),
    )
    async def watch_task(
        self, request: AuthedRequest, task_id: FromPath[UUID], set_watching: FromDishka[SetWatching]
    ) -> None:
        await set_watching.execute(SetWatchingCommand(actor=request.user, task_id=task_id, watching=True))

    @delete(
        "/{task_id:uuid}/watchers/me",
        summary="Stop watching a task",
        responses=problem_responses(400, 401, 404),
    )
    async def unwatch_task(
        self, request: AuthedRequest, task_id: FromPath[UUID], set_watching: FromDishka[SetWatching]
    ) -> None:
        await set_watching.execute(SetWatchingCommand(actor=request.user, task_id=task_id, watching=False))


def _bulk_item(result: BulkItemResult, path: str) -> BulkItemRead:
    if result.error is not None:
        # One of ItemStatus: the use case lets only the failures of a single task through.
        status = cast(ItemStatus, int(status_of(result.error, if_match=False)))
        return BulkItemRead(
            task_id=result.task_id, status=status, problem=problem_of(result.error, status, path)
        )
    assert result.summary is not None, "a task that did not fail has its summary"
    return BulkItemRead(task_id=result.task_id, status=200, task=TaskRead.from_summary(result.summary))
