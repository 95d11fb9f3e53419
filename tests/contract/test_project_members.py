"""ProjectRepository (memberships) and the last-manager rule: the same on memory, SQLite and PostgreSQL."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.clock import UtcClock
from application.projects.remove_member import RemoveMember, RemoveMemberCommand
from application.projects.set_member import SetMember, SetMemberCommand
from domain.errors import Conflict, PermissionDenied
from domain.ids import new_id
from domain.projects import MemberRole, MemberView, Project, ProjectMember
from domain.users import User
from tests.conftest import UnitOfWorkFactory
from tests.contract.task_world import World

T0 = datetime(2026, 4, 1, 8, 0, 0, 250000, tzinfo=UTC)


def membership(project: Project, user: User, role: MemberRole, at: datetime = T0) -> ProjectMember:
    return ProjectMember(project_id=project.id, user_id=user.id, role=role, created_at=at, updated_at=at)


async def save(uow_factory: UnitOfWorkFactory, member: ProjectMember) -> None:
    async with uow_factory() as uow:
        await uow.projects.save_member(member)


async def fetch(uow_factory: UnitOfWorkFactory, project_id: UUID, user_id: UUID) -> ProjectMember | None:
    async with uow_factory() as uow:
        return await uow.projects.get_member(project_id, user_id)


async def members(uow_factory: UnitOfWorkFactory, project_id: UUID) -> Sequence[MemberView]:
    async with uow_factory() as uow:
        return await uow.projects.list_members(project_id)


async def managers(uow_factory: UnitOfWorkFactory, project_id: UUID) -> list[UUID]:
    async with uow_factory() as uow:
        return list(await uow.projects.manager_ids(project_id))


async def test_saved_membership_reads_back_equal(uow_factory: UnitOfWorkFactory, world: World) -> None:
    lead, user = await world.user(), await world.user()
    project = await world.project(lead)
    member = membership(project, user, MemberRole.VIEWER, T0 + timedelta(microseconds=7))

    await save(uow_factory, member)

    assert await fetch(uow_factory, project.id, user.id) == member


async def test_saving_again_changes_the_role_and_keeps_the_start(
    uow_factory: UnitOfWorkFactory, world: World
) -> None:
    lead, user = await world.user(), await world.user()
    project = await world.project(lead)
    await save(uow_factory, membership(project, user, MemberRole.VIEWER))

    async with uow_factory() as uow:
        member = await uow.projects.get_member(project.id, user.id)
        assert member is not None
        member.role, member.updated_at = MemberRole.MANAGER, T0 + timedelta(hours=1)
        await uow.projects.save_member(member)
        # Read back inside the same unit of work: it must see its own write.
        assert await uow.projects.get_member(project.id, user.id) == member

    assert await fetch(uow_factory, project.id, user.id) == member
    assert member.created_at == T0


async def test_membership_belongs_to_one_project(uow_factory: UnitOfWorkFactory, world: World) -> None:
    lead, user = await world.user(), await world.user()
    project, other = await world.project(lead), await world.project(lead)
    await save(uow_factory, membership(project, user, MemberRole.CONTRIBUTOR))

    assert await fetch(uow_factory, other.id, user.id) is None
    assert await fetch(uow_factory, project.id, new_id()) is None
    assert [view.user_id for view in await members(uow_factory, other.id)] == [lead.id]


async def test_members_are_listed_managers_first_then_by_name_with_their_user(
    uow_factory: UnitOfWorkFactory, world: World
) -> None:
    lead = await world.user(full_name="Nina North")
    project = await world.project(lead)
    for name, role in [
        ("Ada Lovelace", MemberRole.VIEWER),
        ("Zoe Zimmer", MemberRole.MANAGER),
        ("Bob Baker", MemberRole.CONTRIBUTOR),
        ("carl Clay", MemberRole.VIEWER),
        ("Émile Ernst", MemberRole.VIEWER),
        ("alice Adams", MemberRole.MANAGER),
    ]:
        await world.member(project, role, full_name=name)

    listed = await members(uow_factory, project.id)

    # Names by code point on every adapter: upper-case, then lower-case, then accented letters.
    assert [(view.full_name, view.role) for view in listed] == [
        ("Nina North", MemberRole.MANAGER),
        ("Zoe Zimmer", MemberRole.MANAGER),
        ("alice Adams", MemberRole.MANAGER),
        ("Bob Baker", MemberRole.CONTRIBUTOR),
        ("Ada Lovelace", MemberRole.VIEWER),
        ("carl Clay", MemberRole.VIEWER),
        ("Émile Ernst", MemberRole.VIEWER),
    ]
    first = listed[0]
    stored = await fetch(uow_factory, project.id, lead.id)
    assert stored is not None
    assert (first.user_id, first.email, first.created_at, first.updated_at) == (
        lead.id,
        lead.email,
        stored.created_at,
        stored.updated_at,
    )


async def test_deleted_users_are_not_listed_and_do_not_count_as_managers(
    uow_factory: UnitOfWorkFactory, world: World
) -> None:
    lead = await world.user()
    project = await world.project(lead)
    gone = await world.member(project, MemberRole.MANAGER, is_deleted=True)
    await world.member(project, MemberRole.VIEWER, is_deleted=True)

    assert [view.user_id for view in await members(uow_factory, project.id)] == [lead.id]
    assert await managers(uow_factory, project.id) == [lead.id]
    assert await fetch(uow_factory, project.id, gone.id) is not None


async def test_manager_ids_name_only_the_managers(uow_factory: UnitOfWorkFactory, world: World) -> None:
    lead = await world.user()
    project = await world.project(lead)
    second = await world.member(project, MemberRole.MANAGER)
    await world.member(project, MemberRole.CONTRIBUTOR)
    await world.member(project, MemberRole.VIEWER)
    await world.project(await world.user())

    assert await managers(uow_factory, project.id) == sorted([lead.id, second.id])


async def test_removed_member_is_gone_from_that_project_only(
    uow_factory: UnitOfWorkFactory, world: World
) -> None:
    lead, user = await world.user(), await world.user()
    project, other = await world.project(lead), await world.project(lead)
    await save(uow_factory, membership(project, user, MemberRole.CONTRIBUTOR))
    await save(uow_factory, membership(other, user, MemberRole.CONTRIBUTOR))

    async with uow_factory() as uow:
        assert await uow.projects.get_member(project.id, user.id) is not None
        await uow.projects.remove_member(project.id, user.id)
        assert await uow.projects.get_member(project.id, user.id) is None

    assert await fetch(uow_factory, project.id, user.id) is None
    assert await fetch(uow_factory, other.id, user.id) is not None
    assert [view.user_id for view in await members(uow_factory, project.id)] == [lead.id]


async def test_membership_of_an_unknown_user_is_refused(uow_factory: UnitOfWorkFactory, world: World) -> None:
    project = await world.project(await world.user())
    stranger = ProjectMember(
        project_id=project.id, user_id=new_id(), role=MemberRole.VIEWER, created_at=T0, updated_at=T0
    )

    with pytest.raises(Conflict):
        await save(uow_factory, stranger)

    assert await fetch(uow_factory, project.id, stranger.user_id) is None


async def test_two_managers_demoting_each_other_at_once_leave_a_manager(
    uow_factory: UnitOfWorkFactory, world: World
) -> None:
    left = await world.user()
    project = await world.project(left)
    right = await world.member(project, MemberRole.MANAGER)

    async def demote(actor: User, target: User) -> object:
        command = SetMemberCommand(actor.as_actor(), project.id, target.id, MemberRole.CONTRIBUTOR)
        return await SetMember(uow_factory(), UtcClock()).execute(command)

    results = await asyncio.gather(demote(left, right), demote(right, left), return_exceptions=True)

    failures = [result for result in results if isinstance(result, BaseException)]
    assert len(failures) == 1
    # Whoever comes second is either no manager any more (when the first had committed before it
    # read its rights) or the last manager (when it read them first and then waited for the lock).
    assert isinstance(failures[0], Conflict | PermissionDenied), failures
    assert len(await managers(uow_factory, project.id)) == 1


async def test_many_managers_stepping_down_at_once_leave_exactly_one(
    uow_factory: UnitOfWorkFactory, world: World
) -> None:
    first = await world.user()
    project = await world.project(first)
    everyone = [first, *[await world.member(project, MemberRole.MANAGER) for _ in range(7)]]

    async def step_down(manager: User) -> MemberView:
        command = SetMemberCommand(manager.as_actor(), project.id, manager.id, MemberRole.VIEWER)
        return await SetMember(uow_factory(), UtcClock()).execute(command)

    results = await asyncio.gather(*(step_down(manager) for manager in everyone), return_exceptions=True)

    failures = [result for result in results if isinstance(result, BaseException)]
    assert len(failures) == 1
    assert isinstance(failures[0], Conflict), failures
    remaining = await managers(uow_factory, project.id)
    assert len(remaining) == 1
    assert remaining[0] in {manager.id for manager in everyone}


async def test_two_managers_leaving_at_once_leave_a_manager(
    uow_factory: UnitOfWorkFactory, world: World
) -> None:
    left = await world.user()
    project = await world.project(left)
    right = await world.member(project, MemberRole.MANAGER)

    async def leave(actor: User) -> None:
        await RemoveMember(uow_factory()).execute(RemoveMemberCommand(actor.as_actor(), project.id, actor.id))

    results = await asyncio.gather(leave(left), leave(right), return_exceptions=True)

    failures = [result for result in results if isinstance(result, BaseException)]
    assert len(failures) == 1
    assert isinstance(failures[0], Conflict), failures
    assert len(await managers(uow_factory, project.id)) == 1


async def test_two_managers_adding_one_user_at_once_both_succeed(
    uow_factory: UnitOfWorkFactory, world: World
) -> None:
    left = await world.user()
    project = await world.project(left)
    right = await world.member(project, MemberRole.MANAGER)
    newcomer = await world.user()

    async def add(actor: User, role: MemberRole) -> MemberView:
        command = SetMemberCommand(actor.as_actor(), project.id, newcomer.id, role)
        return await SetMember(uow_factory(), UtcClock()).execute(command)

    results = await asyncio.gather(add(left, MemberRole.VIEWER), add(right, MemberRole.CONTRIBUTOR))

    stored = await fetch(uow_factory, project.id, newcomer.id)
    assert stored is not None
    assert stored.role in {view.role for view in results}
    assert [view.user_id for view in await members(uow_factory, project.id)].count(newcomer.id) == 1
