from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, and_, bindparam, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from adapters.persistence.sqlalchemy.mappers import (
    copy_project_onto_model,
    project_from_model,
    project_to_model,
)
from adapters.persistence.sqlalchemy.models import ProjectMemberModel, ProjectModel, UserModel
from adapters.persistence.sqlalchemy.sorting import (
    by_code_point,
    paged,
    rows_and_total,
    table_terms,
    with_total,
)
from domain.errors import NotFound, StaleVersion
from domain.paging import Keyset, Page, PageRequest, SortKey
from domain.projects import MemberRole, MemberView, Project, ProjectFilters, ProjectMember

# Reads go through the tables (SQLAlchemy Core): rows become domain values directly, with no
# identity map and no ORM objects. Writes, and reads whose result a use case saves, use the models.
_projects = ProjectModel.__table__
_members = ProjectMemberModel.__table__
_users = UserModel.__table__

# What a Project holds (and so what ProjectRead shows): not name_folded, not task_counter.
_PROJECT_COLUMNS = (
    _projects.c.id,
    _projects.c.key,
    _projects.c.name,
    _projects.c.description,
    _projects.c.is_deleted,
    _projects.c.created_at,
    _projects.c.updated_at,
    _projects.c.version,
)

# One statement for what every access check needs: the project, and the user's role joined in.
# Built once, as the statements of every request's path are (see SqlAlchemyTaskRepository): the
# project is loaded as a model, so that a change to it in the same unit of work reads it from the
# session instead of once more.
_WITH_MEMBER_ROLE = (
    select(ProjectModel, ProjectMemberModel.role)
    .outerjoin(
        ProjectMemberModel,
        and_(
            ProjectMemberModel.project_id == ProjectModel.id,
            ProjectMemberModel.user_id == bindparam("user_id", type_=_members.c.user_id.type),
        ),
    )
    .where(ProjectModel.id == bindparam("project_id", type_=_projects.c.id.type))
)
_LIVE_WITH_MEMBER_ROLE = _WITH_MEMBER_ROLE.where(ProjectModel.is_deleted.is_(False))

# Managers first, then contributors, then viewers: the order the roles are declared in.
_ROLE_RANK = case({role: position for position, role in enumerate(MemberRole)}, value=_members.c.role)


async def take_task_numbers(
    connection: AsyncSession | AsyncConnection, project_id: UUID, count: int
) -> range:
    """The next `count` numbers of a project's tasks, handed out by its counter (the last number
    handed out, 0 for a new project): for the repository's creates and the seeder's bulk loads.

    One statement reads and bumps the counter: PostgreSQL holds the row lock until commit, so
    concurrent creates queue on it; SQLite's BEGIN IMMEDIATE serialises whole transactions.
    """
    statement = (
        update(ProjectModel)
        .where(ProjectModel.id == project_id)
        .values(task_counter=ProjectModel.task_counter + count)
        .returning(ProjectModel.task_counter)
        .execution_options(synchronize_session=False)
    )
    last = await connection.scalar(statement)
    if last is None:
        raise NotFound("project not found")
    return range(last - count + 1, last + 1)


