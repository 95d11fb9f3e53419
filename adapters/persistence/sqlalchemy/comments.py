from collections.abc import Sequence
from typing import TypeVarTuple
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from adapters.persistence.sqlalchemy.mappers import comment_from_model, copy_comment_onto_model
from adapters.persistence.sqlalchemy.models import CommentModel, ProjectModel, TaskModel, UserModel
from domain.comments import Comment, CommentView
from domain.errors import StaleVersion
from domain.paging import PageRequest
from domain.users import UserRef

_Columns = TypeVarTuple("_Columns")


class SqlAlchemyCommentRepository:
    """Comments of live tasks in live projects: every query joins both and skips deleted rows.

    Views load their author in the same statement (id and name only), so a page of comments
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
        model = await self._session.scalar(_live_comments().where(CommentModel.id == comment_id))
        return None if model is None else comment_from_model(model)

    async def get_view(self, comment_id: UUID) -> CommentView | None:
        model = await self._session.scalar(_views().where(CommentModel.id == comment_id))
        return None if model is None else _view_from_model(model)

    async def list_for_task(self, task_id: UUID, page: PageRequest) -> tuple[Sequence[CommentView], int]:
        count = _joined(select(func.count()).select_from(CommentModel)).where(CommentModel.task_id == task_id)
        total = await self._session.scalar(count)
        statement = (
            _views()
            .where(CommentModel.task_id == task_id)
            .order_by(CommentModel.created_at, CommentModel.id)
            .offset(page.offset)
            .limit(page.limit)
        )
        models = await self._session.scalars(statement)
        return [_view_from_model(model) for model in models], total or 0

    async def latest_for_task(self, task_id: UUID, limit: int) -> Sequence[CommentView]:
        statement = (
            _views()
            .where(CommentModel.task_id == task_id)
            .order_by(CommentModel.created_at.desc(), CommentModel.id.desc())
            .limit(limit)
        )
        newest_first = [_view_from_model(model) for model in await self._session.scalars(statement)]
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


def _joined(statement: Select[*_Columns]) -> Select[*_Columns]:
    """Only live comments of live tasks in live projects."""
    return (
        statement.join(CommentModel.task)
        .join(TaskModel.project)
        .where(
            CommentModel.is_deleted.is_(False),
            TaskModel.is_deleted.is_(False),
            ProjectModel.is_deleted.is_(False),
        )
    )


def _live_comments() -> Select[CommentModel]:
    return _joined(select(CommentModel))


def _views() -> Select[CommentModel]:
    return _live_comments().options(
        joinedload(CommentModel.author).load_only(UserModel.id, UserModel.full_name)
    )


def _view_from_model(model: CommentModel) -> CommentView:
    author = model.author
    return CommentView(
        comment=comment_from_model(model),
        author=UserRef(id=author.id, full_name=author.full_name),
    )
