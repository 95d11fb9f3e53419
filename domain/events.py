"""Domain events: what happened to a task or a comment, recorded in the transaction of the change.

A use case appends the event right after the change it describes (`await uow.outbox.append(...)`),
so the event is stored if and only if the change commits: a rolled-back change never sends one,
a committed one is never lost (the transactional outbox). Webhooks deliver them afterwards.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from domain.comments import Comment
from domain.ids import new_id
from domain.projects import Project
from domain.tasks import Priority, Task, TaskStatus


class EventType(StrEnum):
    TASK_CREATED = "task.created"
    TASK_UPDATED = "task.updated"
    TASK_DELETED = "task.deleted"
    TASK_RESTORED = "task.restored"
    COMMENT_CREATED = "comment.created"
    COMMENT_UPDATED = "comment.updated"
    COMMENT_DELETED = "comment.deleted"


@dataclass(frozen=True, slots=True)
class TaskData:
    """The task as it is after the change."""

    id: UUID
    key: str
    project_id: UUID
    number: int
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    assignee_id: UUID | None
    reporter_id: UUID
    due_date: date | None
    completed_at: datetime | None
    tag_ids: tuple[UUID, ...]
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class CommentData:
    """The comment as it is after the change."""

    id: UUID
    task_id: UUID
    author_id: UUID
    body: str
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """`task_id` is the ordering key: the events of one task reach each webhook in the order they
    were recorded. `data` holds the object under its name: {"task": ...} or {"comment": ...}."""

    id: UUID
    type: EventType
    occurred_at: datetime
    project_id: UUID
    task_id: UUID
    data: Mapping[str, TaskData | CommentData]


def task_event(type: EventType, task: Task, project: Project) -> DomainEvent:
    """The event of a change to `task` (in `project`), which happened when the task was last touched."""
    data = TaskData(
        id=task.id,
        key=f"{project.key}-{task.number}",
        project_id=task.project_id,
        number=task.number,
        title=task.title,
        description=task.description,
        status=task.status,
        priority=task.priority,
        assignee_id=task.assignee_id,
        reporter_id=task.reporter_id,
        due_date=task.due_date,
        completed_at=task.completed_at,
        tag_ids=tuple(sorted(task.tag_ids)),
        is_deleted=task.is_deleted,
        created_at=task.created_at,
        updated_at=task.updated_at,
        version=task.version,
    )
    return DomainEvent(
        id=new_id(),
        type=type,
        occurred_at=task.updated_at,
        project_id=task.project_id,
        task_id=task.id,
        data={"task": data},
    )


def comment_event(type: EventType, comment: Comment, project_id: UUID) -> DomainEvent:
    """The event of a change to `comment`, ordered with the events of its task."""
    data = CommentData(
        id=comment.id,
        task_id=comment.task_id,
        author_id=comment.author_id,
        body=comment.body,
        is_deleted=comment.is_deleted,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        version=comment.version,
    )
    return DomainEvent(
        id=new_id(),
        type=type,
        occurred_at=comment.updated_at,
        project_id=project_id,
        task_id=comment.task_id,
        data={"comment": data},
    )


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as the outbox holds it, with its place in the order of recording."""

    position: int
    id: UUID
    type: EventType
    occurred_at: datetime
    project_id: UUID
    task_id: UUID


class Outbox(Protocol):
    """The events recorded by units of work, waiting to be routed to the webhooks that want them."""

    async def append(self, event: DomainEvent) -> None:
        """Record the event in this unit of work's transaction: kept if and only if it commits."""
        ...

    async def take_unrouted(self, limit: int) -> list[RecordedEvent]:
        """The oldest `limit` events not yet routed, in the order they were recorded, held for this
        unit of work: a concurrent one takes others (PostgreSQL: SKIP LOCKED) or waits (SQLite,
        memory: one writer)."""
        ...

    async def mark_routed(self, positions: list[int]) -> None:
        """These events have their deliveries now; they stay for the deliveries to refer to."""
        ...

    async def remove(self, positions: list[int]) -> None:
        """These events went to no webhook: nothing will ever read them."""
        ...
