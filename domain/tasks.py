"""Tasks: the unit of work a project tracks, with its workflow and priorities."""

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Protocol
from uuid import UUID

from domain.comments import CommentView
from domain.errors import ValidationFailed
from domain.paging import Keyset, Page, PageRequest, SortFields, SortKey
from domain.text import clean_text
from domain.users import UserRef

MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000
# A project key and a task number that fits the database's 32-bit integer column.
_TASK_KEY = re.compile(r"([A-Za-z]{2,10})-([1-9][0-9]{0,8})")


class TaskStatus(StrEnum):
    """Declared in workflow order, which is also the order `sort=status` uses."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"


# Which status may follow which. Reopening is allowed: done -> todo/in_progress, cancelled -> todo.
TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.TODO: frozenset(
        {TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.DONE, TaskStatus.CANCELLED}
    ),
    TaskStatus.IN_PROGRESS: frozenset(
        {TaskStatus.TODO, TaskStatus.BLOCKED, TaskStatus.DONE, TaskStatus.CANCELLED}
    ),
    TaskStatus.BLOCKED: frozenset({TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset({TaskStatus.TODO, TaskStatus.IN_PROGRESS}),
    TaskStatus.CANCELLED: frozenset({TaskStatus.TODO}),
}


class Priority(StrEnum):
    """Declared from lowest to highest, which is the order `sort=priority` uses."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


def rank(member: TaskStatus | Priority) -> int:
    """Position in declaration order: how statuses and priorities sort."""
    return list(type(member)).index(member)


# A task as its key names it: the project's key and the task's number in it, ("OPS", 42).
TaskKey = tuple[str, int]


def parse_task_key(text: str) -> TaskKey | None:
    """Split a task key like `OPS-42` (project key in any case) into ("OPS", 42); None if it is not one."""
    match = _TASK_KEY.fullmatch(text.strip())
    if match is None:
        return None
    return match.group(1).upper(), int(match.group(2))


