"""Request and response bodies for users. Unknown fields are refused, so nobody sets what they may not."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from adapters.http.schemas.pages import PageBody
from adapters.http.schemas.text import NOT_BLANK, WHITE_SPACE, WITHOUT_NUL
from domain.users import (
    MAX_EMAIL_LENGTH,
    MAX_FULL_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    User,
    UserRole,
)

# domain.users.normalize_email's shape, on the address as sent: it trims it and lower-cases it. Not
# "İ": the one letter whose lower case is two characters, which could take an address past its length.
_EMAIL_PART = rf"[^@{WHITE_SPACE}\x00\u0130]+"
Email = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=MAX_EMAIL_LENGTH,
        pattern=rf"^[{WHITE_SPACE}]*{_EMAIL_PART}@{_EMAIL_PART}\.[^@{WHITE_SPACE}.\x00\u0130]+[{WHITE_SPACE}]*$",
        examples=["ada@example.com"],
    ),
]
FullName = Annotated[
    str,
    Meta(min_length=1, max_length=MAX_FULL_NAME_LENGTH, pattern=NOT_BLANK, examples=["Ada Lovelace"]),
]
Password = Annotated[
    str, Meta(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH, pattern=WITHOUT_NUL)
]


class UserCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email
    full_name: FullName
    password: Password
    role: UserRole = UserRole.MEMBER


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields present change. Members may not send `role` or `is_active`."""

    email: Email | UnsetType = UNSET
    full_name: FullName | UnsetType = UNSET
    password: Password | UnsetType = UNSET
    role: UserRole | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class UserRead(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    full_name: str
    role: UserRole
    is_active: bool
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_user(cls, user: User) -> "UserRead":
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            is_active=user.is_active,
            is_deleted=user.is_deleted,
            created_at=user.created_at,
            updated_at=user.updated_at,
            version=user.version,
        )


class UserPage(PageBody, kw_only=True):
    items: list[UserRead]


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Annotated[str, Meta(max_length=MAX_EMAIL_LENGTH, pattern=WITHOUT_NUL)]
    password: Annotated[str, Meta(max_length=MAX_PASSWORD_LENGTH, pattern=WITHOUT_NUL)]


class TokenResponse(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str
    expires_in: Annotated[int, Meta(description="seconds until the token expires")]
