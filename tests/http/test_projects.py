"""Projects and their members over HTTP: who sees and changes what, ETags, lists, soft delete."""

from typing import Any
from uuid import uuid4

import httpx
import pytest
from litestar import Litestar

from domain.users import UserRole
from tests.http.conftest import Account, assert_problem, fields_at_fault, new_account, on_both_databases
from tests.http.tracker import (
    PROJECTS,
    TASKS,
    Team,
    create_project,
    create_task,
    full_name_of,
    if_match,
    make_team,
    same_problem,
    set_member,
)

PROJECT_FIELDS = {"id", "key", "name", "description", "is_deleted", "created_at", "updated_at", "version"}
MEMBER_FIELDS = {"user_id", "full_name", "email", "role", "created_at", "updated_at"}


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


async def list_projects(api: httpx.AsyncClient, account: Account, **params: Any) -> dict[str, Any]:
    response = await api.get(PROJECTS, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def members_of(api: httpx.AsyncClient, account: Account, project_id: str) -> dict[str, str]:
    """user id -> role."""
    response = await api.get(f"{PROJECTS}/{project_id}/members", headers=account.headers)
    assert response.status_code == 200, response.text
    return {member["user_id"]: member["role"] for member in response.json()}


# --- create ---------------------------------------------------------------------------------------


@on_both_databases
async def test_creator_gets_the_project_and_becomes_its_manager(
    api: httpx.AsyncClient, member: Account
) -> None:
    response = await api.post(
        PROJECTS,
        json={"key": " ops ", "name": "Operations", "description": "Keeping the lights on"},
        headers=member.headers,
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == PROJECT_FIELDS
    assert (created["key"], created["name"], created["description"]) == (
        "OPS",
        "Operations",
        "Keeping the lights on",
    )
    assert (created["is_deleted"], created["version"]) == (False, 1)
    assert response.headers["etag"] == '"1"'
    location = await api.get(response.headers["location"], headers=member.headers)
    assert location.json() == created
    members = (await api.get(f"{PROJECTS}/{created['id']}/members", headers=member.headers)).json()
    assert members == [
        {
            "user_id": str(member.id),
            "full_name": await full_name_of(api, member),
            "email": member.email,
            "role": "manager",
            "created_at": members[0]["created_at"],
            "updated_at": members[0]["updated_at"],
        }
    ]


@on_both_databases
async def test_project_key_is_unique_ignoring_case(api: httpx.AsyncClient, member: Account) -> None:
    await create_project(api, member, key="OPS")

    response = await api.post(PROJECTS, json={"key": "ops", "name": "Again"}, headers=member.headers)

    assert fields_at_fault(assert_problem(response, 409)) == {"key"}
    assert (await list_projects(api, member))["total"] == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("key", "O"), ("key", "OPS1"), ("key", "ABCDEFGHIJK"), ("name", ""), ("name", "x" * 201)],
)
async def test_invalid_project_is_a_422_naming_the_field(
    api: httpx.AsyncClient, member: Account, field: str, value: str
) -> None:
    body = {"key": "OPS", "name": "Operations", field: value}

    response = await api.post(PROJECTS, json=body, headers=member.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}
    assert (await list_projects(api, member))["total"] == 0


@pytest.mark.parametrize("field", ["id", "version", "is_deleted", "owner_id"])
async def test_create_refuses_unknown_fields(api: httpx.AsyncClient, member: Account, field: str) -> None:
    response = await api.post(
        PROJECTS, json={"key": "OPS", "name": "Operations", field: 1}, headers=member.headers
    )

    assert fields_at_fault(assert_problem(response, 422)) == {field}


# --- read -----------------------------------------------------------------------------------------


@on_both_databases
async def test_every_member_and_admins_read_the_project_with_its_etag(
    api: httpx.AsyncClient, team: Team
) -> None:
    for account in (team.manager, team.contributor, team.viewer, team.admin):
        response = await api.get(team.url, headers=account.headers)

        assert response.status_code == 200
        assert response.json() == team.project
        assert response.headers["etag"] == '"1"'


@on_both_databases
async def test_outsider_gets_the_same_404_as_for_a_missing_project(
    api: httpx.AsyncClient, team: Team
) -> None:
    hidden = await api.get(team.url, headers=team.outsider.headers)
    missing = await api.get(f"{PROJECTS}/{uuid4()}", headers=team.outsider.headers)

    same_problem(hidden, missing, 404)


