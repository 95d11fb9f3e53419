"""Projects, their members and their tags: who may see and change a project's work."""

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from domain.errors import ValidationFailed
from domain.paging import Page, PageRequest, SortFields, SortKey
from domain.text import clean_text

MAX_PROJECT_NAME_LENGTH = 200
MAX_PROJECT_DESCRIPTION_LENGTH = 10_000
MAX_TAG_NAME_LENGTH = 50
_PROJECT_KEY = re.compile(r"[A-Z]{2,10}")
_COLOR = re.compile(r"#[0-9a-f]{6}")


class MemberRole(StrEnum):
    MANAGER = "manager"
    CONTRIBUTOR = "contributor"
    VIEWER = "viewer"

    @property
    def can_write(self) -> bool:
        return self is not MemberRole.VIEWER


def clean_project_key(raw: str) -> str:
    key = raw.strip().upper()
    if not _PROJECT_KEY.fullmatch(key):
        raise ValidationFailed("must be 2 to 10 letters A-Z", field="key")
    return key


@dataclass(slots=True, kw_only=True)
class Project:
    """A body of work with its own key (`OPS`), members and tags. The key never changes."""

    id: UUID
    key: str
    name: str
    description: str
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def create(cls, *, id: UUID, key: str, name: str, description: str, now: datetime) -> "Project":
        return cls(
            id=id,
            key=clean_project_key(key),
            name=clean_text(name, field="name", maximum=MAX_PROJECT_NAME_LENGTH),
            description=clean_text(
                description, field="description", maximum=MAX_PROJECT_DESCRIPTION_LENGTH, minimum=0
            ),
            is_deleted=False,
            created_at=now,
            updated_at=now,
            version=1,
        )

    def change(self, *, name: str | None, description: str | None, now: datetime) -> bool:
        """Apply the given changes; return whether anything changed (and so the version moved)."""
        new_name = (
            self.name if name is None else clean_text(name, field="name", maximum=MAX_PROJECT_NAME_LENGTH)
        )
        new_description = (
            self.description
            if description is None
            else clean_text(
                description, field="description", maximum=MAX_PROJECT_DESCRIPTION_LENGTH, minimum=0
            )
        )
        if (new_name, new_description) == (self.name, self.description):
            return False
        self.name, self.description = new_name, new_description
        self._touch(now)
        return True

    def delete(self, now: datetime) -> None:
        self.is_deleted = True
        self._touch(now)

    def restore(self, now: datetime) -> None:
        self.is_deleted = False
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1


@dataclass(slots=True, kw_only=True)
class ProjectMember:
    project_id: UUID
    user_id: UUID
    role: MemberRole
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MemberView:
    """A member as lists show them: the membership with the user's name and email."""

    user_id: UUID
    full_name: str
    email: str
    role: MemberRole
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ProjectFilters:
    """`member_id` limits the list to that user's projects (None: every project, for admins)."""

    member_id: UUID | None = None
    text: str | None = None
    include_deleted: bool = False


PROJECT_SORT_FIELDS: SortFields = {"key": str, "name": str, "created_at": datetime, "updated_at": datetime}
DEFAULT_PROJECT_SORT = (SortKey("key"),)


class ProjectRepository(Protocol):
    """Stores projects and their memberships. Deleted projects are invisible unless asked for.

    `update`, `soft_delete` and `restore` take a project whose version was bumped once since it was
    read and raise StaleVersion when the stored one moved meanwhile.
    """

    async def create(self, project: Project) -> None: ...

    async def get_by_id(self, project_id: UUID, *, include_deleted: bool = False) -> Project | None: ...

    async def get_by_key(self, key: str) -> Project | None: ...

    async def list(
        self, filters: ProjectFilters, sort: Sequence[SortKey], page: PageRequest
    ) -> Page[Project]:
        """One page in `sort` order (ties by id); `text` matches key or name, ignoring case."""
        ...

    async def update(self, project: Project) -> None: ...

    async def soft_delete(self, project: Project) -> None: ...

    async def restore(self, project: Project) -> None: ...

    async def next_task_number(self, project_id: UUID) -> int:
        """Reserve the project's next task number (1, 2, ...), atomically under concurrency."""
        ...

    async def get_member(self, project_id: UUID, user_id: UUID) -> ProjectMember | None: ...

    async def get_with_member_role(
        self, project_id: UUID, user_id: UUID, *, include_deleted: bool = False
    ) -> tuple[Project, MemberRole | None] | None:
        """The project and the role the user holds in it (None: not a member), in one read."""
        ...

    async def get_many_with_member_role(
        self, project_ids: Collection[UUID], user_id: UUID
    ) -> Mapping[UUID, tuple[Project, MemberRole | None]]:
        """The live projects among `project_ids`, each with the role the user holds in it, in one read."""
        ...

    async def list_members(self, project_id: UUID) -> Sequence[MemberView]:
        """Every member with their user's name, managers first, then by name."""
        ...

    async def save_member(self, member: ProjectMember) -> None:
        """Add the membership or change its role."""
        ...

    async def remove_member(self, project_id: UUID, user_id: UUID) -> None: ...

    async def manager_ids(self, project_id: UUID) -> Sequence[UUID]:
        """The project's managers, locked until the unit of work ends (for "last manager" checks)."""
        ...


def clean_color(raw: str) -> str:
    color = raw.strip().lower()
    if not _COLOR.fullmatch(color):
        raise ValidationFailed("must be a colour like #1e90ff", field="color")
    return color


def tag_name_key(name: str) -> str:
    """Tag names compare ignoring case, the same way on every adapter (SQL's lower() is ASCII-only)."""
    return name.casefold()


@dataclass(slots=True, kw_only=True)
class Tag:
    id: UUID
    project_id: UUID
    name: str
    color: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(cls, *, id: UUID, project_id: UUID, name: str, color: str, now: datetime) -> "Tag":
        return cls(
            id=id,
            project_id=project_id,
            name=clean_text(name, field="name", maximum=MAX_TAG_NAME_LENGTH),
            color=clean_color(color),
            created_at=now,
            updated_at=now,
        )

    @property
    def name_key(self) -> str:
        return tag_name_key(self.name)

    def change(self, *, name: str | None, color: str | None, now: datetime) -> bool:
        new_name = self.name if name is None else clean_text(name, field="name", maximum=MAX_TAG_NAME_LENGTH)
        new_color = self.color if color is None else clean_color(color)
        if (new_name, new_color) == (self.name, self.color):
            return False
        self.name, self.color, self.updated_at = new_name, new_color, now
        return True


class TagRepository(Protocol):
    """Tags of live projects; names are unique per project, ignoring case."""

    async def create(self, tag: Tag) -> None: ...

    async def get_by_id(self, tag_id: UUID) -> Tag | None: ...

    async def list_for_project(self, project_id: UUID) -> Sequence[Tag]:
        """Every tag of the project, by name."""
        ...

    async def find_by_names(self, project_id: UUID, names: Sequence[str]) -> Sequence[Tag]:
        """The project's tags whose names match any of `names`, ignoring case."""
        ...

    async def get_many(self, tag_ids: Collection[UUID]) -> Sequence[Tag]:
        """The tags among `tag_ids` (of live projects), in one read."""
        ...

    async def update(self, tag: Tag) -> None: ...

    async def delete(self, tag_id: UUID) -> None:
        """Remove the tag and take it off every task."""
        ...
