"""Comments on tasks."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.errors import ValidationFailed
from domain.paging import Keyset, Page, PageRequest, SortFields, SortKey
from domain.users import UserRef

MAX_COMMENT_LENGTH = 10_000
# A task's comments are listed oldest first, always (ties by id, as every list).
COMMENT_SORT = (SortKey("created_at"),)
COMMENT_SORT_FIELDS: SortFields = {"created_at": datetime}


def clean_body(raw: str) -> str:
    body = raw.strip()
    if not 1 <= len(body) <= MAX_COMMENT_LENGTH:
        raise ValidationFailed(f"must have 1 to {MAX_COMMENT_LENGTH} characters", field="body")
    return body


@dataclass(slots=True, kw_only=True)
class Comment:
    id: UUID
    task_id: UUID
    author_id: UUID
    body: str
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def create(cls, *, id: UUID, task_id: UUID, author_id: UUID, body: str, now: datetime) -> "Comment":
        return cls(
            id=id,
            task_id=task_id,
            author_id=author_id,
            body=clean_body(body),
            is_deleted=False,
            created_at=now,
            updated_at=now,
            version=1,
        )

    def edit(self, body: str, now: datetime) -> bool:
        new_body = clean_body(body)
        if new_body == self.body:
            return False
        self.body = new_body
        self._touch(now)
        return True

    def delete(self, now: datetime) -> None:
        self.is_deleted = True
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1


@dataclass(frozen=True, slots=True)
class CommentView:
    comment: Comment
    author: UserRef


def comment_keyset(view: CommentView) -> Keyset:
    return Keyset.of(view.comment, COMMENT_SORT)


class CommentRepository(Protocol):
    """Comments of live tasks in live projects; deleted comments are invisible.

    `update` and `soft_delete` take a comment whose version was bumped once since it was read,
    and raise StaleVersion when it moved meanwhile.
    """

    async def create(self, comment: Comment) -> None: ...

    async def get_by_id(self, comment_id: UUID) -> Comment | None: ...

    async def get_view(self, comment_id: UUID) -> CommentView | None: ...

    async def list_for_task(self, task_id: UUID, page: PageRequest) -> Page[CommentView]:
        """In COMMENT_SORT order, with each author; keysets are those of `comment_keyset`."""
        ...

    async def latest_for_task(self, task_id: UUID, limit: int) -> Sequence[CommentView]:
        """The newest `limit` comments, returned oldest first."""
        ...

    async def update(self, comment: Comment) -> None: ...

    async def soft_delete(self, comment: Comment) -> None: ...
