from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery

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
    sort_parameter,
    text_or_absent,
    unset_to_none,
)
from adapters.http.problems import problem_responses
from adapters.http.schemas.bodies import ClosedJSONBody
from adapters.http.schemas.users import UserCreate, UserPage, UserRead, UserUpdate
from application.users.delete_user import DeleteUser, DeleteUserCommand
from application.users.get_user import GetUser, GetUserQuery
from application.users.list_users import ListUsers, ListUsersQuery
from application.users.register_user import RegisterUser, RegisterUserCommand
from application.users.restore_user import RestoreUser, RestoreUserCommand
from application.users.update_user import UpdateUser, UpdateUserCommand
from domain.paging import DEFAULT_LIMIT, parse_sort
from domain.users import USER_SORT_FIELDS, User, UserFilters, UserRole


def _with_etag(user: User, status_code: int = 200) -> Response[UserRead]:
    return Response(UserRead.from_user(user), status_code=status_code, headers={"ETag": etag(user.version)})


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get(
        "/me",
        summary="The signed-in user",
        response_headers=ETAG_HEADER,
        responses=problem_responses(401),
    )
    async def me(self, request: AuthedRequest, get_user: FromDishka[GetUser]) -> Response[UserRead]:
        user = await get_user.execute(GetUserQuery(actor=request.user, user_id=request.user.id))
        return _with_etag(user)

    @post(
        "/",
        summary="Register a user (administrators)",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 409, 413, 422),
    )
    @idempotent
    async def register(
        self,
        request: AuthedRequest,
        data: ClosedJSONBody[UserCreate],
        register_user: FromDishka[RegisterUser],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[UserRead]:
        user = await register_user.execute(
            RegisterUserCommand(
                actor=request.user,
                email=data.email,
                full_name=data.full_name,
                password=data.password,
                role=data.role,
            )
        )
        response = _with_etag(user, status_code=201)
        response.headers["Location"] = f"{self.path}/{user.id}"
        return response

    @get(
        "/",
        summary="List users (administrators)",
        response_headers=LINK_HEADER,
        responses=problem_responses(400, 401, 403, 422),
    )
    async def list_users(
        self,
        request: AuthedRequest,
        list_users: FromDishka[ListUsers],
        cursors: FromDishka[CursorCodec],
        role: FromQuery[UserRole | None] = None,
        is_active: FromQuery[bool | None] = None,
        email: Annotated[str | None, text_or_absent("Part of the email, any case", max_length=254)] = None,
        include_deleted: FromQuery[bool] = False,
        sort: Annotated[str, sort_parameter(USER_SORT_FIELDS)] = "created_at",
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response[UserPage]:
        pager = Pager(request, cursors)
        sort_keys = parse_sort(sort, USER_SORT_FIELDS)
        page = await list_users.execute(
            ListUsersQuery(
                actor=request.user,
                filters=UserFilters(
                    role=role,
                    is_active=is_active,
                    email_contains=email,
                    include_deleted=include_deleted,
                ),
                sort=sort_keys,
                page=pager.page_request(sort_keys, USER_SORT_FIELDS, offset, limit, cursor),
            )
        )
        return pager.respond(UserPage, [UserRead.from_user(user) for user in page.items], page)

    @get(
        "/{user_id:uuid}",
        summary="Read a user (administrators: anyone; members: themselves)",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 404, 422),
    )
    async def get_user(
        self,
        request: AuthedRequest,
        user_id: FromPath[UUID],
        get_user: FromDishka[GetUser],
        include_deleted: FromQuery[bool] = False,
    ) -> Response[UserRead]:
        user = await get_user.execute(
            GetUserQuery(actor=request.user, user_id=user_id, include_deleted=include_deleted)
        )
        return _with_etag(user)

    @patch(
        "/{user_id:uuid}",
        summary="Change some of a user's fields",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422),
    )
    async def update_user(
        self,
        request: AuthedRequest,
        user_id: FromPath[UUID],
        data: ClosedJSONBody[UserUpdate],
        update_user: FromDishka[UpdateUser],
        if_match: IfMatch = None,
    ) -> Response[UserRead]:
        user = await update_user.execute(
            UpdateUserCommand(
                actor=request.user,
                user_id=user_id,
                expected_version=expected_version(if_match),
                email=unset_to_none(data.email),
                full_name=unset_to_none(data.full_name),
                password=unset_to_none(data.password),
                role=unset_to_none(data.role),
                is_active=unset_to_none(data.is_active),
            )
        )
        return _with_etag(user)

    @delete(
        "/{user_id:uuid}",
        summary="Soft-delete a user (administrators)",
        responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
    )
    async def delete_user(
        self,
        request: AuthedRequest,
        user_id: FromPath[UUID],
        delete_user: FromDishka[DeleteUser],
        if_match: IfMatch = None,
    ) -> None:
        await delete_user.execute(
            DeleteUserCommand(
                actor=request.user, user_id=user_id, expected_version=expected_version(if_match)
            )
        )

    @post(
        "/{user_id:uuid}/restore",
        status_code=200,
        summary="Undo a soft delete (administrators)",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    @idempotent
    async def restore_user(
        self,
        request: AuthedRequest,
        user_id: FromPath[UUID],
        restore_user: FromDishka[RestoreUser],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[UserRead]:
        user = await restore_user.execute(RestoreUserCommand(actor=request.user, user_id=user_id))
        return _with_etag(user)