async def test_outsider_learns_nothing_from_any_project_route(api: httpx.AsyncClient, team: Team) -> None:
    missing = f"{PROJECTS}/{uuid4()}"
    headers = team.outsider.headers
    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {"name": "Taken over"}),
        ("DELETE", "", None),
        ("POST", "/restore", None),
        ("GET", "/members", None),
        ("PUT", f"/members/{team.outsider.id}", {"role": "manager"}),
        ("DELETE", f"/members/{team.viewer.id}", None),
        ("GET", "/tags", None),
        ("POST", "/tags", {"name": "mine"}),
    ]:
        hidden = await api.request(method, team.url + suffix, json=body, headers=headers)
        nothing = await api.request(method, missing + suffix, json=body, headers=headers)

        same_problem(hidden, nothing, 404)
    assert (await api.get(team.url, headers=team.manager.headers)).json() == team.project
    assert str(team.outsider.id) not in await members_of(api, team.manager, team.project_id)


@pytest.mark.parametrize("path", ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000z"])
async def test_malformed_project_id_is_refused_as_a_problem(
    api: httpx.AsyncClient, member: Account, path: str
) -> None:
    response = await api.get(f"{PROJECTS}/{path}", headers=member.headers)

    # Not an id at all: no such resource, told as a problem like every other error.
    assert_problem(response, 404)


# --- list -----------------------------------------------------------------------------------------


@on_both_databases
async def test_members_list_only_their_projects_and_admins_list_all(
    app: Litestar, api: httpx.AsyncClient, team: Team
) -> None:
    other = await create_project(api, team.outsider, key="WEB")
    lonely = await new_account(app, api)

    def keys(page: dict[str, Any]) -> list[str]:
        assert page["total"] == len(page["items"])
        return [project["key"] for project in page["items"]]

    assert keys(await list_projects(api, team.viewer)) == ["OPS"]
    assert keys(await list_projects(api, team.outsider)) == ["WEB"]
    assert keys(await list_projects(api, lonely)) == []
    assert keys(await list_projects(api, team.admin)) == ["OPS", "WEB"]
    assert (await list_projects(api, team.admin))["items"][1] == other


@on_both_databases
async def test_list_filters_on_key_or_name_in_any_case_sorts_and_pages(
    api: httpx.AsyncClient, member: Account
) -> None:
    await create_project(api, member, key="OPS", name="Operations")
    await create_project(api, member, key="WEB", name="Website")
    await create_project(api, member, key="DATA", name="Warehouse operations")
    await create_project(api, member, key="MOB", name="Mobile")

    def keys(page: dict[str, Any]) -> list[str]:
        return [project["key"] for project in page["items"]]

    by_text = await list_projects(api, member, q="OPERATION")
    assert (keys(by_text), by_text["total"]) == (["DATA", "OPS"], 2)
    assert keys(await list_projects(api, member, q="we")) == ["WEB"]
    assert keys(await list_projects(api, member, q="   ")) == ["DATA", "MOB", "OPS", "WEB"]
    assert keys(await list_projects(api, member, sort="-key")) == ["WEB", "OPS", "MOB", "DATA"]
    assert keys(await list_projects(api, member, sort="name")) == ["MOB", "OPS", "DATA", "WEB"]
    assert keys(await list_projects(api, member, sort="-created_at")) == ["MOB", "DATA", "WEB", "OPS"]
    page = await list_projects(api, member, sort="key", offset=1, limit=2)
    assert (keys(page), page["total"], page["offset"], page["limit"]) == (["MOB", "OPS"], 4, 1, 2)
    assert set(page["items"][0]) == PROJECT_FIELDS
    default = await list_projects(api, member)
    assert (default["offset"], default["limit"]) == (0, 20)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "owner"}, "sort"),
        ({"sort": "-version"}, "sort"),
        ({"sort": "key,key"}, "sort"),
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
async def test_list_refuses_bad_parameters_naming_them(
    api: httpx.AsyncClient, member: Account, params: dict[str, Any], field: str
) -> None:
    response = await api.get(PROJECTS, params=params, headers=member.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}


