from collections.abc import Collection, Sequence
from typing import Any, TypeVarTuple
from uuid import UUID

from sqlalchemy import Row, Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy.mappers import copy_tag_onto_model, tag_from_model
from adapters.persistence.sqlalchemy.models import ProjectModel, TagModel, task_tags
from adapters.persistence.sqlalchemy.sorting import by_code_point
from domain.projects import Tag, tag_name_key

_Columns = TypeVarTuple("_Columns")

# Lists are read through the tables (SQLAlchemy Core): rows become domain values directly, with no
# identity map and no ORM objects. Writes, and `get_by_id` (its result is what a use case saves),
# use the model.
_tags = TagModel.__table__
_projects = ProjectModel.__table__

# What a Tag holds (and so what TagRead shows): not name_key, which is computed from the name.
_TAG_COLUMNS = (
    _tags.c.id,
    _tags.c.project_id,
    _tags.c.name,
    _tags.c.color,
    _tags.c.created_at,
    _tags.c.updated_at,
)


class SqlAlchemyTagRepository:
    """Tags of live projects: every query joins the project and skips deleted ones."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, tag: Tag) -> None:
        model = TagModel()
        copy_tag_onto_model(tag, model)
        self._session.add(model)
        # Flushing here lets a taken name surface inside the unit of work's error translation.
        await self._session.flush()

    async def get_by_id(self, tag_id: UUID) -> Tag | None:
        model = await self._session.scalar(_live(select(TagModel)).where(TagModel.id == tag_id))
        return None if model is None else tag_from_model(model)

    async def list_for_project(self, project_id: UUID) -> Sequence[Tag]:
        statement = (
            _live(select(*_TAG_COLUMNS)).where(_tags.c.project_id == project_id).order_by(*self._by_name())
        )
        return [_tag_from_row(row) for row in await self._session.execute(statement)]

    async def get_many(self, tag_ids: Collection[UUID]) -> Sequence[Tag]:
        if not tag_ids:
            return []
        statement = _live(select(*_TAG_COLUMNS)).where(_tags.c.id.in_(tag_ids))
        return [_tag_from_row(row) for row in await self._session.execute(statement)]

    async def find_by_names(self, project_id: UUID, names: Sequence[str]) -> Sequence[Tag]:
        keys = {tag_name_key(name) for name in names}
        statement = (
            _live(select(*_TAG_COLUMNS))
            .where(_tags.c.project_id == project_id, _tags.c.name_key.in_(keys))
            .order_by(*self._by_name())
        )
        return [_tag_from_row(row) for row in await self._session.execute(statement)]

    async def update(self, tag: Tag) -> None:
        model = await self._session.get(TagModel, tag.id)
        if model is None:
            return
        copy_tag_onto_model(tag, model)
        await self._session.flush()

    async def delete(self, tag_id: UUID) -> None:
        # The links go explicitly rather than by ON DELETE CASCADE alone, so the result does not
        # depend on a connection having foreign keys switched on (SQLite's default is off).
        await self._session.execute(delete(task_tags).where(task_tags.c.tag_id == tag_id))
        await self._session.execute(
            delete(TagModel).where(TagModel.id == tag_id),
            execution_options={"synchronize_session": "fetch"},
        )

    def _by_name(self) -> tuple[Any, ...]:
        return (by_code_point(self._session, _tags.c.name), _tags.c.id)


def _live(statement: Select[*_Columns]) -> Select[*_Columns]:
    """Only tags of live projects."""
    return statement.join(_projects, _projects.c.id == _tags.c.project_id).where(
        _projects.c.is_deleted.is_(False)
    )


def _tag_from_row(row: Row[*tuple[Any, ...]]) -> Tag:
    return Tag(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        color=row.color,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
