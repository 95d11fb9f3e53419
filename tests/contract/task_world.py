"""Projects, members, tags, tasks and comments stored through the repositories, for task and comment tests.

Every helper commits in a unit of work of its own, so the code under test starts from stored data on
whichever adapter `uow_factory` makes.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any
from uuid import UUID

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.comments import Comment
from domain.history import ActivityFilters, HistoryView
from domain.ids import new_id
from domain.paging import MAX_LIMIT, PageRequest, SortKey
from domain.projects import MemberRole, Project, ProjectMember, Tag
from domain.tasks import DEFAULT_TASK_SORT, Priority, Task, TaskFilters, TaskStatus, TaskSummary
from domain.unit_of_work import UnitOfWork
from domain.users import User, UserRole
from tests.factories import UserFactory
from tests.factories_work import unique_project_key

T0 = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
NO_FILTERS = TaskFilters()
WHOLE_PAGE = PageRequest(limit=MAX_LIMIT)
EVERY_ENTRY = ActivityFilters()


_names = count(1)


class World:
    """Stores the objects a task test needs; `now` moves one second per stored object."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._uow_factory = uow_factory
        self._ticks = count(1)

    def uow(self) -> UnitOfWork:
        return self._uow_factory()

    def now(self) -> datetime:
        return T0 + timedelta(seconds=next(self._ticks))

    async def user(self, **fields: Any) -> User:
        user = UserFactory.build(**fields)
        async with self._uow_factory() as uow:
            await uow.users.create(user)
        return user

    async def admin(self) -> User:
        return await self.user(role=UserRole.ADMIN)

    async def project(self, manager: User, *, key: str | None = None, name: str | None = None) -> Project:
        now = self.now()
        project = Project.create(
            id=new_id(),
            key=key or unique_project_key(),
            name=name or f"Project {next(_names)}",
            description="",
            now=now,
        )
        async with self._uow_factory() as uow:
            await uow.projects.create(project)
            await uow.projects.save_member(
                ProjectMember(
                    project_id=project.id,
                    user_id=manager.id,
                    role=MemberRole.MANAGER,
                    created_at=now,
                    updated_at=now,
                )
            )
        return project

    async def member(
        self, project: Project, role: MemberRole = MemberRole.CONTRIBUTOR, **fields: Any
    ) -> User:
        """A new user who is a member of the project in `role`."""
        user = await self.user(**fields)
        await self.join(project, user, role)
        return user

    async def join(self, project: Project, user: User, role: MemberRole) -> None:
        now = self.now()
        async with self._uow_factory() as uow:
            await uow.projects.save_member(
                ProjectMember(
                    project_id=project.id, user_id=user.id, role=role, created_at=now, updated_at=now
                )
            )

    async def tag(self, project: Project, name: str, color: str = "#1e90ff") -> Tag:
        tag = Tag.create(id=new_id(), project_id=project.id, name=name, color=color, now=self.now())
        async with self._uow_factory() as uow:
            await uow.tags.create(tag)
        return tag

    async def task(
        self,
        project: Project,
        reporter: User,
        *,
        title: str | None = None,
        status: TaskStatus = TaskStatus.TODO,
        priority: Priority = Priority.MEDIUM,
        assignee: User | None = None,
        due_date: date | None = None,
        tags: Sequence[Tag] = (),
        is_deleted: bool = False,
        task_id: UUID | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> Task:
        """A task stored as it would be after its story; its number is the project's next one."""
        now = created_at or self.now()
        async with self._uow_factory() as uow:
            number = await uow.projects.next_task_number(project.id)
            task = Task.create(
                id=task_id or new_id(),
                project_id=project.id,
                number=number,
                title=title or f"Task {number} of {project.key}",
                description="",
                priority=priority,
                assignee_id=None if assignee is None else assignee.id,
                reporter_id=reporter.id,
                due_date=due_date,
                tag_ids=frozenset(tag.id for tag in tags),
                now=now,
            )
            task.status = status
            task.completed_at = now if status is TaskStatus.DONE else None
            task.is_deleted = is_deleted
            task.updated_at = updated_at or now
            await uow.tasks.create(task)
        return task

    async def comment(
        self, task: Task, author: User, body: str = "Looks good.", *, is_deleted: bool = False
    ) -> Comment:
        comment = Comment.create(id=new_id(), task_id=task.id, author_id=author.id, body=body, now=self.now())
        comment.is_deleted = is_deleted
        async with self._uow_factory() as uow:
            await uow.comments.create(comment)
        return comment

    async def delete_project(self, project: Project) -> None:
        async with self._uow_factory() as uow:
            stored = await uow.projects.get_by_id(project.id)
            assert stored is not None
            stored.delete(self.now())
            await uow.projects.soft_delete(stored)

    async def restore_project(self, project: Project) -> None:
        async with self._uow_factory() as uow:
            stored = await uow.projects.get_by_id(project.id, include_deleted=True)
            assert stored is not None
            stored.restore(self.now())
            await uow.projects.restore(stored)

    async def delete_task(self, task: Task) -> None:
        async with self._uow_factory() as uow:
            stored = await uow.tasks.get_by_id(task.id)
            assert stored is not None
            stored.delete(self.now())
            await uow.tasks.soft_delete(stored)

    async def restore_task(self, task: Task) -> None:
        async with self._uow_factory() as uow:
            stored = await uow.tasks.get_by_id(task.id, include_deleted=True)
            assert stored is not None
            stored.restore(self.now())
            await uow.tasks.restore(stored)

    async def delete_tag(self, tag: Tag) -> None:
        async with self._uow_factory() as uow:
            await uow.tags.delete(tag.id)

    async def stored_task(self, task_id: UUID) -> Task | None:
        """The task as stored, deleted or not (while its project is live)."""
        async with self._uow_factory() as uow:
            return await uow.tasks.get_by_id(task_id, include_deleted=True)

    async def summary(
        self, task_id: UUID, *, include_deleted: bool = False, viewer: UUID | None = None
    ) -> TaskSummary | None:
        async with self._uow_factory() as uow:
            return await uow.tasks.get_summary(task_id, include_deleted=include_deleted, viewer=viewer)

    async def page(
        self,
        filters: TaskFilters = NO_FILTERS,
        sort: Sequence[SortKey] = DEFAULT_TASK_SORT,
        page: PageRequest = WHOLE_PAGE,
    ) -> tuple[list[UUID], int]:
        """The task ids on one page of the list, in order, and the total."""
        async with self._uow_factory() as uow:
            found = await uow.tasks.list(filters, sort, page)
        return [summary.id for summary in found.items], found.total

    async def history(self, task_id: UUID) -> list[HistoryView]:
        """The task's whole history, newest first."""
        async with self._uow_factory() as uow:
            return list((await uow.history.list_for_task(task_id, WHOLE_PAGE)).items)

    async def activity(self, project_id: UUID, filters: ActivityFilters = EVERY_ENTRY) -> list[HistoryView]:
        async with self._uow_factory() as uow:
            return list((await uow.history.list_for_project(project_id, filters, WHOLE_PAGE)).items)

    async def ids(self, filters: TaskFilters = NO_FILTERS) -> set[UUID]:
        ids, _total = await self.page(filters)
        return set(ids)


@contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every query the engine sends while the block runs (SQLite's BEGIN IMMEDIATE is not one)."""
    statements: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
