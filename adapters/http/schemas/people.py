"""A person as other objects show them (a task's assignee and reporter, a comment's author)."""

from uuid import UUID

import msgspec

from domain.users import UserRef


class Person(msgspec.Struct, kw_only=True):
    id: UUID
    full_name: str

    @classmethod
    def from_ref(cls, ref: UserRef) -> "Person":
        return cls(id=ref.id, full_name=ref.full_name)
