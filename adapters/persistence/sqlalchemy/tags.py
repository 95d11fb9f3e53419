from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy.mappers import copy_tag_onto_model, tag_from_model
from adapters.persistence.sqlalchemy.models import ProjectModel, TagModel, task_tags
from domain.projects import Tag, tag_name_key


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
        model = await self._session.scalar(_live_tags().where(TagModel.id == tag_id))
        return None if model is None else tag_from_model(model)

    async def list_for_project(self, project_id: UUID) -> Sequence[Tag]:
        statement = _live_tags().where(TagModel.project_id == project_id).order_by(*self._by_name())
        return [tag_from_model(model) for model in await self._session.scalars(statement)]

    async def find_by_names(self, project_id: UUID, names: Sequence[str]) -> Sequence[Tag]:
        keys = {tag_name_key(name) for name in names}
        statement = (
            _live_tags()
            .where(TagModel.project_id == project_id, TagModel.name_key.in_(keys))
            .order_by(*self._by_name())
        )
        return [tag_from_model(model) for model in await self._session.scalars(statement)]

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
        # Code-point order, as the other adapters; PostgreSQL would otherwise use its locale.
        postgresql = self._session.get_bind().dialect.name == "postgresql"
        return (TagModel.name.collate("C") if postgresql else TagModel.name, TagModel.id)


def _live_tags() -> Select[TagModel]:
    return (
        select(TagModel)
        .join(ProjectModel, ProjectModel.id == TagModel.project_id)
        .where(ProjectModel.is_deleted.is_(False))
    )
