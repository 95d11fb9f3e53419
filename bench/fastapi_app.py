"""The stack users would pick instead: FastAPI, the SQLAlchemy ORM (async, asyncpg) and Pydantic.

Written the way its tutorials show: a session per request from a dependency, the caller looked up
through that session after the JWT check, ORM models with joined and selectin eager loading, and
Pydantic response models. It returns the same page as taskboard's `GET /api/v1/tasks`.

Settings come from the same TASKBOARD_* variables taskboard reads. Run with
`uvicorn bench.fastapi_app:create_app --factory`.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Column, ColumnElement, ForeignKey, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    contains_eager,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
)


class Base(DeclarativeBase):
    pass


task_tags = Table(
    "task_tags",
    Base.metadata,
    Column("task_id", ForeignKey("tasks.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


task_watchers = Table(
    "task_watchers",
    Base.metadata,
    Column("task_id", ForeignKey("tasks.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"
    id: Mapped[UUID] = mapped_column(primary_key=True)
    full_name: Mapped[str]
    role: Mapped[str]
    is_active: Mapped[bool]
    is_deleted: Mapped[bool]


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[UUID] = mapped_column(primary_key=True)
    key: Mapped[str]
    name: Mapped[str]
    is_deleted: Mapped[bool]


class ProjectMember(Base):
    __tablename__ = "project_members"
    project_id: Mapped[UUID] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[UUID] = mapped_column(primary_key=True)
    name: Mapped[str]
    color: Mapped[str]


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[UUID] = mapped_column(primary_key=True)
    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"))
    is_deleted: Mapped[bool]


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[UUID] = mapped_column(primary_key=True)
    project_id: Mapped[UUID] = mapped_column(ForeignKey("projects.id"))
    number: Mapped[int]
    title: Mapped[str]
    description: Mapped[str]
    status: Mapped[str]
    priority: Mapped[str]
    assignee_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"))
    reporter_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date | None]
    completed_at: Mapped[datetime | None]
    is_deleted: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int]

    project: Mapped[Project] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    tags: Mapped[list[Tag]] = relationship(secondary=task_tags)


class ProjectOut(BaseModel):
    id: UUID
    key: str
    name: str


class PersonOut(BaseModel):
    id: UUID
    full_name: str


class TagOut(BaseModel):
    id: UUID
    name: str
    color: str


class TaskOut(BaseModel):
    id: UUID
    key: str
    project: ProjectOut
    title: str
    description: str
    status: str
    priority: str
    assignee: PersonOut | None
    reporter: PersonOut
    due_date: date | None
    completed_at: datetime | None
    tags: list[TagOut]
    comment_count: int
    watching: bool
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int


class TaskPageOut(BaseModel):
    items: list[TaskOut]
    total: int
    offset: int
    limit: int


def create_app() -> FastAPI:
    env = os.environ
    engine = create_async_engine(env["TASKBOARD_DATABASE_URL"])
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    secret = env["TASKBOARD_SECRET_KEY"]
    issuer = env.get("TASKBOARD_TOKEN_ISSUER", "taskboard")
    audience = env.get("TASKBOARD_TOKEN_AUDIENCE", "taskboard-api")
    bearer = HTTPBearer()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    async def session() -> AsyncIterator[AsyncSession]:
        async with sessions() as db, db.begin():
            yield db

    async def caller(
        credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
        db: Annotated[AsyncSession, Depends(session)],
    ) -> User:
        try:
            claims = jwt.decode(
                credentials.credentials,
                secret,
                algorithms=["HS256"],
                issuer=issuer,
                audience=audience,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            user_id = UUID(claims["sub"])
        except (jwt.InvalidTokenError, ValueError):
            raise HTTPException(401, "invalid token") from None
        user = await db.scalar(select(User).where(User.id == user_id, User.is_deleted.is_(False)))
        if user is None or not user.is_active:
            raise HTTPException(401, "the account behind this token cannot sign in")
        return user

    app = FastAPI(lifespan=lifespan)

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/tasks", response_model=TaskPageOut)
    async def list_tasks(
        user: Annotated[User, Depends(caller)],
        db: Annotated[AsyncSession, Depends(session)],
        project_id: UUID | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> TaskPageOut:
        conditions: list[ColumnElement[bool]] = [Project.is_deleted.is_(False), Task.is_deleted.is_(False)]
        if user.role != "admin":
            mine = select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
            conditions.append(Task.project_id.in_(mine))
        if project_id is not None:
            conditions.append(Task.project_id == project_id)
        total = await db.scalar(select(func.count()).select_from(Task).join(Task.project).where(*conditions))
        tasks = (
            (
                await db.scalars(
                    select(Task)
                    .join(Task.project)
                    .where(*conditions)
                    .options(
                        contains_eager(Task.project),
                        joinedload(Task.assignee),
                        joinedload(Task.reporter, innerjoin=True),
                        selectinload(Task.tags),
                    )
                    .order_by(Task.created_at, Task.id)
                    .offset(offset)
                    .limit(limit)
                )
            )
            .unique()
            .all()
        )
        counts: dict[UUID, int] = {}
        watched: set[UUID] = set()
        if tasks:
            grouped = await db.execute(
                select(Comment.task_id, func.count())
                .where(Comment.task_id.in_([task.id for task in tasks]), Comment.is_deleted.is_(False))
                .group_by(Comment.task_id)
            )
            counts = {task_id: count for task_id, count in grouped.tuples()}
            watched = set(
                await db.scalars(
                    select(task_watchers.c.task_id).where(
                        task_watchers.c.user_id == user.id, task_watchers.c.task_id.in_([t.id for t in tasks])
                    )
                )
            )
        return TaskPageOut(
            items=[_task_out(task, counts.get(task.id, 0), task.id in watched) for task in tasks],
            total=total or 0,
            offset=offset,
            limit=limit,
        )

    return app


def _task_out(task: Task, comment_count: int, watching: bool) -> TaskOut:
    return TaskOut(
        id=task.id,
        key=f"{task.project.key}-{task.number}",
        project=ProjectOut(id=task.project.id, key=task.project.key, name=task.project.name),
        title=task.title,
        description=task.description,
        status=task.status,
        priority=task.priority,
        assignee=None
        if task.assignee is None
        else PersonOut(id=task.assignee.id, full_name=task.assignee.full_name),
        reporter=PersonOut(id=task.reporter.id, full_name=task.reporter.full_name),
        due_date=task.due_date,
        completed_at=task.completed_at,
        tags=[
            TagOut(id=tag.id, name=tag.name, color=tag.color)
            for tag in sorted(task.tags, key=lambda tag: (tag.name, tag.id))
        ],
        comment_count=comment_count,
        watching=watching,
        is_deleted=task.is_deleted,
        created_at=task.created_at,
        updated_at=task.updated_at,
        version=task.version,
    )
