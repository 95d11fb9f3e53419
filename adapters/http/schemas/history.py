"""Bodies for task history and a project's activity feed (read only: entries are never changed)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from adapters.http.schemas.pages import PageBody
from adapters.http.schemas.people import Person
from domain.history import HistoryAction, HistoryView

Value = Annotated[
    str | list[str] | dict[str, str] | None,
    Meta(
        description="What the field showed: a name or text, a date (`2026-12-31`), the tags' names, "
        "the assignee as `{id, full_name}`, or null"
    ),
]


class ChangeRead(msgspec.Struct, kw_only=True):
    field: Annotated[
        str,
        Meta(
            description="`title`, `description`, `status`, `priority`, `assignee`, `due_date`, `tags` "
            "or `comment`"
        ),
    ]
    before: Value = msgspec.field(name="from")
    after: Value = msgspec.field(name="to")


class HistoryEntryRead(msgspec.Struct, kw_only=True):
    id: UUID
    task_id: UUID
    actor: Annotated[Person, Meta(description="Who made the change, with the name their account has now")]
    at: datetime
    action: HistoryAction
    changes: list[ChangeRead]

    @classmethod
    def from_view(cls, view: HistoryView) -> "HistoryEntryRead":
        entry = view.entry
        return cls(
            id=entry.id,
            task_id=entry.task_id,
            actor=Person.from_ref(view.actor),
            at=entry.at,
            action=entry.action,
            changes=[ChangeRead(field=c.field, before=c.before, after=c.after) for c in entry.changes],
        )


class HistoryPage(PageBody, kw_only=True):
    """Newest first."""

    items: list[HistoryEntryRead]
