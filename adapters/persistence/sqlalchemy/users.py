from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy.mappers import (
    copy_user_onto_model,
    user_from_model,
    user_to_model,
)
from adapters.persistence.sqlalchemy.models import UserModel
from adapters.persistence.sqlalchemy.sorting import paged, rows_and_total, table_terms, with_total
from domain.errors import StaleVersion
from domain.paging import Keyset, Page, PageRequest, SortKey
from domain.users import Actor, Standing, User, UserFilters, UserRef, UserRole

# Reads go through the table (SQLAlchemy Core): rows become domain values directly, with no identity
# map and no ORM objects. Writes, and reads whose result a use case saves, use the model.
_users = UserModel.__table__

# Every column, because the repository hands out whole User entities: `list` too, as its Protocol
# says, though UserRead shows all but password_hash (leaving it out needs a read model of its own).
# The first statement of every signed-in request: two columns, no entity; built once.
_STANDING = select(_users.c.role, _users.c.password_hash).where(
    _users.c.id == bindparam("user_id"), _users.c.is_active, _users.c.is_deleted.is_(False)
)

_USER_COLUMNS = (
    _users.c.id,
    _users.c.email,
    _users.c.full_name,
    _users.c.password_hash,
    _users.c.role,
    _users.c.is_active,
    _users.c.is_deleted,
    _users.c.created_at,
    _users.c.updated_at,
    _users.c.version,
)


class SqlAlchemyUserRepository:
    """Users. `get_by_id` loads the ORM model, because `update`, `soft_delete` and `restore` save
    what it returned through that model (a versioned UPDATE, with no second read of the row); the
    other reads select the columns with Core.
    """

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

    async def get_refs(self, user_ids: Collection[UUID]) -> dict[UUID, UserRef]:
        if not user_ids:
            return {}
        statement = select(_users.c.id, _users.c.full_name).where(_users.c.id.in_(user_ids))
        return {
            row.id: UserRef(id=row.id, full_name=row.full_name)
            for row in await self._session.execute(statement)
        }

    async def find_standing(self, user_id: UUID) -> Standing | None:
        row = (await self._session.execute(_STANDING, {"user_id": user_id})).one_or_none()
        if row is None:
            return None
        role, password_hash = row
        return Standing(actor=Actor(id=user_id, role=role), password_hash=password_hash)

    async def get_by_email(self, email: str) -> User | None:
        statement = select(*_USER_COLUMNS).where(_users.c.email == email, _users.c.is_deleted.is_(False))
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else _user_from_row(row)

    async def list(self, filters: UserFilters, sort: Sequence[SortKey], page: PageRequest) -> Page[User]:
        conditions = _conditions(filters)
        count = select(func.count()).select_from(_users).where(*conditions)
        terms = table_terms(self._session, _users, sort)
        statement = with_total(paged(select(*_USER_COLUMNS).where(*conditions), terms, page), count)
        rows, total = await rows_and_total(self._session, statement, count, page)
        users = [_user_from_row(row) for row in rows]
        return Page.cut(users, total, page, lambda user: Keyset.of(user, sort))

    async def update(self, user: User) -> None:
        await self._save(user)

    async def soft_delete(self, user: User) -> None:
        await self._save(user)

    async def restore(self, user: User) -> None:
        await self._save(user)

    async def active_admin_ids(self) -> Sequence[UUID]:
        statement = (
            select(_users.c.id)
            .where(
                _users.c.role == UserRole.ADMIN,
                _users.c.is_active.is_(True),
                _users.c.is_deleted.is_(False),
            )
            .order_by(_users.c.id)
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


def _user_from_row(row: Row[*tuple[Any, ...]]) -> User:
    return User(
        id=row.id,
        email=row.email,
        full_name=row.full_name,
        password_hash=row.password_hash,
        role=row.role,
        is_active=row.is_active,
        is_deleted=row.is_deleted,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _conditions(filters: UserFilters) -> list[ColumnElement[Any]]:
    conditions: list[ColumnElement[Any]] = []
    if not filters.include_deleted:
        conditions.append(_users.c.is_deleted.is_(False))
    if filters.role is not None:
        conditions.append(_users.c.role == filters.role)
    if filters.is_active is not None:
        conditions.append(_users.c.is_active.is_(filters.is_active))
    if filters.email_contains is not None:
        # Stored emails are lower-case; a lower-case needle makes the match ignore case on both
        # databases alike (SQLite's LIKE folds ASCII case, PostgreSQL's does not).
        needle = filters.email_contains.lower()
        conditions.append(_users.c.email.contains(needle, autoescape=True))
    return conditions
