"""Bodies for tasks. Unknown fields are refused."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from adapters.http.problems import Problem
from adapters.http.schemas.comments import CommentRead
from adapters.http.schemas.pages import PageBody
from adapters.http.schemas.people import Person
from adapters.http.schemas.text import NOT_BLANK, WITHOUT_NUL
from domain.tasks import (
    MAX_DESCRIPTION_LENGTH,
    MAX_TITLE_LENGTH,
    Priority,
    TaskDetail,
    TaskStatus,
    TaskSummary,
)

Title = Annotated[
    str,
    Meta(
        min_length=1, max_length=MAX_TITLE_LENGTH, pattern=NOT_BLANK, examples=["Rotate the TLS certificates"]
    ),
]
Description = Annotated[str, Meta(max_length=MAX_DESCRIPTION_LENGTH, pattern=WITHOUT_NUL)]
TagIds = Annotated[list[UUID], Meta(max_length=50)]


class TaskCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    project_id: UUID
    title: Title
    description: Description = ""
    priority: Priority = Priority.MEDIUM
    assignee_id: UUID | None = None
    due_date: date | None = None
    tag_ids: TagIds = msgspec.field(default_factory=list)


class TaskUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields present change; `null` clears the assignee or the due date."""

    title: Title | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    status: TaskStatus | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    assignee_id: UUID | UnsetType | None = UNSET
    due_date: date | UnsetType | None = UNSET
    tag_ids: TagIds | UnsetType = UNSET


class ProjectSummary(msgspec.Struct, kw_only=True):
    id: UUID
    key: str
    name: str


class TagSummary(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    color: str


class TaskRead(msgspec.Struct, kw_only=True):
    id: UUID
    key: str
    project: ProjectSummary
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    assignee: Person | None
    reporter: Person
    due_date: date | None
    completed_at: datetime | None
    tags: list[TagSummary]
    comment_count: int
    watching: Annotated[bool, Meta(description="Whether the caller watches the task")]
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_summary(cls, summary: TaskSummary) -> "TaskRead":
        return msgspec.convert(summary, TaskRead, from_attributes=True)

    @classmethod
    def page_of(cls, summaries: Sequence[TaskSummary]) -> list["TaskRead"]:
        """The tasks of a page. The read models carry the response's field names (`key` is a
        property), so msgspec builds the whole page in one call, in C."""
        return msgspec.convert(summaries, list[TaskRead], from_attributes=True)


class TaskPage(PageBody, kw_only=True):
    items: list[TaskRead]


class TaskDetailRead(TaskRead, kw_only=True):
    """A task with its latest 20 comments, oldest first."""

    latest_comments: list[CommentRead]

    @classmethod
    def from_detail(cls, detail: TaskDetail) -> "TaskDetailRead":
        summary = TaskRead.from_summary(detail.summary)
        return cls(
            **msgspec.structs.asdict(summary),
            latest_comments=[CommentRead.from_view(view) for view in detail.latest_comments],
        )


class BulkChanges(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What changes on every task; only the fields present change, `null` clears the assignee or
    the due date. At least one field."""

    status: TaskStatus | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    assignee_id: UUID | UnsetType | None = UNSET
    due_date: date | UnsetType | None = UNSET
    add_tag_ids: TagIds | UnsetType = UNSET
    remove_tag_ids: TagIds | UnsetType = UNSET


class BulkUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    task_ids: Annotated[
        list[UUID],
        Meta(
            min_length=1,
            max_length=100,
            description="1 to 100 tasks, each once; by id",
            extra_json_schema={"extra": {"uniqueItems": True}},
        ),
    ]
    changes: BulkChanges
    atomic: Annotated[
        bool,
        Meta(
            description="true: every task changes or none does, and the first failure is the answer "
            "(naming the task); false: each task changes or fails on its own, each with its result"
        ),
    ]


ItemStatus = Literal[200, 403, 404, 409, 422]


class BulkItemRead(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One task's result, in the order of `task_ids`: the task as it is now, or the problem."""

    task_id: UUID
    status: ItemStatus
    task: TaskRead | UnsetType = UNSET
    problem: Problem | UnsetType = UNSET


class BulkResult(msgspec.Struct, kw_only=True):
    results: list[BulkItemRead]
