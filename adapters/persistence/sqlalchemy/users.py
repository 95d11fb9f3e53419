from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy.mappers import (
    copy_user_onto_model,
    user_from_model,
    user_to_model,
)
from adapters.persistence.sqlalchemy.models import UserModel
from adapters.persistence.sqlalchemy.sorting import order_by
from domain.errors import StaleVersion
from domain.paging import PageRequest, SortKey
from domain.users import User, UserFilters, UserRole


class SqlAlchemyUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, user: User) -> None:
        self._session.add(user_to_model(user))

    async def get_by_id(self, user_id: UUID, *, include_deleted: bool = False) -> User | None:
        statement = select(UserModel).where(UserModel.id == user_id)
        if not include_deleted:
            statement = statement.where(UserModel.is_deleted.is_(False))
        model = await self._session.scalar(statement)
        return None if model is None else user_from_model(model)

    async def get_by_email(self, email: str) -> User | None:
        statement = select(UserModel).where(UserModel.email == email, UserModel.is_deleted.is_(False))
        model = await self._session.scalar(statement)
        return None if model is None else user_from_model(model)

    async def list(
        self, filters: UserFilters, sort: Sequence[SortKey], page: PageRequest
    ) -> tuple[Sequence[User], int]:
        conditions = _conditions(filters)
        total = await self._session.scalar(select(func.count()).select_from(UserModel).where(*conditions))
        statement = (
            select(UserModel)
            .where(*conditions)
            .order_by(*order_by(self._session, UserModel, sort))
            .offset(page.offset)
            .limit(page.limit)
        )
        models = await self._session.scalars(statement)
        return [user_from_model(model) for model in models], total or 0

    async def update(self, user: User) -> None:
        await self._save(user)

    async def soft_delete(self, user: User) -> None:
        await self._save(user)

    async def restore(self, user: User) -> None:
        await self._save(user)

    async def active_admin_ids(self) -> Sequence[UUID]:
        statement = (
            select(UserModel.id)
            .where(
                UserModel.role == UserRole.ADMIN,
                UserModel.is_active.is_(True),
                UserModel.is_deleted.is_(False),
            )
            .order_by(UserModel.id)
            .with_for_update()
        )
        return list(await self._session.scalars(statement))

    async def _save(self, user: User) -> None:
        model = await self._session.get(UserModel, user.id)
        if model is None or model.version != user.version - 1:
            raise StaleVersion("the user was changed by another request")
        copy_user_onto_model(user, model)
        # Flushing here runs the versioned UPDATE now, inside the unit of work's error translation.
        await self._session.flush()


def _conditions(filters: UserFilters) -> list[ColumnElement[Any]]:
    conditions: list[ColumnElement[Any]] = []
    if not filters.include_deleted:
        conditions.append(UserModel.is_deleted.is_(False))
    if filters.role is not None:
        conditions.append(UserModel.role == filters.role)
    if filters.is_active is not None:
        conditions.append(UserModel.is_active.is_(filters.is_active))
    if filters.email_contains is not None:
        # Stored emails are lower-case; a lower-case needle makes the match ignore case on both
        # databases alike (SQLite's LIKE folds ASCII case, PostgreSQL's does not).
        needle = filters.email_contains.lower()
        conditions.append(UserModel.email.contains(needle, autoescape=True))
    return conditions