async def test_only_admins_list_deleted_projects(api: httpx.AsyncClient, team: Team) -> None:
    await api.delete(team.url, headers=team.manager.headers)

    assert_problem(
        await api.get(PROJECTS, params={"include_deleted": True}, headers=team.manager.headers), 403
    )
    listed = await list_projects(api, team.admin, include_deleted=True)
    assert [(p["key"], p["is_deleted"]) for p in listed["items"]] == [("OPS", True)]
    assert (await list_projects(api, team.admin))["total"] == 0


# --- update ---------------------------------------------------------------------------------------


@on_both_databases
async def test_manager_renames_with_if_match_and_the_etag_moves(api: httpx.AsyncClient, team: Team) -> None:
    response = await api.patch(
        team.url, json={"name": "Platform", "description": "Now bigger"}, headers=if_match(team.manager, 1)
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["description"], updated["version"]) == ("Platform", "Now bigger", 2)
    assert (updated["key"], updated["created_at"]) == (team.project["key"], team.project["created_at"])
    assert response.headers["etag"] == '"2"'
    assert (await api.get(team.url, headers=team.viewer.headers)).json() == updated


@on_both_databases
async def test_stale_if_match_on_a_project_is_412_and_changes_nothing(
    api: httpx.AsyncClient, team: Team
) -> None:
    await api.patch(team.url, json={"name": "First"}, headers=if_match(team.manager, 1))

    stale_patch = await api.patch(team.url, json={"name": "Second"}, headers=if_match(team.manager, 1))
    stale_delete = await api.delete(team.url, headers=if_match(team.manager, 1))

    assert_problem(stale_patch, 412)
    assert_problem(stale_delete, 412)
    current = (await api.get(team.url, headers=team.manager.headers)).json()
    assert (current["name"], current["version"], current["is_deleted"]) == ("First", 2, False)


async def test_patch_without_changes_keeps_the_version(api: httpx.AsyncClient, team: Team) -> None:
    response = await api.patch(team.url, json={"name": "Operations"}, headers=team.manager.headers)

    assert response.status_code == 200
    assert response.json() == team.project
    assert response.headers["etag"] == '"1"'


@pytest.mark.parametrize("field", ["key", "version", "is_deleted", "colour"])
async def test_patch_refuses_unknown_or_fixed_fields(api: httpx.AsyncClient, team: Team, field: str) -> None:
    response = await api.patch(team.url, json={"name": "Sneaky", field: "ABC"}, headers=team.manager.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}
    assert (await api.get(team.url, headers=team.manager.headers)).json() == team.project


async def test_contributors_and_viewers_cannot_change_the_project(api: httpx.AsyncClient, team: Team) -> None:
    for account in (team.contributor, team.viewer):
        assert_problem(await api.patch(team.url, json={"name": "Mine"}, headers=account.headers), 403)
        assert_problem(await api.delete(team.url, headers=account.headers), 403)

    assert (await api.get(team.url, headers=team.manager.headers)).json() == team.project


async def test_admin_manages_a_project_without_being_a_member(api: httpx.AsyncClient, team: Team) -> None:
    renamed = await api.patch(team.url, json={"name": "Renamed by admin"}, headers=team.admin.headers)
    promoted = await api.put(
        f"{team.url}/members/{team.viewer.id}", json={"role": "contributor"}, headers=team.admin.headers
    )

    assert renamed.status_code == 200
    assert promoted.status_code == 200
    assert str(team.admin.id) not in await members_of(api, team.manager, team.project_id)


# --- delete and restore ---------------------------------------------------------------------------


@on_both_databases
async def test_delete_is_soft_and_the_manager_restores_the_project(
    api: httpx.AsyncClient, team: Team
) -> None:
    deleted = await api.delete(team.url, headers=if_match(team.manager, 1))

    assert deleted.status_code == 204
    assert deleted.content == b""
    for account in (team.manager, team.viewer, team.admin):
        assert_problem(await api.get(team.url, headers=account.headers), 404)
    assert (await list_projects(api, team.manager))["total"] == 0
    kept = await api.get(team.url, params={"include_deleted": True}, headers=team.manager.headers)
    assert (kept.json()["is_deleted"], kept.json()["version"]) == (True, 2)
    # Only managers and admins find a deleted project at all.
    assert_problem(
        await api.get(team.url, params={"include_deleted": True}, headers=team.viewer.headers), 404
    )
    assert_problem(await api.post(f"{team.url}/restore", headers=team.contributor.headers), 404)

    restored = await api.post(f"{team.url}/restore", headers=team.manager.headers)

    assert restored.status_code == 200
    assert (restored.json()["is_deleted"], restored.json()["version"]) == (False, 3)
    assert restored.headers["etag"] == '"3"'
    assert (await api.get(team.url, headers=team.viewer.headers)).json() == restored.json()


