"""Bodies for projects, their members and tags. Unknown fields are refused."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from adapters.http.schemas.pages import PageBody
from adapters.http.schemas.text import NOT_BLANK, WHITE_SPACE, WITHOUT_NUL
from domain.projects import (
    MAX_PROJECT_DESCRIPTION_LENGTH,
    MAX_PROJECT_NAME_LENGTH,
    MAX_TAG_NAME_LENGTH,
    MemberRole,
    MemberView,
    Project,
    Tag,
)

ProjectKey = Annotated[
    str,
    Meta(
        min_length=2,
        max_length=10,
        pattern=rf"^[{WHITE_SPACE}]*[A-Za-z]{{2,10}}[{WHITE_SPACE}]*$",
        examples=["OPS"],
        description="2-10 letters A-Z, stored upper-case",
    ),
]
ProjectName = Annotated[str, Meta(min_length=1, max_length=MAX_PROJECT_NAME_LENGTH, pattern=NOT_BLANK)]
ProjectDescription = Annotated[str, Meta(max_length=MAX_PROJECT_DESCRIPTION_LENGTH, pattern=WITHOUT_NUL)]
TagName = Annotated[
    str, Meta(min_length=1, max_length=MAX_TAG_NAME_LENGTH, pattern=NOT_BLANK, examples=["backend"])
]
Color = Annotated[str, Meta(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#1e90ff"])]


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    key: ProjectKey
    name: ProjectName
    description: ProjectDescription = ""


class ProjectUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields present change; the key never changes (task keys are built from it)."""

    name: ProjectName | UnsetType = UNSET
    description: ProjectDescription | UnsetType = UNSET


class ProjectRead(msgspec.Struct, kw_only=True):
    id: UUID
    key: str
    name: str
    description: str
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_project(cls, project: Project) -> "ProjectRead":
        return cls(
            id=project.id,
            key=project.key,
            name=project.name,
            description=project.description,
            is_deleted=project.is_deleted,
            created_at=project.created_at,
            updated_at=project.updated_at,
            version=project.version,
        )


class ProjectPage(PageBody, kw_only=True):
    items: list[ProjectRead]


class MemberSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    role: MemberRole


class MemberRead(msgspec.Struct, kw_only=True):
    user_id: UUID
    full_name: str
    email: str
    role: MemberRole
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, member: MemberView) -> "MemberRead":
        return cls(
            user_id=member.user_id,
            full_name=member.full_name,
            email=member.email,
            role=member.role,
            created_at=member.created_at,
            updated_at=member.updated_at,
        )


class TagCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: TagName
    color: Color = "#808080"


class TagUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: TagName | UnsetType = UNSET
    color: Color | UnsetType = UNSET


class TagRead(msgspec.Struct, kw_only=True):
    id: UUID
    project_id: UUID
    name: str
    color: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_tag(cls, tag: Tag) -> "TagRead":
        return cls(
            id=tag.id,
            project_id=tag.project_id,
            name=tag.name,
            color=tag.color,
            created_at=tag.created_at,
            updated_at=tag.updated_at,
        )
