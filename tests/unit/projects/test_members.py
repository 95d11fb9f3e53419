import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.projects.list_members import ListMembers, ListMembersQuery
from application.projects.remove_member import RemoveMember, RemoveMemberCommand
from application.projects.set_member import SetMember, SetMemberCommand
from domain.errors import Conflict, NotFound, PermissionDenied
from domain.ids import new_id
from domain.projects import MemberRole, Project
from domain.users import User
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock
from tests.unit.projects.support import stored_member, stored_members


@pytest.fixture
def list_members(uow: InMemoryUnitOfWork) -> ListMembers:
    return ListMembers(uow)


@pytest.fixture
def set_member(uow: InMemoryUnitOfWork, clock: FakeClock) -> SetMember:
    return SetMember(uow, clock)


@pytest.fixture
def remove_member(uow: InMemoryUnitOfWork) -> RemoveMember:
    return RemoveMember(uow)


async def test_members_are_listed_managers_first_then_by_name(
    list_members: ListMembers, world: World
) -> None:
    lead = await world.user(full_name="Nina North")
    team = await world.project(lead)
    people = {}
    for name, role in [
        ("Ada Lovelace", MemberRole.VIEWER),
        ("Zoe Zimmer", MemberRole.MANAGER),
        ("Bob Baker", MemberRole.CONTRIBUTOR),
        ("Carl Clay", MemberRole.VIEWER),
        ("alice Adams", MemberRole.MANAGER),
    ]:
        people[name] = await world.member(team, role, full_name=name)

    members = await list_members.execute(ListMembersQuery(people["Ada Lovelace"].as_actor(), team.id))

    # Names compare by code point, as on every adapter: upper-case letters before lower-case ones.
    assert [(member.full_name, member.role) for member in members] == [
        ("Nina North", MemberRole.MANAGER),
        ("Zoe Zimmer", MemberRole.MANAGER),
        ("alice Adams", MemberRole.MANAGER),
        ("Bob Baker", MemberRole.CONTRIBUTOR),
        ("Ada Lovelace", MemberRole.VIEWER),
        ("Carl Clay", MemberRole.VIEWER),
    ]
    assert members[0].email == lead.email


async def test_outsider_cannot_list_members(
    list_members: ListMembers, project: Project, outsider: User
) -> None:
    with pytest.raises(NotFound):
        await list_members.execute(ListMembersQuery(outsider.as_actor(), project.id))


async def test_manager_adds_a_user_with_a_role(
    set_member: SetMember, world: World, project: Project, manager: User, store: MemoryStore, clock: FakeClock
) -> None:
    newcomer = await world.user()

    view = await set_member.execute(
        SetMemberCommand(manager.as_actor(), project.id, newcomer.id, MemberRole.CONTRIBUTOR)
    )

    assert (view.user_id, view.full_name, view.email) == (newcomer.id, newcomer.full_name, newcomer.email)
    assert (view.role, view.created_at, view.updated_at) == (MemberRole.CONTRIBUTOR, clock.now(), clock.now())
    assert view in await stored_members(store, project.id)


async def test_admin_who_is_no_member_may_add_members(
    set_member: SetMember, world: World, project: Project, admin: User, store: MemoryStore
) -> None:
    newcomer = await world.user()

    await set_member.execute(SetMemberCommand(admin.as_actor(), project.id, newcomer.id, MemberRole.VIEWER))

    member = await stored_member(store, project.id, newcomer.id)
    assert member is not None
    assert member.role is MemberRole.VIEWER


async def test_contributor_may_not_add_members_and_outsider_gets_not_found(
    set_member: SetMember,
    world: World,
    project: Project,
    contributor: User,
    outsider: User,
    store: MemoryStore,
) -> None:
    newcomer = await world.user()

    with pytest.raises(PermissionDenied):
        await set_member.execute(
            SetMemberCommand(contributor.as_actor(), project.id, newcomer.id, MemberRole.VIEWER)
        )
    with pytest.raises(NotFound):
        await set_member.execute(
            SetMemberCommand(outsider.as_actor(), project.id, outsider.id, MemberRole.MANAGER)
        )

    assert await stored_member(store, project.id, newcomer.id) is None
    assert await stored_member(store, project.id, outsider.id) is None


@pytest.mark.parametrize("state", ["unknown", "inactive", "deleted"])
async def test_only_active_existing_users_can_join(
    set_member: SetMember, world: World, project: Project, manager: User, state: str
) -> None:
    user_id = new_id()
    if state != "unknown":
        user_id = (await world.user(is_active=state != "inactive", is_deleted=state == "deleted")).id

    with pytest.raises(NotFound) as caught:
        await set_member.execute(SetMemberCommand(manager.as_actor(), project.id, user_id, MemberRole.VIEWER))

    assert caught.value.message == "user not found"


