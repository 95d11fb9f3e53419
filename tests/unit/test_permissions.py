"""The permission matrix, once, at the layer that owns it: every role against every named permission."""

import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from application.permissions import ProjectAccess, ServiceAccess
from domain.comments import Comment
from domain.errors import PermissionDenied
from domain.projects import MemberRole, Project
from domain.users import Actor, UserRole

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
PROJECT = Project.create(id=uuid4(), key="OPS", name="Operations", description="", now=NOW)
MEMBER = Actor(id=uuid4(), role=UserRole.MEMBER)
ADMIN = Actor(id=uuid4(), role=UserRole.ADMIN)

# (who, their role in the project) -> (can_view, can_write, can_manage)
MATRIX = [
    (MEMBER, None, (False, False, False)),
    (MEMBER, MemberRole.VIEWER, (True, False, False)),
    (MEMBER, MemberRole.CONTRIBUTOR, (True, True, False)),
    (MEMBER, MemberRole.MANAGER, (True, True, True)),
    (ADMIN, None, (True, True, True)),
    (ADMIN, MemberRole.VIEWER, (True, True, True)),
]


@pytest.mark.parametrize(("actor", "role", "expected"), MATRIX)
def test_each_role_may_view_write_and_manage_as_documented(
    actor: Actor, role: MemberRole | None, expected: tuple[bool, bool, bool]
) -> None:
    access = ProjectAccess(actor=actor, project=PROJECT, role=role)
    assert (access.can_view, access.can_write, access.can_manage) == expected


@pytest.mark.parametrize(("actor", "role", "expected"), MATRIX)
def test_a_deleted_project_is_seen_only_by_those_who_manage_it(
    actor: Actor, role: MemberRole | None, expected: tuple[bool, bool, bool]
) -> None:
    deleted = dataclasses.replace(PROJECT, is_deleted=True)
    assert ProjectAccess(actor=actor, project=deleted, role=role).can_view is expected[2]


def _comment(author: Actor) -> Comment:
    return Comment.create(id=uuid4(), task_id=uuid4(), author_id=author.id, body="Looks good", now=NOW)


@pytest.mark.parametrize(
    ("role", "own_comment", "allowed"),
    [
        (MemberRole.CONTRIBUTOR, True, True),
        (MemberRole.CONTRIBUTOR, False, False),
        (MemberRole.VIEWER, True, False),  # an author who became a viewer
        (MemberRole.MANAGER, False, True),
    ],
)
def test_comments_are_changed_by_their_author_while_they_write_and_by_managers(
    role: MemberRole, own_comment: bool, allowed: bool
) -> None:
    access = ProjectAccess(actor=MEMBER, project=PROJECT, role=role)
    comment = _comment(MEMBER if own_comment else Actor(id=uuid4(), role=UserRole.MEMBER))
    assert access.can_change_comment(comment) is allowed
    if allowed:
        access.ensure_can_change_comment(comment)
    else:
        with pytest.raises(PermissionDenied):
            access.ensure_can_change_comment(comment)


def test_a_viewer_is_refused_writes_and_a_contributor_management() -> None:
    with pytest.raises(PermissionDenied, match="viewers"):
        ProjectAccess(actor=MEMBER, project=PROJECT, role=MemberRole.VIEWER).ensure_can_write()
    with pytest.raises(PermissionDenied, match="managers"):
        ProjectAccess(actor=MEMBER, project=PROJECT, role=MemberRole.CONTRIBUTOR).ensure_can_manage()


def test_members_see_only_themselves_and_administer_nothing() -> None:
    member, admin = ServiceAccess(MEMBER), ServiceAccess(ADMIN)
    other = uuid4()
    assert (member.can_view_user(MEMBER.id), member.can_view_user(other)) == (True, False)
    assert (admin.can_view_user(other), admin.can_administer, member.can_administer) == (True, True, False)
    with pytest.raises(PermissionDenied):
        member.ensure_can_administer()
    admin.ensure_can_administer()
