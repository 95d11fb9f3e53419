from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, patch, post, put
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
from adapters.http.schemas.projects import (
    MemberRead,
    MemberSet,
    ProjectCreate,
    ProjectPage,
    ProjectRead,
    ProjectUpdate,
    TagCreate,
    TagRead,
    TagUpdate,
)
from application.projects.create_project import CreateProject, CreateProjectCommand
from application.projects.create_tag import CreateTag, CreateTagCommand
from application.projects.delete_project import DeleteProject, DeleteProjectCommand
from application.projects.delete_tag import DeleteTag, DeleteTagCommand
from application.projects.get_project import GetProject, GetProjectQuery
from application.projects.list_members import ListMembers, ListMembersQuery
from application.projects.list_projects import ListProjects, ListProjectsQuery
from application.projects.list_tags import ListTags, ListTagsQuery
from application.projects.remove_member import RemoveMember, RemoveMemberCommand
from application.projects.restore_project import RestoreProject, RestoreProjectCommand
from application.projects.set_member import SetMember, SetMemberCommand
from application.projects.update_project import UpdateProject, UpdateProjectCommand
from application.projects.update_tag import UpdateTag, UpdateTagCommand
from domain.paging import DEFAULT_LIMIT, parse_sort
from domain.projects import PROJECT_SORT_FIELDS, Project, ProjectFilters


def _with_etag(project: Project, status_code: int = 200) -> Response[ProjectRead]:
    return Response(
        ProjectRead.from_project(project), status_code=status_code, headers={"ETag": etag(project.version)}
    )


