from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import StaleVersion, ValidationFailed, ensure_version
from domain.users import (
    MAX_EMAIL_LENGTH,
    MAX_FULL_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    Actor,
    UserChanges,
    UserRole,
    check_password,
    clean_full_name,
    normalize_email,
)
from tests.factories import UserFactory

LATER = datetime(2026, 6, 1, 12, 0, 0, 654321, tzinfo=UTC)


def test_normalize_email_trims_and_lowers() -> None:
    assert normalize_email("  Ada.Lovelace@Example.COM\t") == "ada.lovelace@example.com"


def test_normalize_email_accepts_the_longest_allowed_address() -> None:
    email = "a" * (MAX_EMAIL_LENGTH - len("@example.com")) + "@example.com"

    assert normalize_email(email) == email


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@@example.com",
        "ada@exa@mple.com",
        "ada lovelace@example.com",
        "ada@example.com.",
        "a" * (MAX_EMAIL_LENGTH - len("@example.com") + 1) + "@example.com",
    ],
)
def test_normalize_email_refuses_malformed_addresses(raw: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        normalize_email(raw)

    assert error.value.field == "email"


def test_clean_full_name_collapses_whitespace() -> None:
    assert clean_full_name("  Ada \t  King\n Lovelace ") == "Ada King Lovelace"


def test_clean_full_name_accepts_the_longest_allowed_name() -> None:
    assert clean_full_name("x" * MAX_FULL_NAME_LENGTH) == "x" * MAX_FULL_NAME_LENGTH


@pytest.mark.parametrize("raw", ["", "   \t\n", "x" * (MAX_FULL_NAME_LENGTH + 1)])
def test_clean_full_name_refuses_empty_or_too_long_names(raw: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        clean_full_name(raw)

    assert error.value.field == "full_name"


@pytest.mark.parametrize("length", [MIN_PASSWORD_LENGTH - 1, MAX_PASSWORD_LENGTH + 1, 0])
def test_check_password_refuses_lengths_outside_the_policy(length: int) -> None:
    with pytest.raises(ValidationFailed) as error:
        check_password("p" * length)

    assert error.value.field == "password"


@pytest.mark.parametrize("length", [MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH])
def test_check_password_accepts_lengths_at_the_bounds(length: int) -> None:
    check_password("p" * length)


def test_apply_changes_the_given_fields_and_bumps_the_version_once() -> None:
    user = UserFactory.build(version=4)

    changed = user.apply(UserChanges(full_name=" Grace  Hopper ", role=UserRole.ADMIN), LATER)

    assert changed
    assert (user.full_name, user.role) == ("Grace Hopper", UserRole.ADMIN)
    assert (user.version, user.updated_at) == (5, LATER)


def test_apply_leaves_fields_given_as_none_alone() -> None:
    user = UserFactory.build()
    before = (user.email, user.full_name, user.password_hash, user.role, user.is_active)

    user.apply(UserChanges(is_active=False), LATER)

    assert (user.email, user.full_name, user.password_hash, user.role) == before[:4]
    assert user.is_active is False


def test_apply_of_current_values_changes_nothing() -> None:
    user = UserFactory.build(email="ada@example.com", full_name="Ada Lovelace")
    updated_at, version = user.updated_at, user.version

    changed = user.apply(
        UserChanges(email=" ADA@example.com", full_name="Ada  Lovelace", role=user.role, is_active=True),
        LATER,
    )

    assert not changed
    assert (user.version, user.updated_at) == (version, updated_at)


def test_apply_normalises_the_email() -> None:
    user = UserFactory.build()

    user.apply(UserChanges(email="  New.Address@Example.ORG "), LATER)

    assert user.email == "new.address@example.org"


def test_delete_and_restore_each_bump_the_version() -> None:
    user = UserFactory.build(version=1)

    user.delete(LATER)
    assert (user.is_deleted, user.version, user.updated_at) == (True, 2, LATER)

    user.restore(LATER + timedelta(seconds=1))
    assert (user.is_deleted, user.version, user.updated_at) == (False, 3, LATER + timedelta(seconds=1))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"role": UserRole.ADMIN}, True),
        ({"role": UserRole.MEMBER}, False),
        ({"role": UserRole.ADMIN, "is_active": False}, False),
        ({"role": UserRole.ADMIN, "is_deleted": True}, False),
    ],
)
def test_only_an_active_live_admin_counts_as_active_admin(fields: dict[str, object], expected: bool) -> None:
    assert UserFactory.build(**fields).is_active_admin is expected


def test_as_actor_carries_id_and_role() -> None:
    user = UserFactory.build(role=UserRole.ADMIN)

    assert user.as_actor() == Actor(id=user.id, role=UserRole.ADMIN)
    assert user.as_actor().is_admin


def test_ensure_version_refuses_a_stale_version_and_accepts_none() -> None:
    ensure_version(3, None)
    ensure_version(3, 3)
    with pytest.raises(StaleVersion):
        ensure_version(3, 2)
