import builtins
from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from adapters.persistence.sqlalchemy.mappers import copy_task_onto_model, task_from_model
from adapters.persistence.sqlalchemy.models import (
    CommentModel,
    ProjectMemberModel,
    ProjectModel,
    TagModel,
    TaskModel,
    UserModel,
    task_tags,
)
from domain.errors import Conflict, StaleVersion
from domain.paging import Page, PageRequest, SortKey
from domain.projects import tag_name_key
from domain.tasks import (
    Priority,
    ProjectRef,
    TagRef,
    Task,
    TaskFilters,
    TaskStatus,
    TaskSummary,
    rank,
    task_keyset,
)
from domain.users import UserRef

# Statuses and priorities sort by their place in the workflow / scale, not alphabetically.
_STATUS_RANK = case({status: rank(status) for status in TaskStatus}, value=TaskModel.status)
_PRIORITY_RANK = case({priority: rank(priority) for priority in Priority}, value=TaskModel.priority)
_NO_DUE_DATE = case((TaskModel.due_date.is_(None), 1), else_=0)
_LIVE_PROJECT = ProjectModel.is_deleted.is_(False)


class SqlAlchemyTaskRepository:
    """Tasks of live projects: every query joins the project and skips deleted ones.

    Summaries load what they embed on purpose (relationships are lazy="raise"): the project through
    the filtering join, assignee and reporter joined (id and name only), tags in one selectin query,
    comment counts in one grouped query for the whole page. A summary or a page of any size costs
    the same number of statements.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The session's identity map holds models weakly: keep the ones read for a change alive,
        # so that saving the change finds its model without reading it again.
        self._read_for_change: dict[UUID, TaskModel] = {}

    async def create(self, task: Task) -> None:
        model = TaskModel()
        copy_task_onto_model(task, model)
        model.tags = list(await self._tag_models(task.tag_ids))
        self._session.add(model)
        # Flushing here lets a taken number or a missing row surface inside the unit of work.
        await self._session.flush()

    async def get_by_id(self, task_id: UUID, *, include_deleted: bool = False) -> Task | None:
        # Tags joined, not selected in a second statement: one task has a handful. The model stays
        # in the session, so saving it later in the unit of work does not read it again.
        statement = (
            select(TaskModel)
            .join(TaskModel.project)
            .where(TaskModel.id == task_id, _LIVE_PROJECT)
            .options(joinedload(TaskModel.tags))
        )
        if not include_deleted:
            statement = statement.where(TaskModel.is_deleted.is_(False))
        model = (await self._session.scalars(statement)).unique().one_or_none()
        if model is None:
            return None
        self._read_for_change[model.id] = model
        return task_from_model(model)

    async def find_id_by_key(self, project_key: str, number: int) -> UUID | None:
        statement = (
            select(TaskModel.id)
            .join(TaskModel.project)
            .where(
                ProjectModel.key == project_key,
                _LIVE_PROJECT,
                TaskModel.number == number,
            )
        )
        task_id: UUID | None = await self._session.scalar(statement)
        return task_id

    async def get_summary(self, task_id: UUID, *, include_deleted: bool = False) -> TaskSummary | None:
        statement = _summaries().where(TaskModel.id == task_id)
        if not include_deleted:
            statement = statement.where(TaskModel.is_deleted.is_(False))
        model = (await self._session.scalars(statement)).unique().one_or_none()
        if model is None:
            return None
        counts = await self._comment_counts([model.id])
        return _summary_from_model(model, counts.get(model.id, 0))

    async def list(
        self, filters: TaskFilters, sort: Sequence[SortKey], page: PageRequest
    ) -> Page[TaskSummary]:
        conditions = _conditions(filters)
        total = await self._session.scalar(
            select(func.count())
            .select_from(TaskModel)
            .join(TaskModel.project)
            .where(_LIVE_PROJECT, *conditions)
        )
        statement = (
            _summaries()
            .where(*conditions)
            .order_by(*self._order_by(sort))
            .offset(page.offset)
            .limit(page.rows_to_read)
        )
        models = list((await self._session.scalars(statement)).unique())
        counts = await self._comment_counts([model.id for model in models]) if models else {}
        summaries = [_summary_from_model(model, counts.get(model.id, 0)) for model in models]
        return Page.cut(summaries, total or 0, page, lambda summary: task_keyset(summary, sort))

    async def update(self, task: Task) -> None:
        await self._save(task)

    async def soft_delete(self, task: Task) -> None:
        await self._save(task)

    async def restore(self, task: Task) -> None:
        await self._save(task)

    async def count_assigned(self, project_id: UUID, user_id: UUID) -> int:
        statement = select(func.count()).where(
            TaskModel.project_id == project_id,
            TaskModel.assignee_id == user_id,
            TaskModel.is_deleted.is_(False),
        )
        return await self._session.scalar(statement) or 0

    async def _save(self, task: Task) -> None:
        model = self._read_for_change.pop(task.id, None)
        if model is None or model not in self._session:  # not read in this unit of work
            statement = select(TaskModel).where(TaskModel.id == task.id).options(selectinload(TaskModel.tags))
            model = await self._session.scalar(statement)
        if model is None or model.version != task.version - 1:
            raise StaleVersion("the task was changed by another request")
        copy_task_onto_model(task, model)
        if {tag.id for tag in model.tags} != task.tag_ids:
            model.tags = list(await self._tag_models(task.tag_ids))
        # Flushing here runs the versioned UPDATE now, inside the unit of work's error translation.
        await self._session.flush()

    async def _tag_models(self, tag_ids: Collection[UUID]) -> Sequence[TagModel]:
        if not tag_ids:
            return []
        models = (await self._session.scalars(select(TagModel).where(TagModel.id.in_(tag_ids)))).all()
        if len(models) != len(tag_ids):
            # As the foreign key of task_tags would: a tag that does not exist cannot be linked.
            raise Conflict("the change conflicts with existing data")
        return models

    async def _comment_counts(self, task_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Live comments per task for a whole page, in one grouped query."""
        statement = (
            select(CommentModel.task_id, func.count())
            .where(CommentModel.task_id.in_(task_ids), CommentModel.is_deleted.is_(False))
            .group_by(CommentModel.task_id)
        )
        return {task_id: count for task_id, count in await self._session.execute(statement)}

    def _order_by(self, sort: Sequence[SortKey]) -> Sequence[Any]:
        """ORDER BY the sort keys, then id; text by code point (COLLATE "C") on PostgreSQL too."""
        postgresql = self._session.get_bind().dialect.name == "postgresql"

        def text(column: Any) -> Any:
            return column.collate("C") if postgresql else column

        expressions: dict[str, Sequence[Any]] = {
            "key": [text(ProjectModel.key), TaskModel.number],
            "title": [text(TaskModel.title)],
            "status": [_STATUS_RANK],
            "priority": [_PRIORITY_RANK],
            "due_date": [TaskModel.due_date],
            "created_at": [TaskModel.created_at],
            "updated_at": [TaskModel.updated_at],
        }
        clauses: builtins.list[Any] = []
        for key in sort:
            if key.field == "due_date":
                # Tasks without a due date come last in both directions.
                clauses.append(_NO_DUE_DATE.asc())
            clauses.extend(e.desc() if key.descending else e.asc() for e in expressions[key.field])
        clauses.append(TaskModel.id.asc())
        return clauses


