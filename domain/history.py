"""Task history: who changed what on a task, and when. Entries are only ever added, never changed.

Each entry says what one change did to one task: its action, and for each field it touched the
value before and after (`changes`). The values are what the task showed at that moment, as JSON
would carry them: statuses and priorities by name, dates as ISO text, the assignee as
`{"id", "full_name"}` and tags as their sorted names, so a later rename of a tag or a person does not
rewrite what the entry says. The actor is a reference instead: an entry is shown with the actor's
name as it is when the history is read, as comments show their author's.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from domain.paging import Keyset, Page, PageRequest, SortFields, SortKey
from domain.users import UserRef

# What a field held: JSON-ready (an assignee is {"id", "full_name"}, tags are a list of names).
ChangeValue = str | list[str] | dict[str, str] | None


class HistoryAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    RESTORED = "restored"
    TAGS_CHANGED = "tags_changed"
    COMMENT_ADDED = "comment_added"
    COMMENT_EDITED = "comment_edited"
    COMMENT_DELETED = "comment_deleted"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: ChangeValue
    after: ChangeValue


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change of one task. `project_id` is the task's, kept so a project's feed needs no join."""

    id: UUID
    task_id: UUID
    project_id: UUID
    actor_id: UUID
    at: datetime
    action: HistoryAction
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class HistoryView:
    """An entry with its actor's name as the user's account has it now."""

    entry: HistoryEntry
    actor: UserRef


@dataclass(frozen=True, slots=True)
class ActivityFilters:
    """Narrows a project's feed; None and empty sets mean no filter. `since` is inclusive.

    `include_deleted_tasks`: also the entries of the project's deleted tasks (for its managers).
    """

    actor_id: UUID | None = None
    actions: frozenset[HistoryAction] = frozenset()
    since: datetime | None = None
    include_deleted_tasks: bool = False


# Newest first; entries recorded by one change share their instant and follow in the order they
# were recorded (ids are time-ordered), as every list breaks ties by id.
HISTORY_SORT = (SortKey("at", descending=True),)
HISTORY_SORT_FIELDS: SortFields = {"at": datetime}


def history_keyset(view: HistoryView) -> Keyset:
    return Keyset((view.entry.at,), view.entry.id)


class HistoryRepository(Protocol):
    """Append-only: entries are recorded and read, never updated or deleted.

    `record` collects the entry in the unit of work, which writes whatever its use case recorded in
    the same transaction as the change itself, just before it commits: a change that fails records
    nothing, and no change commits without its entries. What was recorded is not read back within
    the same unit of work.
    """

    def record(self, entry: HistoryEntry) -> None: ...

    async def list_for_task(self, task_id: UUID, page: PageRequest) -> Page[HistoryView]:
        """The task's entries in HISTORY_SORT order, whether the task is deleted or not."""
        ...

    async def list_for_project(
        self, project_id: UUID, filters: ActivityFilters, page: PageRequest
    ) -> Page[HistoryView]:
        """The entries of the project's tasks in HISTORY_SORT order."""
        ...