class SqlAlchemyProjectRepository:
    """Projects and their memberships.

    Lists and lookups select only the columns the domain values hold, with Core; `get_by_id`
    loads the ORM model, because `update`, `soft_delete` and `restore` save what it returned
    through that model (a versioned UPDATE, with no second read of the row).
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, project: Project) -> None:
        self._session.add(project_to_model(project))
        # Flushing here lets a taken key surface inside the unit of work's error translation.
        await self._session.flush()

    async def get_by_id(self, project_id: UUID, *, include_deleted: bool = False) -> Project | None:
        statement = select(ProjectModel).where(ProjectModel.id == project_id)
        if not include_deleted:
            statement = statement.where(ProjectModel.is_deleted.is_(False))
        model = await self._session.scalar(statement)
        return None if model is None else project_from_model(model)

    async def get_by_key(self, key: str) -> Project | None:
        statement = select(*_PROJECT_COLUMNS).where(_projects.c.key == key, _projects.c.is_deleted.is_(False))
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else _project_from_row(row)

    async def list(
        self, filters: ProjectFilters, sort: Sequence[SortKey], page: PageRequest
    ) -> Page[Project]:
        conditions = _conditions(filters)
        count = select(func.count()).select_from(_projects).where(*conditions)
        terms = table_terms(self._session, _projects, sort)
        statement = with_total(paged(select(*_PROJECT_COLUMNS).where(*conditions), terms, page), count)
        rows, total = await rows_and_total(self._session, statement, count, page)
        projects = [_project_from_row(row) for row in rows]
        return Page.cut(projects, total, page, lambda project: Keyset.of(project, sort))

    async def update(self, project: Project) -> None:
        await self._save(project)

    async def soft_delete(self, project: Project) -> None:
        await self._save(project)

    async def restore(self, project: Project) -> None:
        await self._save(project)

    async def next_task_number(self, project_id: UUID) -> int:
        (number,) = await take_task_numbers(self._session, project_id, 1)
        return number

    async def get_member(self, project_id: UUID, user_id: UUID) -> ProjectMember | None:
        # A Core read, as save_member is a Core upsert: no ORM object to keep in step with it.
        statement = select(_members.c.role, _members.c.created_at, _members.c.updated_at).where(
            _members.c.project_id == project_id, _members.c.user_id == user_id
        )
        row = (await self._session.execute(statement)).one_or_none()
        if row is None:
            return None
        return ProjectMember(
            project_id=project_id,
            user_id=user_id,
            role=row.role,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def get_with_member_role(
        self, project_id: UUID, user_id: UUID, *, include_deleted: bool = False
    ) -> tuple[Project, MemberRole | None] | None:
        statement = _WITH_MEMBER_ROLE if include_deleted else _LIVE_WITH_MEMBER_ROLE
        row = (
            await self._session.execute(statement, {"project_id": project_id, "user_id": user_id})
        ).one_or_none()
        if row is None:
            return None
        model, role = row
        return project_from_model(model), None if role is None else MemberRole(role)

    async def get_many_with_member_role(
        self, project_ids: Collection[UUID], user_id: UUID
    ) -> dict[UUID, tuple[Project, MemberRole | None]]:
        if not project_ids:
            return {}
        statement = (
            select(*_PROJECT_COLUMNS, _members.c.role)
            .outerjoin(_members, and_(_members.c.project_id == _projects.c.id, _members.c.user_id == user_id))
            .where(_projects.c.id.in_(project_ids), _projects.c.is_deleted.is_(False))
        )
        return {
            row.id: (_project_from_row(row), None if row.role is None else MemberRole(row.role))
            for row in await self._session.execute(statement)
        }

    async def list_members(self, project_id: UUID) -> Sequence[MemberView]:
        statement = (
            select(
                _members.c.user_id,
                _users.c.full_name,
                _users.c.email,
                _members.c.role,
                _members.c.created_at,
                _members.c.updated_at,
            )
            .join(_users, _users.c.id == _members.c.user_id)
            .where(_members.c.project_id == project_id, _users.c.is_deleted.is_(False))
            .order_by(_ROLE_RANK, by_code_point(self._session, _users.c.full_name), _members.c.user_id)
        )
        rows = await self._session.execute(statement)
        return [
            MemberView(
                user_id=row.user_id,
                full_name=row.full_name,
                email=row.email,
                role=row.role,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    async def save_member(self, member: ProjectMember) -> None:
        # An upsert, so that two requests adding the same user at once both succeed (the later role
        # wins) instead of one failing on the primary key, as they would not on the other adapters.
        dialect = self._session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(ProjectMemberModel).values(
            project_id=member.project_id,
            user_id=member.user_id,
            role=member.role,
            created_at=member.created_at,
            updated_at=member.updated_at,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[ProjectMemberModel.project_id, ProjectMemberModel.user_id],
            set_={"role": statement.excluded.role, "updated_at": statement.excluded.updated_at},
        )
        await self._session.execute(statement)

    async def remove_member(self, project_id: UUID, user_id: UUID) -> None:
        statement = delete(ProjectMemberModel).where(
            ProjectMemberModel.project_id == project_id, ProjectMemberModel.user_id == user_id
        )
        await self._session.execute(statement, execution_options={"synchronize_session": "fetch"})

    async def manager_ids(self, project_id: UUID) -> Sequence[UUID]:
        statement = (
            select(_members.c.user_id)
            .join(_users, _users.c.id == _members.c.user_id)
            .where(
                _members.c.project_id == project_id,
                _members.c.role == MemberRole.MANAGER,
                _users.c.is_deleted.is_(False),
            )
            .order_by(_members.c.user_id)
            .with_for_update(of=_members)
        )
        return list(await self._session.scalars(statement))

    async def _save(self, project: Project) -> None:
        model = await self._session.get(ProjectModel, project.id)
        if model is None or model.version != project.version - 1:
            raise StaleVersion("the project was changed by another request")
        copy_project_onto_model(project, model)
        # Flushing here runs the versioned UPDATE now, inside the unit of work's error translation.
        await self._session.flush()


def _project_from_row(row: Row[*tuple[Any, ...]]) -> Project:
    return Project(
        id=row.id,
        key=row.key,
        name=row.name,
        description=row.description,
        is_deleted=row.is_deleted,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _conditions(filters: ProjectFilters) -> list[ColumnElement[Any]]:
    conditions: list[ColumnElement[Any]] = []
    if not filters.include_deleted:
        conditions.append(_projects.c.is_deleted.is_(False))
    if filters.member_id is not None:
        memberships = select(_members.c.project_id).where(_members.c.user_id == filters.member_id)
        conditions.append(_projects.c.id.in_(memberships))
    if filters.text is not None:
        # Both sides casefolded in Python (name_folded is filled by the mapper; keys are ASCII
        # letters, which lower() folds alike on both databases), so every adapter agrees.
        needle = filters.text.casefold()
        conditions.append(
            func.lower(_projects.c.key).contains(needle, autoescape=True)
            | _projects.c.name_folded.contains(needle, autoescape=True)
        )
    return conditions
