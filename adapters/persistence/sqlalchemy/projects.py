from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy.mappers import (
    copy_project_onto_model,
    member_from_model,
    project_from_model,
    project_to_model,
)
from adapters.persistence.sqlalchemy.models import ProjectMemberModel, ProjectModel, UserModel
from adapters.persistence.sqlalchemy.sorting import order_by
from domain.errors import NotFound, StaleVersion
from domain.paging import PageRequest, SortKey
from domain.projects import MemberRole, MemberView, Project, ProjectFilters, ProjectMember

# Managers first, then contributors, then viewers: the order the roles are declared in.
_ROLE_RANK = case({role: position for position, role in enumerate(MemberRole)}, value=ProjectMemberModel.role)


class SqlAlchemyProjectRepository:
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
        statement = select(ProjectModel).where(ProjectModel.key == key, ProjectModel.is_deleted.is_(False))
        model = await self._session.scalar(statement)
        return None if model is None else project_from_model(model)

    async def list(
        self, filters: ProjectFilters, sort: Sequence[SortKey], page: PageRequest
    ) -> tuple[Sequence[Project], int]:
        conditions = _conditions(filters)
        total = await self._session.scalar(select(func.count()).select_from(ProjectModel).where(*conditions))
        statement = (
            select(ProjectModel)
            .where(*conditions)
            .order_by(*order_by(self._session, ProjectModel, sort))
            .offset(page.offset)
            .limit(page.limit)
        )
        models = await self._session.scalars(statement)
        return [project_from_model(model) for model in models], total or 0

    async def update(self, project: Project) -> None:
        await self._save(project)

    async def soft_delete(self, project: Project) -> None:
        await self._save(project)

    async def restore(self, project: Project) -> None:
        await self._save(project)

    async def next_task_number(self, project_id: UUID) -> int:
        # One statement reads and bumps the counter: PostgreSQL holds the row lock until commit, so
        # concurrent creates queue on it; SQLite's BEGIN IMMEDIATE serialises whole transactions.
        statement = (
            update(ProjectModel)
            .where(ProjectModel.id == project_id)
            .values(task_counter=ProjectModel.task_counter + 1)
            .returning(ProjectModel.task_counter)
            .execution_options(synchronize_session=False)
        )
        number = await self._session.scalar(statement)
        if number is None:
            raise NotFound("project not found")
        return number

    async def get_member(self, project_id: UUID, user_id: UUID) -> ProjectMember | None:
        statement = (
            select(ProjectMemberModel)
            .where(ProjectMemberModel.project_id == project_id, ProjectMemberModel.user_id == user_id)
            # save_member writes with a Core upsert, which leaves loaded objects as they were.
            .execution_options(populate_existing=True)
        )
        model = await self._session.scalar(statement)
        return None if model is None else member_from_model(model)

    async def get_with_member_role(
        self, project_id: UUID, user_id: UUID, *, include_deleted: bool = False
    ) -> tuple[Project, MemberRole | None] | None:
        # One statement for what every access check needs: the project, and the role joined in.
        statement = (
            select(ProjectModel, ProjectMemberModel.role)
            .outerjoin(
                ProjectMemberModel,
                and_(ProjectMemberModel.project_id == ProjectModel.id, ProjectMemberModel.user_id == user_id),
            )
            .where(ProjectModel.id == project_id)
        )
        if not include_deleted:
            statement = statement.where(ProjectModel.is_deleted.is_(False))
        row = (await self._session.execute(statement)).one_or_none()
        if row is None:
            return None
        model, role = row
        return project_from_model(model), None if role is None else MemberRole(role)

    async def list_members(self, project_id: UUID) -> Sequence[MemberView]:
        statement = (
            select(
                ProjectMemberModel.user_id,
                UserModel.full_name,
                UserModel.email,
                ProjectMemberModel.role,
                ProjectMemberModel.created_at,
                ProjectMemberModel.updated_at,
            )
            .join(UserModel, UserModel.id == ProjectMemberModel.user_id)
            .where(ProjectMemberModel.project_id == project_id, UserModel.is_deleted.is_(False))
            .order_by(
                _ROLE_RANK, _by_code_point(self._session, UserModel.full_name), ProjectMemberModel.user_id
            )
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
            select(ProjectMemberModel.user_id)
            .join(UserModel, UserModel.id == ProjectMemberModel.user_id)
            .where(
                ProjectMemberModel.project_id == project_id,
                ProjectMemberModel.role == MemberRole.MANAGER,
                UserModel.is_deleted.is_(False),
            )
            .order_by(ProjectMemberModel.user_id)
            .with_for_update(of=ProjectMemberModel)
        )
        return list(await self._session.scalars(statement))

    async def _save(self, project: Project) -> None:
        model = await self._session.get(ProjectModel, project.id)
        if model is None or model.version != project.version - 1:
            raise StaleVersion("the project was changed by another request")
        copy_project_onto_model(project, model)
        # Flushing here runs the versioned UPDATE now, inside the unit of work's error translation.
        await self._session.flush()


def _by_code_point(session: AsyncSession, column: Any) -> Any:
    # As sorting.order_by: PostgreSQL would otherwise sort names by the database's locale.
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def _conditions(filters: ProjectFilters) -> list[ColumnElement[Any]]:
    conditions: list[ColumnElement[Any]] = []
    if not filters.include_deleted:
        conditions.append(ProjectModel.is_deleted.is_(False))
    if filters.member_id is not None:
        memberships = select(ProjectMemberModel.project_id).where(
            ProjectMemberModel.user_id == filters.member_id
        )
        conditions.append(ProjectModel.id.in_(memberships))
    if filters.text is not None:
        # Both sides casefolded in Python (name_folded is filled by the mapper; keys are ASCII
        # letters, which lower() folds alike on both databases), so every adapter agrees.
        needle = filters.text.casefold()
        conditions.append(
            func.lower(ProjectModel.key).contains(needle, autoescape=True)
            | ProjectModel.name_folded.contains(needle, autoescape=True)
        )
    return conditions