class ProjectController(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]

    @post(
        "/",
        summary="Start a project; the caller becomes its manager",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 409, 413, 422),
    )
    @idempotent
    async def create_project(
        self,
        request: AuthedRequest,
        data: ClosedJSONBody[ProjectCreate],
        create: FromDishka[CreateProject],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ProjectRead]:
        project = await create.execute(
            CreateProjectCommand(
                actor=request.user, key=data.key, name=data.name, description=data.description
            )
        )
        response = _with_etag(project, status_code=201)
        response.headers["Location"] = f"{self.path}/{project.id}"
        return response

    @get(
        "/",
        summary="The caller's projects (administrators: all)",
        response_headers=LINK_HEADER,
        responses=problem_responses(400, 401, 403, 422),
    )
    async def list_projects(
        self,
        request: AuthedRequest,
        list_projects: FromDishka[ListProjects],
        cursors: FromDishka[CursorCodec],
        q: Annotated[str | None, text_or_absent("Part of the key or name, any case", max_length=200)] = None,
        include_deleted: FromQuery[bool] = False,
        sort: Annotated[str, sort_parameter(PROJECT_SORT_FIELDS)] = "key",
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response[ProjectPage]:
        pager = Pager(request, cursors)
        sort_keys = parse_sort(sort, PROJECT_SORT_FIELDS)
        page = await list_projects.execute(
            ListProjectsQuery(
                actor=request.user,
                filters=ProjectFilters(text=q, include_deleted=include_deleted),
                sort=sort_keys,
                page=pager.page_request(sort_keys, PROJECT_SORT_FIELDS, offset, limit, cursor),
            )
        )
        return pager.respond(ProjectPage, [ProjectRead.from_project(project) for project in page.items], page)

    @get(
        "/{project_id:uuid}",
        summary="Read a project",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 404, 422),
    )
    async def get_project(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        get_project: FromDishka[GetProject],
        include_deleted: FromQuery[bool] = False,
    ) -> Response[ProjectRead]:
        access = await get_project.execute(
            GetProjectQuery(actor=request.user, project_id=project_id, include_deleted=include_deleted)
        )
        return _with_etag(access.project)

    @patch(
        "/{project_id:uuid}",
        summary="Rename or redescribe a project (managers)",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422),
    )
    async def update_project(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        data: ClosedJSONBody[ProjectUpdate],
        update: FromDishka[UpdateProject],
        if_match: IfMatch = None,
    ) -> Response[ProjectRead]:
        project = await update.execute(
            UpdateProjectCommand(
                actor=request.user,
                project_id=project_id,
                expected_version=expected_version(if_match),
                name=unset_to_none(data.name),
                description=unset_to_none(data.description),
            )
        )
        return _with_etag(project)

    @delete(
        "/{project_id:uuid}",
        summary="Soft-delete a project, hiding its tasks, tags and comments (managers)",
        responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
    )
    async def delete_project(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        delete_project: FromDishka[DeleteProject],
        if_match: IfMatch = None,
    ) -> None:
        await delete_project.execute(
            DeleteProjectCommand(
                actor=request.user, project_id=project_id, expected_version=expected_version(if_match)
            )
        )

    @post(
        "/{project_id:uuid}/restore",
        status_code=200,
        summary="Undo a soft delete, bringing its tasks, tags and comments back (managers)",
        response_headers=ETAG_HEADER,
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    @idempotent
    async def restore_project(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        restore: FromDishka[RestoreProject],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ProjectRead]:
        project = await restore.execute(RestoreProjectCommand(actor=request.user, project_id=project_id))
        return _with_etag(project)

    @get(
        "/{project_id:uuid}/members",
        summary="The project's members, managers first",
        responses=problem_responses(400, 401, 404),
    )
    async def list_members(
        self, request: AuthedRequest, project_id: FromPath[UUID], list_members: FromDishka[ListMembers]
    ) -> list[MemberRead]:
        members = await list_members.execute(ListMembersQuery(actor=request.user, project_id=project_id))
        return [MemberRead.from_view(member) for member in members]

    @put(
        "/{project_id:uuid}/members/{user_id:uuid}",
        summary="Add a member or change their role (managers)",
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def set_member(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        user_id: FromPath[UUID],
        data: ClosedJSONBody[MemberSet],
        set_member: FromDishka[SetMember],
    ) -> MemberRead:
        member = await set_member.execute(
            SetMemberCommand(actor=request.user, project_id=project_id, user_id=user_id, role=data.role)
        )
        return MemberRead.from_view(member)

    @delete(
        "/{project_id:uuid}/members/{user_id:uuid}",
        summary="Remove a member (managers; anyone may leave)",
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def remove_member(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        user_id: FromPath[UUID],
        remove_member: FromDishka[RemoveMember],
    ) -> None:
        await remove_member.execute(
            RemoveMemberCommand(actor=request.user, project_id=project_id, user_id=user_id)
        )

    @get(
        "/{project_id:uuid}/tags",
        summary="The project's tags, by name",
        responses=problem_responses(400, 401, 404),
    )
    async def list_tags(
        self, request: AuthedRequest, project_id: FromPath[UUID], list_tags: FromDishka[ListTags]
    ) -> list[TagRead]:
        tags = await list_tags.execute(ListTagsQuery(actor=request.user, project_id=project_id))
        return [TagRead.from_tag(tag) for tag in tags]

    @post(
        "/{project_id:uuid}/tags",
        summary="Create a tag (managers and contributors)",
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    @idempotent
    async def create_tag(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        data: ClosedJSONBody[TagCreate],
        create_tag: FromDishka[CreateTag],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TagRead]:
        tag = await create_tag.execute(
            CreateTagCommand(actor=request.user, project_id=project_id, name=data.name, color=data.color)
        )
        return Response(TagRead.from_tag(tag), status_code=201)

    @patch(
        "/{project_id:uuid}/tags/{tag_id:uuid}",
        summary="Rename or recolour a tag (managers and contributors)",
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def update_tag(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        tag_id: FromPath[UUID],
        data: ClosedJSONBody[TagUpdate],
        update_tag: FromDishka[UpdateTag],
    ) -> TagRead:
        tag = await update_tag.execute(
            UpdateTagCommand(
                actor=request.user,
                project_id=project_id,
                tag_id=tag_id,
                name=unset_to_none(data.name),
                color=unset_to_none(data.color),
            )
        )
        return TagRead.from_tag(tag)

    @delete(
        "/{project_id:uuid}/tags/{tag_id:uuid}",
        summary="Delete a tag, taking it off every task (managers and contributors)",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def delete_tag(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        tag_id: FromPath[UUID],
        delete_tag: FromDishka[DeleteTag],
    ) -> None:
        await delete_tag.execute(DeleteTagCommand(actor=request.user, project_id=project_id, tag_id=tag_id))