async def test_manager_changes_a_members_role(
    set_member: SetMember, project: Project, manager: User, viewer: User, store: MemoryStore, clock: FakeClock
) -> None:
    before = await stored_member(store, project.id, viewer.id)
    assert before is not None
    later = clock.advance()

    view = await set_member.execute(
        SetMemberCommand(manager.as_actor(), project.id, viewer.id, MemberRole.MANAGER)
    )

    assert (view.role, view.created_at, view.updated_at) == (MemberRole.MANAGER, before.created_at, later)
    after = await stored_member(store, project.id, viewer.id)
    assert after is not None
    assert after.role is MemberRole.MANAGER


async def test_giving_a_member_their_own_role_changes_nothing(
    set_member: SetMember, project: Project, manager: User, viewer: User, store: MemoryStore, clock: FakeClock
) -> None:
    before = await stored_member(store, project.id, viewer.id)
    clock.advance()

    await set_member.execute(SetMemberCommand(manager.as_actor(), project.id, viewer.id, MemberRole.VIEWER))

    assert await stored_member(store, project.id, viewer.id) == before


async def test_last_manager_cannot_be_demoted(
    set_member: SetMember, project: Project, manager: User, store: MemoryStore
) -> None:
    with pytest.raises(Conflict):
        await set_member.execute(
            SetMemberCommand(manager.as_actor(), project.id, manager.id, MemberRole.CONTRIBUTOR)
        )

    member = await stored_member(store, project.id, manager.id)
    assert member is not None
    assert member.role is MemberRole.MANAGER


async def test_a_manager_may_step_down_while_another_remains(
    set_member: SetMember, world: World, project: Project, manager: User, store: MemoryStore
) -> None:
    await world.member(project, MemberRole.MANAGER)

    await set_member.execute(SetMemberCommand(manager.as_actor(), project.id, manager.id, MemberRole.VIEWER))

    member = await stored_member(store, project.id, manager.id)
    assert member is not None
    assert member.role is MemberRole.VIEWER


async def test_a_deleted_manager_does_not_count_as_the_remaining_one(
    set_member: SetMember, world: World, project: Project, manager: User
) -> None:
    await world.member(project, MemberRole.MANAGER, is_deleted=True)

    with pytest.raises(Conflict):
        await set_member.execute(
            SetMemberCommand(manager.as_actor(), project.id, manager.id, MemberRole.VIEWER)
        )


async def test_manager_removes_a_member(
    remove_member: RemoveMember, project: Project, manager: User, contributor: User, store: MemoryStore
) -> None:
    await remove_member.execute(RemoveMemberCommand(manager.as_actor(), project.id, contributor.id))

    assert await stored_member(store, project.id, contributor.id) is None
    assert contributor.id not in {m.user_id for m in await stored_members(store, project.id)}


async def test_any_member_may_leave(
    remove_member: RemoveMember, project: Project, viewer: User, store: MemoryStore
) -> None:
    await remove_member.execute(RemoveMemberCommand(viewer.as_actor(), project.id, viewer.id))

    assert await stored_member(store, project.id, viewer.id) is None


async def test_contributor_may_not_remove_someone_else(
    remove_member: RemoveMember, project: Project, contributor: User, viewer: User, store: MemoryStore
) -> None:
    with pytest.raises(PermissionDenied):
        await remove_member.execute(RemoveMemberCommand(contributor.as_actor(), project.id, viewer.id))

    assert await stored_member(store, project.id, viewer.id) is not None


async def test_removing_a_user_who_is_no_member_is_not_found(
    remove_member: RemoveMember, project: Project, manager: User, outsider: User
) -> None:
    with pytest.raises(NotFound):
        await remove_member.execute(RemoveMemberCommand(manager.as_actor(), project.id, outsider.id))


async def test_last_manager_cannot_leave(
    remove_member: RemoveMember, project: Project, manager: User, admin: User, store: MemoryStore
) -> None:
    for actor in (manager, admin):
        with pytest.raises(Conflict):
            await remove_member.execute(RemoveMemberCommand(actor.as_actor(), project.id, manager.id))

    assert await stored_member(store, project.id, manager.id) is not None


async def test_member_with_assigned_tasks_cannot_be_removed(
    remove_member: RemoveMember,
    world: World,
    project: Project,
    manager: User,
    contributor: User,
    store: MemoryStore,
) -> None:
    await world.task(project, manager, assignee=contributor)
    await world.task(project, manager, assignee=contributor)

    with pytest.raises(Conflict) as caught:
        await remove_member.execute(RemoveMemberCommand(manager.as_actor(), project.id, contributor.id))

    assert "2 task" in caught.value.message
    assert await stored_member(store, project.id, contributor.id) is not None


async def test_deleted_tasks_do_not_keep_a_member_in_the_project(
    remove_member: RemoveMember,
    world: World,
    project: Project,
    manager: User,
    contributor: User,
    store: MemoryStore,
) -> None:
    await world.task(project, manager, assignee=contributor, is_deleted=True)

    await remove_member.execute(RemoveMemberCommand(manager.as_actor(), project.id, contributor.id))

    assert await stored_member(store, project.id, contributor.id) is None
