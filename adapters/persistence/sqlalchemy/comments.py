from collections.abc import Sequence
from typing import Any, TypeVarTuple
from uuid import UUID

from sqlalchemy import Integer, Row, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy.mappers import comment_from_model, copy_comment_onto_model
from adapters.persistence.sqlalchemy.models import CommentModel, ProjectModel, TaskModel, UserModel
from adapters.persistence.sqlalchemy.sorting import paged, rows_and_total, table_terms, with_total
from domain.comments import COMMENT_SORT, Comment, CommentView, comment_keyset
from domain.errors import StaleVersion
from domain.paging import Page, PageRequest
from domain.users import UserRef

_Columns = TypeVarTuple("_Columns")

# Views are read through the tables (SQLAlchemy Core): rows become domain values directly, with no
# identity map and no ORM objects. Writes, and `get_by_id` (its result is what a use case saves),
# use the model.
_comments = CommentModel.__table__
_tasks = TaskModel.__table__
_projects = ProjectModel.__table__
_users = UserModel.__table__

# What CommentRead shows: the comment and its author's id and name. is_deleted is not read: views
# are of live comments only.
_VIEW_COLUMNS = (
    _comments.c.id,
    _comments.c.task_id,
    _comments.c.author_id,
    _comments.c.body,
    _comments.c.created_at,
    _comments.c.updated_at,
    _comments.c.version,
    _users.c.full_name.label("author_name"),
)


class SqlAlchemyCommentRepository:
    """Comments of live tasks in live projects: every query joins both and skips deleted rows.

    Views join their author in the same statement (id and name only), so a page of comments
    costs one query and its count one more, whatever the page size.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, comment: Comment) -> None:
        model = CommentModel()
        copy_comment_onto_model(comment, model)
        self._session.add(model)
        # Flushing here lets a missing task or author surface inside the unit of work.
        await self._session.flush()

    async def get_by_id(self, comment_id: UUID) -> Comment | None:
        statement = _live(select(CommentModel)).where(CommentModel.id == comment_id)
        model = await self._session.scalar(statement)
        return None if model is None else comment_from_model(model)

    async def get_view(self, comment_id: UUID) -> CommentView | None:
        row = (await self._session.execute(_views().where(_comments.c.id == comment_id))).one_or_none()
        return None if row is None else _view_from_row(row)

    async def list_for_task(self, task_id: UUID, page: PageRequest) -> Page[CommentView]:
        count = _live(select(func.count()).select_from(_comments)).where(_comments.c.task_id == task_id)
        terms = table_terms(self._session, _comments, COMMENT_SORT)
        statement = with_total(paged(_views().where(_comments.c.task_id == task_id), terms, page), count)
        rows, total = await rows_and_total(self._session, statement, count, page)
        return Page.cut([_view_from_row(row) for row in rows], total, page, comment_keyset)

    async def latest_for_task(self, task_id: UUID, limit: int) -> Sequence[CommentView]:
        rows = await self._session.execute(_LATEST_OF_TASK, {"task_id": task_id, "limit": limit})
        newest_first = [_view_from_row(row) for row in rows]
        return newest_first[::-1]

    async def update(self, comment: Comment) -> None:
        await self._save(comment)

    async def soft_delete(self, comment: Comment) -> None:
        await self._save(comment)

    async def _save(self, comment: Comment) -> None:
        model = await self._session.get(CommentModel, comment.id)
        if model is None or model.version != comment.version - 1:
            raise StaleVersion("the comment was changed by another request")
        copy_comment_onto_model(comment, model)
        # Flushing here runs the versioned UPDATE now, inside the unit of work's error translation.
        await self._session.flush()


def _live(statement: Select[*_Columns]) -> Select[*_Columns]:
    """Only live comments of live tasks in live projects."""
    return (
        statement.join(_tasks, _tasks.c.id == _comments.c.task_id)
        .join(_projects, _projects.c.id == _tasks.c.project_id)
        .where(
            _comments.c.is_deleted.is_(False),
            _tasks.c.is_deleted.is_(False),
            _projects.c.is_deleted.is_(False),
        )
    )


def _views() -> Select[Any]:
    """Live comments with their authors joined (every comment has one: author_id is NOT NULL)."""
    return _live(select(*_VIEW_COLUMNS).select_from(_comments)).join(
        _users, _users.c.id == _comments.c.author_id
    )


# A task's newest comments, for every read of one task: built once (building a statement and
# computing its cache key would cost more than running it).
_LATEST_OF_TASK = (
    _views()
    .where(_comments.c.task_id == bindparam("task_id", type_=_comments.c.task_id.type))
    .order_by(_comments.c.created_at.desc(), _comments.c.id.desc())
    .limit(bindparam("limit", type_=Integer()))
)


def _view_from_row(row: Row[*tuple[Any, ...]]) -> CommentView:
    comment = Comment(
        id=row.id,
        task_id=row.task_id,
        author_id=row.author_id,
        body=row.body,
        is_deleted=False,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )
    return CommentView(comment=comment, author=UserRef(id=row.author_id, full_name=row.author_name))
