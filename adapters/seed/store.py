"""The seed's reads and bulk writes: what the database holds of earlier runs, and a plan's rows,
thousands per statement with no ORM unit of work.

The rows are the mappers' (their derived columns included) and task numbers come from each
project's counter through the repository's own rule, so seeded rows are the rows the API stores.
"""

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Table, func, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.sqlalchemy.mappers import (
    TASK_DERIVED_COLUMNS,
    copy_member_onto_model,
    copy_tag_onto_model,
    project_to_model,
    user_to_model,
)
from adapters.persistence.sqlalchemy.models import (
    Base,
    CommentModel,
    ProjectMemberModel,
    ProjectModel,
    TagModel,
    TaskModel,
    UserModel,
    task_tags,
)
from adapters.persistence.sqlalchemy.projects import take_task_numbers
from adapters.seed.plan import PROJECT_KEY_PREFIX, Found, FoundUser, Plan, SeededProject, TaskBatch
from domain.projects import MemberRole

# Rows per INSERT (an executemany) on SQLite.
_INSERT_ROWS = 5_000

E = TypeVar("E")
M = TypeVar("M", bound=Base)


async def find_seeded(engine: AsyncEngine) -> Found:
    """The seeded accounts, and the live seeded projects with their writers, tags and tasks."""
    live_seeded = ProjectModel.key.like(f"{PROJECT_KEY_PREFIX}%") & ~ProjectModel.is_deleted
    async with engine.connect() as connection:
        user_rows = await connection.execute(
            select(UserModel.email, UserModel.id, UserModel.is_deleted, UserModel.is_active)
            .where(UserModel.email.like("seed-%@example.com"))
            .order_by(UserModel.is_deleted.desc())  # live rows last, so they win below
        )
        project_rows = (
            await connection.execute(
                select(ProjectModel.id, ProjectModel.key, ProjectModel.created_at).where(live_seeded)
            )
        ).all()
        writer_rows = await connection.execute(
            select(ProjectMemberModel.project_id, ProjectMemberModel.user_id)
            .join(ProjectModel)
            .join(UserModel)
            .where(
                live_seeded,
                ProjectMemberModel.role.in_([MemberRole.MANAGER, MemberRole.CONTRIBUTOR]),
                ~UserModel.is_deleted,
                UserModel.is_active,
            )
            .order_by(ProjectMemberModel.user_id)
        )
        tag_rows = await connection.execute(
            select(TagModel.project_id, TagModel.id)
            .join(ProjectModel)
            .where(live_seeded)
            .order_by(TagModel.id)
        )
        task_rows = await connection.execute(
            select(TaskModel.project_id, func.count(), func.max(TaskModel.created_at))
            .join(ProjectModel)
            .where(live_seeded)
            .group_by(TaskModel.project_id)
        )
        users = {row.email: FoundUser(row.id, live=not row.is_deleted and row.is_active) for row in user_rows}
        writers: dict[UUID, list[UUID]] = {row.id: [] for row in project_rows}
        tag_ids: dict[UUID, list[UUID]] = {row.id: [] for row in project_rows}
        for project_id, user_id in writer_rows:
            writers[project_id].append(user_id)
        for project_id, tag_id in tag_rows:
            tag_ids[project_id].append(tag_id)
        tasks = {project_id: (count, latest) for project_id, count, latest in task_rows}
    projects = {}
    for row in project_rows:
        count, latest = tasks.get(row.id, (0, None))
        projects[row.key] = SeededProject(
            id=row.id,
            key=row.key,
            created_at=row.created_at,
            writers=writers[row.id],
            tag_ids=tag_ids[row.id],
            task_count=count,
            latest_task_at=latest,
        )
    return Found(users, projects)


async def store_people(engine: AsyncEngine, plan: Plan) -> None:
    """The plan's users, projects, members and tags, in one transaction.

    Far fewer rows than the tasks, so they go through the mappers whole: an ORM object each, whose
    column values become the row.
    """
    async with engine.begin() as connection:
        await _insert(connection, UserModel, _model_rows(user_to_model(user) for user in plan.users))
        await _insert(
            connection, ProjectModel, _model_rows(project_to_model(project) for project in plan.projects)
        )
        members = (_copied(copy_member_onto_model, member, ProjectMemberModel()) for member in plan.members)
        await _insert(connection, ProjectMemberModel, _model_rows(members))
        tags = (_copied(copy_tag_onto_model, tag, TagModel()) for tag in plan.tags)
        await _insert(connection, TagModel, _model_rows(tags))


async def store_tasks(engine: AsyncEngine, batch: TaskBatch) -> None:
    """One batch of tasks, numbered by their projects' counters, with their tags and comments."""
    async with engine.begin() as connection:
        for project_id, tasks in batch.tasks:
            numbers = await take_task_numbers(connection, project_id, len(tasks))
            for number, task in zip(numbers, tasks, strict=True):
                task.number = number
        every_task = [task for _, tasks in batch.tasks for task in tasks]
        # Too many for an ORM object each: columns read off the tasks, plus the mapper's derived ones.
        await _insert(connection, TaskModel, _rows(TaskModel, every_task, TASK_DERIVED_COLUMNS))
        tag_rows = [{"task_id": task.id, "tag_id": tag_id} for task in every_task for tag_id in task.tag_ids]
        await _insert(connection, task_tags, tag_rows)
        await _insert(connection, CommentModel, _rows(CommentModel, batch.comments, {}))


def _copied(copy: Callable[[E, M], None], entity: E, model: M) -> M:
    copy(entity, model)
    return model


def _model_rows(models: Iterable[Base]) -> list[dict[str, Any]]:
    """The column values of ORM objects the mappers filled."""
    rows = []
    for model in models:
        attributes = inspect(type(model)).column_attrs
        rows.append({attribute.columns[0].name: getattr(model, attribute.key) for attribute in attributes})
    return rows


def _rows(
    model: type[Base], entities: Sequence[object], derived: Mapping[str, Callable[[Any], object]]
) -> list[dict[str, Any]]:
    """Column values read off the entities by name, as the mappers copy them, without the cost of
    ORM objects; `derived` computes the columns an entity has no attribute for. A new column the
    entity lacks fails here with an AttributeError rather than going in empty."""
    names = [column.name for column in model.__table__.columns if column.name not in derived]
    read = operator.attrgetter(*names)
    return [
        dict(zip(names, read(entity), strict=True)) | {name: make(entity) for name, make in derived.items()}
        for entity in entities
    ]


async def _insert(connection: AsyncConnection, table: type[Base] | Table, rows: list[dict[str, Any]]) -> None:
    """Bulk rows into the model's table, in the connection's transaction.

    PostgreSQL takes them through COPY, several times faster than INSERT for loads this size; SQLite
    through Core INSERTs, _INSERT_ROWS rows per executemany.
    """
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        columns = list(rows[0])
        raw = await connection.get_raw_connection()
        # The values are already what the columns hold: UUIDs, aware UTC datetimes, and StrEnum
        # members, which are their own string values.
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name if isinstance(table, Table) else table.__tablename__,
            columns=columns,
            records=[tuple(row[column] for column in columns) for row in rows],
        )
        return
    for start in range(0, len(rows), _INSERT_ROWS):
        await connection.execute(insert(table), rows[start : start + _INSERT_ROWS])