class Keep(Enum):
    """Marks a field a partial update leaves alone, where None is a value (no assignee, no due date)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class TaskChanges:
    title: str | None = None
    description: str | None = None
    status: TaskStatus | None = None
    priority: Priority | None = None
    assignee_id: UUID | Keep | None = KEEP
    due_date: date | Keep | None = KEEP
    tag_ids: frozenset[UUID] | None = None


@dataclass(slots=True, kw_only=True)
class Task:
    """A task. `completed_at` is set when it becomes done and cleared when it is reopened."""

    id: UUID
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
    tag_ids: frozenset[UUID] = field(default_factory=frozenset)
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        project_id: UUID,
        number: int,
        title: str,
        description: str,
        priority: Priority,
        assignee_id: UUID | None,
        reporter_id: UUID,
        due_date: date | None,
        tag_ids: frozenset[UUID],
        now: datetime,
    ) -> "Task":
        return cls(
            id=id,
            project_id=project_id,
            number=number,
            title=clean_text(title, field="title", maximum=MAX_TITLE_LENGTH),
            description=clean_text(
                description, field="description", maximum=MAX_DESCRIPTION_LENGTH, minimum=0
            ),
            status=TaskStatus.TODO,
            priority=priority,
            assignee_id=assignee_id,
            reporter_id=reporter_id,
            due_date=due_date,
            completed_at=None,
            tag_ids=tag_ids,
            is_deleted=False,
            created_at=now,
            updated_at=now,
            version=1,
        )

    def apply(self, changes: TaskChanges, now: datetime) -> bool:
        """Apply the changes; return whether anything changed (and so the version moved)."""
        before = (
            self.title,
            self.description,
            self.status,
            self.priority,
            self.assignee_id,
            self.due_date,
            self.tag_ids,
        )
        if changes.title is not None:
            self.title = clean_text(changes.title, field="title", maximum=MAX_TITLE_LENGTH)
        if changes.description is not None:
            self.description = clean_text(
                changes.description, field="description", maximum=MAX_DESCRIPTION_LENGTH, minimum=0
            )
        if changes.status is not None and changes.status != self.status:
            self._move_to(changes.status, now)
        if changes.priority is not None:
            self.priority = changes.priority
        if not isinstance(changes.assignee_id, Keep):
            self.assignee_id = changes.assignee_id
        if not isinstance(changes.due_date, Keep):
            self.due_date = changes.due_date
        if changes.tag_ids is not None:
            self.tag_ids = changes.tag_ids
        after = (
            self.title,
            self.description,
            self.status,
            self.priority,
            self.assignee_id,
            self.due_date,
            self.tag_ids,
        )
        if after == before:
            return False
        self._touch(now)
        return True

    def _move_to(self, status: TaskStatus, now: datetime) -> None:
        if status not in TRANSITIONS[self.status]:
            raise ValidationFailed(f"a {self.status} task cannot become {status}", field="status")
        self.status = status
        self.completed_at = now if status is TaskStatus.DONE else None

    def delete(self, now: datetime) -> None:
        self.is_deleted = True
        self._touch(now)

    def restore(self, now: datetime) -> None:
        self.is_deleted = False
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1


@dataclass(frozen=True, slots=True)
class ProjectRef:
    id: UUID
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class TagRef:
    id: UUID
    name: str
    color: str


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and lists make one
# summary per row of every page. Nothing changes a summary once it is read.
@dataclass(slots=True)
class TaskSummary:
    """A task as lists show it: its own fields with its project, people, tags and how many
    comments it has, read straight from the store (no `Task` entity is built for a list)."""

    id: UUID
    project: ProjectRef
    number: int
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    assignee: UserRef | None
    reporter: UserRef
    due_date: date | None
    completed_at: datetime | None
    tags: tuple[TagRef, ...]
    comment_count: int
    # Whether the user the summary was read for watches the task (False when read for nobody).
    watching: bool
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def key(self) -> str:
        return f"{self.project.key}-{self.number}"

    @property
    def project_id(self) -> UUID:
        return self.project.id


@dataclass(frozen=True, slots=True)
class TaskDetail:
    summary: TaskSummary
    latest_comments: tuple[CommentView, ...]


@dataclass(frozen=True, slots=True)
class TaskFilters:
    """Every field narrows the list; a set matches any of its members; None means no filter.

    `visible_to` limits the list to projects that user is a member of (None: all, for admins).
    `unassigned` asks for tasks without an assignee (and excludes `assignee_id`). Due dates are
    compared strictly: due_before=D means due on a day before D. `watched_by`: tasks that user
    watches.
    """

    visible_to: UUID | None = None
    project_id: UUID | None = None
    statuses: frozenset[TaskStatus] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    assignee_id: UUID | None = None
    unassigned: bool = False
    reporter_id: UUID | None = None
    tag_names: frozenset[str] = frozenset()
    due_before: date | None = None
    due_after: date | None = None
    text: str | None = None
    include_deleted: bool = False
    watched_by: UUID | None = None


# What each sort field compares: a key by project key, then number (OPS-2 before OPS-10); statuses
# and priorities by rank; tasks without a due date come last in both directions (None is last).
TASK_SORT_FIELDS: SortFields = {
    "key": tuple[str, int],
    "title": str,
    "status": int,
    "priority": int,
    "due_date": date | None,
    "created_at": datetime,
    "updated_at": datetime,
}
DEFAULT_TASK_SORT = (SortKey("created_at"),)


def task_keyset(summary: TaskSummary, sort: Sequence[SortKey]) -> Keyset:
    """Where the task stands in a list sorted by `sort`: the values of TASK_SORT_FIELDS it has."""
    values: dict[str, object] = {
        "key": (summary.project.key, summary.number),
        "title": summary.title,
        "status": rank(summary.status),
        "priority": rank(summary.priority),
        "due_date": summary.due_date,
        "created_at": summary.created_at,
        "updated_at": summary.updated_at,
    }
    return Keyset(tuple(values[key.field] for key in sort), summary.id)


class TaskRepository(Protocol):
    """Tasks of live projects: a deleted project hides its tasks, and restoring it brings them back.

    Deleted tasks are invisible unless asked for. `update`, `soft_delete` and `restore` take a task
    whose version was bumped once since it was read, and raise StaleVersion when it moved meanwhile.
    """

    async def create(self, task: Task) -> None: ...

    async def get_by_id(self, task_id: UUID, *, include_deleted: bool = False) -> Task | None: ...

    async def find_id_by_key(self, project_key: str, number: int) -> UUID | None:
        """The task numbered `number` in the live project keyed `project_key`, deleted or not."""
        ...

    async def get_many(self, task_ids: Collection[UUID]) -> Sequence[Task]:
        """The live tasks among `task_ids`, in one read, each kept for a change as `get_by_id` keeps it."""
        ...

    async def get_summary(
        self, task: UUID | TaskKey, *, include_deleted: bool = False, viewer: UUID | None = None
    ) -> TaskSummary | None:
        """The task by its id or by its key; `watching` says whether `viewer` watches it."""
        ...

    async def get_summaries(
        self, task_ids: Sequence[UUID], *, viewer: UUID | None = None
    ) -> Sequence[TaskSummary]:
        """The live tasks among `task_ids`, in that order, as `get_summary` reads one."""
        ...

    async def list(
        self, filters: TaskFilters, sort: Sequence[SortKey], page: PageRequest, *, viewer: UUID | None = None
    ) -> Page[TaskSummary]:
        """One page in `sort` order (ties by id; tasks without a due date last either way), with
        the keysets of `task_keyset`; `watching` is said for `viewer`."""
        ...

    async def update(self, task: Task) -> None: ...

    async def soft_delete(self, task: Task) -> None: ...

    async def restore(self, task: Task) -> None: ...

    async def tag_sets_carrying(self, tag_id: UUID) -> Mapping[UUID, frozenset[UUID]]:
        """The tag set of every task that carries the tag, deleted or not, by task id."""
        ...

    async def count_assigned(self, project_id: UUID, user_id: UUID) -> int:
        """How many live tasks of the project are assigned to the user."""
        ...
