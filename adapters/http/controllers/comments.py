"""Comments on tasks: listed and added under their task, edited and deleted by their own id."""

from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath

from adapters.http.cursors import CursorCodec
from adapters.http.etags import etag, expected_version
from adapters.http.idempotency import IdempotencyKey, idempotent
from adapters.http.paging import LINK_HEADER, Cursor, Pager
from adapters.http.params import ETAG_HEADER, AuthedRequest, IfMatch, Limit, Offset
from adapters.http.problems import problem_responses
from adapters.http.schemas.bodies import ClosedJSONBody
from adapters.http.schemas.comments import CommentCreate, CommentPage, CommentRead, CommentUpdate
from application.comments.add_comment import AddComment, AddCommentCommand
from application.comments.delete_comment import DeleteComment, DeleteCommentCommand
from application.comments.list_comments import ListComments, ListCommentsQuery
from application.comments.update_comment import UpdateComment, UpdateCommentCommand
from domain.comments import COMMENT_SORT, COMMENT_SORT_FIELDS
from domain.paging import DEFAULT_LIMIT


class CommentController(Controller):
    path = "/api/v1"
    tags = ["comments"]

    @get(
        "/tasks/{task_id:uuid}/comments",
        summary="A task's comments, oldest first",
        response_headers=LINK_HEADER,
        responses=problem_responses(400, 401, 404, 422),
    )
    async def list_comments(
        self,
        request: AuthedRequest,
        task_id: FromPath[UUID],
        list_comments: FromDishka[ListComments],
        cursors: FromDishka[CursorCodec],
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response[CommentPage]:
        pager = Pager(request, cursors)
        paging = pager.page_request(COMMENT_SORT, COMMENT_SORT_FIELDS, offset, limit, cursor)
        page = await list_comments.execute(
            ListCommentsQuery(actor=request.user, task_id=task_id, page=paging)
        )
        return pager.respond(CommentPage, [CommentRead.from_view(view) for view in page.items], page)

    @post(
        "/tasks/{task_id:uuid}/comments",
        summary="Comment on a task (managers and contributors)",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    @idempotent
    async def add_comment(
        self,
        request: AuthedRequest,
        task_id: FromPath[UUID],
        data: ClosedJSONBody[CommentCreate],
        add: FromDishka[AddComment],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CommentRead]:
        view = await add.execute(AddCommentCommand(actor=request.user, task_id=task_id, body=data.body))
        return Response(
            CommentRead.from_view(view), status_code=201, headers={"ETag": etag(view.comment.version)}
        )

    @patch(
        "/comments/{comment_id:uuid}",
        summary="Edit a comment (its author, or a manager)",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422),
    )
    async def update_comment(
        self,
        request: AuthedRequest,
        comment_id: FromPath[UUID],
        data: ClosedJSONBody[CommentUpdate],
        update: FromDishka[UpdateComment],
        if_match: IfMatch = None,
    ) -> Response[CommentRead]:
        view = await update.execute(
            UpdateCommentCommand(
                actor=request.user,
                comment_id=comment_id,
                body=data.body,
                expected_version=expected_version(if_match),
            )
        )
        return Response(CommentRead.from_view(view), headers={"ETag": etag(view.comment.version)})

    @delete(
        "/comments/{comment_id:uuid}",
        summary="Delete a comment (its author, or a manager)",
        responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
    )
    async def delete_comment(
        self,
        request: AuthedRequest,
        comment_id: FromPath[UUID],
        delete_comment: FromDishka[DeleteComment],
        if_match: IfMatch = None,
    ) -> None:
        await delete_comment.execute(
            DeleteCommentCommand(
                actor=request.user, comment_id=comment_id, expected_version=expected_version(if_match)
            )
        )