async def test_deleted_projects_key_is_free_and_then_blocks_its_restore(
    api: httpx.AsyncClient, team: Team
) -> None:
    await api.delete(team.url, headers=team.manager.headers)
    await create_project(api, team.manager, key="OPS")

    response = await api.post(f"{team.url}/restore", headers=team.manager.headers)

    assert fields_at_fault(assert_problem(response, 409)) == {"key"}


async def test_admin_restores_any_project(api: httpx.AsyncClient, team: Team) -> None:
    await api.delete(team.url, headers=team.manager.headers)

    response = await api.post(f"{team.url}/restore", headers=team.admin.headers)

    assert response.status_code == 200
    assert response.json()["is_deleted"] is False


# --- members --------------------------------------------------------------------------------------


@on_both_databases
async def test_members_are_listed_managers_first_to_everyone_in_the_project(
    api: httpx.AsyncClient, team: Team
) -> None:
    response = await api.get(f"{team.url}/members", headers=team.viewer.headers)

    assert response.status_code == 200
    members = response.json()
    assert all(set(member) == MEMBER_FIELDS for member in members)
    assert members[0]["user_id"] == str(team.manager.id)
    assert members[0]["role"] == "manager"
    assert {m["user_id"]: m["role"] for m in members[1:]} == {
        str(team.contributor.id): "contributor",
        str(team.viewer.id): "viewer",
    }
    by_id = {m["user_id"]: m for m in members}
    assert by_id[str(team.viewer.id)]["email"] == team.viewer.email
    assert by_id[str(team.viewer.id)]["full_name"] == await full_name_of(api, team.viewer)


@on_both_databases
async def test_manager_adds_a_member_and_changes_their_role(
    app: Litestar, api: httpx.AsyncClient, team: Team
) -> None:
    newcomer = await new_account(app, api)

    added = await set_member(api, team.manager, team.project_id, newcomer, "viewer")
    changed = await set_member(api, team.manager, team.project_id, newcomer, "contributor")

    assert set(added) == MEMBER_FIELDS
    assert (added["user_id"], added["role"], added["email"]) == (str(newcomer.id), "viewer", newcomer.email)
    assert changed["role"] == "contributor"
    assert changed["created_at"] == added["created_at"]
    assert (await members_of(api, team.manager, team.project_id))[str(newcomer.id)] == "contributor"
    assert (await api.get(team.url, headers=newcomer.headers)).status_code == 200


async def test_contributors_and_viewers_cannot_set_members(api: httpx.AsyncClient, team: Team) -> None:
    for account in (team.contributor, team.viewer):
        response = await api.put(
            f"{team.url}/members/{account.id}", json={"role": "manager"}, headers=account.headers
        )

        assert_problem(response, 403)
    assert await members_of(api, team.manager, team.project_id) == {
        str(team.manager.id): "manager",
        str(team.contributor.id): "contributor",
        str(team.viewer.id): "viewer",
    }


async def test_adding_an_unknown_or_deactivated_user_is_404(
    app: Litestar, api: httpx.AsyncClient, team: Team
) -> None:
    inactive = await new_account(app, api)
    deactivate = await api.patch(
        f"/api/v1/users/{inactive.id}", json={"is_active": False}, headers=team.admin.headers
    )
    assert deactivate.status_code == 200

    for user_id in (uuid4(), inactive.id):
        response = await api.put(
            f"{team.url}/members/{user_id}", json={"role": "viewer"}, headers=team.manager.headers
        )

        assert_problem(response, 404)
    assert len(await members_of(api, team.manager, team.project_id)) == 3


