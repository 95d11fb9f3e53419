"""polyfactory factories: valid, varied entities and request bodies for every test."""

from datetime import UTC, datetime, timedelta
from itertools import count

from polyfactory import Use
from polyfactory.factories import DataclassFactory
from polyfactory.factories.msgspec_factory import MsgspecFactory

from adapters.http.schemas.users import UserCreate
from domain.ids import new_id
from domain.users import User, UserRole

_sequence = count(1)


def unique_email() -> str:
    return f"user{next(_sequence)}.{new_id().hex[-8:]}@example.com"


def utc_instant() -> datetime:
    """A random aware UTC instant with microseconds, as the application's clock produces."""
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        seconds=DataclassFactory.__random__.randint(0, 300 * 24 * 3600),
        microseconds=DataclassFactory.__random__.randint(0, 999_999),
    )


class UserFactory(DataclassFactory[User]):
    id = Use(new_id)
    email = Use(unique_email)
    full_name = Use(lambda: DataclassFactory.__faker__.name())
    password_hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
    role = UserRole.MEMBER
    is_active = True
    is_deleted = False
    created_at = Use(utc_instant)
    updated_at = Use(utc_instant)
    version = 1


class UserCreateFactory(MsgspecFactory[UserCreate]):
    email = Use(unique_email)
    full_name = Use(lambda: MsgspecFactory.__faker__.name())
    password = Use(lambda: MsgspecFactory.__faker__.password(length=16))
    role = UserRole.MEMBER
