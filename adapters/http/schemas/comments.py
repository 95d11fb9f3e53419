"""Bodies for comments. Unknown fields are refused."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from adapters.http.schemas.pages import PageBody
from adapters.http.schemas.people import Person
from adapters.http.schemas.text import NOT_BLANK
from domain.comments import MAX_COMMENT_LENGTH, CommentView

Body = Annotated[str, Meta(min_length=1, max_length=MAX_COMMENT_LENGTH, pattern=NOT_BLANK)]


class CommentCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    body: Body


class CommentUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    body: Body


class CommentRead(msgspec.Struct, kw_only=True):
    id: UUID
    task_id: UUID
    author: Person
    body: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_view(cls, view: CommentView) -> "CommentRead":
        comment = view.comment
        return cls(
            id=comment.id,
            task_id=comment.task_id,
            author=Person.from_ref(view.author),
            body=comment.body,
            created_at=comment.created_at,
            updated_at=comment.updated_at,
            version=comment.version,
        )


class CommentPage(PageBody, kw_only=True):
    items: list[CommentRead]