@pytest.mark.parametrize(("body", "field"), [({"role": "owner"}, "role"), ({"role": "viewer", "x": 1}, "x")])
async def test_set_member_refuses_bad_bodies_naming_the_field(
    api: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    response = await api.put(f"{team.url}/members/{team.viewer.id}", json=body, headers=team.manager.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}


@on_both_databases
async def test_a_member_leaves_and_then_no_longer_sees_the_project(
    api: httpx.AsyncClient, team: Team
) -> None:
    for account in (team.viewer, team.contributor):
        response = await api.delete(f"{team.url}/members/{account.id}", headers=account.headers)

        assert response.status_code == 204
        assert_problem(await api.get(team.url, headers=account.headers), 404)
    assert await members_of(api, team.manager, team.project_id) == {str(team.manager.id): "manager"}


async def test_contributor_cannot_remove_another_member(api: httpx.AsyncClient, team: Team) -> None:
    response = await api.delete(f"{team.url}/members/{team.viewer.id}", headers=team.contributor.headers)

    assert_problem(response, 403)
    assert str(team.viewer.id) in await members_of(api, team.manager, team.project_id)


async def test_manager_removes_a_member(api: httpx.AsyncClient, team: Team) -> None:
    response = await api.delete(f"{team.url}/members/{team.viewer.id}", headers=team.manager.headers)

    assert response.status_code == 204
    assert str(team.viewer.id) not in await members_of(api, team.manager, team.project_id)


async def test_removing_someone_who_is_no_member_is_404(api: httpx.AsyncClient, team: Team) -> None:
    response = await api.delete(f"{team.url}/members/{team.outsider.id}", headers=team.manager.headers)

    assert_problem(response, 404)


@on_both_databases
async def test_the_last_manager_can_neither_leave_nor_step_down(api: httpx.AsyncClient, team: Team) -> None:
    leave = await api.delete(f"{team.url}/members/{team.manager.id}", headers=team.manager.headers)
    step_down = await api.put(
        f"{team.url}/members/{team.manager.id}", json={"role": "viewer"}, headers=team.manager.headers
    )
    removed_by_admin = await api.delete(f"{team.url}/members/{team.manager.id}", headers=team.admin.headers)

    assert_problem(leave, 409)
    assert_problem(step_down, 409)
    assert_problem(removed_by_admin, 409)
    assert (await members_of(api, team.manager, team.project_id))[str(team.manager.id)] == "manager"


async def test_a_manager_steps_down_once_another_manager_exists(api: httpx.AsyncClient, team: Team) -> None:
    await set_member(api, team.manager, team.project_id, team.contributor, "manager")

    stepped_down = await set_member(api, team.manager, team.project_id, team.manager, "contributor")
    left = await api.delete(f"{team.url}/members/{team.contributor.id}", headers=team.contributor.headers)

    assert stepped_down["role"] == "contributor"
    # The contributor who became manager is now the only one: they may not leave.
    assert_problem(left, 409)
    assert_problem(await api.patch(team.url, json={"name": "X"}, headers=team.manager.headers), 403)


@on_both_databases
async def test_member_with_assigned_tasks_cannot_be_removed_until_they_are_reassigned(
    api: httpx.AsyncClient, team: Team
) -> None:
    task = await create_task(api, team.manager, team.project_id, assignee_id=str(team.contributor.id))
    await create_task(api, team.manager, team.project_id, assignee_id=str(team.contributor.id))
    url = f"{team.url}/members/{team.contributor.id}"

    by_manager = await api.delete(url, headers=team.manager.headers)
    by_themselves = await api.delete(url, headers=team.contributor.headers)

    assert "2" in assert_problem(by_manager, 409)["detail"]
    assert_problem(by_themselves, 409)
    assert str(team.contributor.id) in await members_of(api, team.manager, team.project_id)

    await api.patch(f"{TASKS}/{task['id']}", json={"assignee_id": None}, headers=team.manager.headers)
    others = await api.get(
        TASKS, params={"assignee_id": str(team.contributor.id)}, headers=team.manager.headers
    )
    await api.delete(f"{TASKS}/{others.json()['items'][0]['id']}", headers=team.manager.headers)

    assert (await api.delete(url, headers=team.manager.headers)).status_code == 204


async def test_admin_sees_and_lists_members_of_any_project(
    app: Litestar, api: httpx.AsyncClient, team: Team
) -> None:
    admin_two = await new_account(app, api, UserRole.ADMIN)

    response = await api.get(f"{team.url}/members", headers=admin_two.headers)

    assert response.status_code == 200
    assert len(response.json()) == 3