def _summaries() -> Select[TaskModel]:
    """Tasks of live projects with everything a summary embeds, except the comment count."""
    return (
        select(TaskModel)
        .join(TaskModel.project)
        .where(_LIVE_PROJECT)
        .options(
            contains_eager(TaskModel.project).load_only(ProjectModel.id, ProjectModel.key, ProjectModel.name),
            joinedload(TaskModel.assignee).load_only(UserModel.id, UserModel.full_name),
            joinedload(TaskModel.reporter, innerjoin=True).load_only(UserModel.id, UserModel.full_name),
            selectinload(TaskModel.tags),
        )
    )


def _conditions(filters: TaskFilters) -> list[ColumnElement[Any]]:
    """Filters on tasks of live projects (the statement joins the project and keeps live ones)."""
    conditions: list[ColumnElement[Any]] = []
    if not filters.include_deleted:
        conditions.append(TaskModel.is_deleted.is_(False))
    if filters.visible_to is not None:
        member_of = select(ProjectMemberModel.project_id).where(
            ProjectMemberModel.user_id == filters.visible_to
        )
        conditions.append(TaskModel.project_id.in_(member_of))
    if filters.project_id is not None:
        conditions.append(TaskModel.project_id == filters.project_id)
    if filters.statuses:
        conditions.append(TaskModel.status.in_(filters.statuses))
    if filters.priorities:
        conditions.append(TaskModel.priority.in_(filters.priorities))
    if filters.unassigned:
        conditions.append(TaskModel.assignee_id.is_(None))
    elif filters.assignee_id is not None:
        conditions.append(TaskModel.assignee_id == filters.assignee_id)
    if filters.reporter_id is not None:
        conditions.append(TaskModel.reporter_id == filters.reporter_id)
    if filters.tag_names:
        keys = {tag_name_key(name) for name in filters.tag_names}
        tagged = select(task_tags.c.task_id).join(TagModel).where(TagModel.name_key.in_(keys))
        conditions.append(TaskModel.id.in_(tagged))
    if filters.due_before is not None:
        conditions.append(TaskModel.due_date < filters.due_before)
    if filters.due_after is not None:
        conditions.append(TaskModel.due_date > filters.due_after)
    if filters.text is not None:
        # title_folded holds title.casefold(): matching folded forms ignores case the same way on
        # both databases and in memory (SQL's lower() and LIKE differ between them beyond ASCII).
        conditions.append(TaskModel.title_folded.contains(filters.text.casefold(), autoescape=True))
    return conditions


def _summary_from_model(model: TaskModel, comment_count: int) -> TaskSummary:
    project, assignee, reporter = model.project, model.assignee, model.reporter
    tags = sorted(model.tags, key=lambda tag: (tag.name, tag.id))
    return TaskSummary(
        task=task_from_model(model),
        project=ProjectRef(id=project.id, key=project.key, name=project.name),
        assignee=None if assignee is None else UserRef(id=assignee.id, full_name=assignee.full_name),
        reporter=UserRef(id=reporter.id, full_name=reporter.full_name),
        tags=tuple(TagRef(id=tag.id, name=tag.name, color=tag.color) for tag in tags),
        comment_count=comment_count,
    )
