"""The users resource over HTTP: who may do what, ETags and If-Match, lists, soft delete and restore."""

import asyncio
from datetime import datetime
from typing import Any
from uuid import uuid4

import httpx
import msgspec
import pytest
from litestar import Litestar

from domain.users import UserRole
from tests.factories import UserCreateFactory, unique_email
from tests.http.conftest import (
    Account,
    assert_problem,
    fields_at_fault,
    new_account,
    on_both_databases,
    sign_in,
)

USERS = "/api/v1/users"
USER_FIELDS = {
    "id",
    "email",
    "full_name",
    "role",
    "is_active",
    "is_deleted",
    "created_at",
    "updated_at",
    "version",
}


def new_user_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = msgspec.to_builtins(UserCreateFactory.build())
    body.update(overrides)
    return body


async def create_user(api: httpx.AsyncClient, admin: Account, **overrides: Any) -> dict[str, Any]:
    response = await api.post(USERS, json=new_user_body(**overrides), headers=admin.headers)
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def read_user(api: httpx.AsyncClient, admin: Account, user_id: object) -> dict[str, Any]:
    response = await api.get(f"{USERS}/{user_id}", headers=admin.headers, params={"include_deleted": True})
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


# --- create ---------------------------------------------------------------------------------------


@on_both_databases
async def test_admin_creates_a_user_who_can_then_sign_in(api: httpx.AsyncClient, admin: Account) -> None:
    body = new_user_body(email=f"  New.{unique_email().upper()}  ")

    response = await api.post(USERS, json=body, headers=admin.headers)

    assert response.status_code == 201
    created = response.json()
    assert set(created) == USER_FIELDS
    assert created["email"] == body["email"].strip().lower()
    assert created["full_name"] == body["full_name"]
    assert created["role"] == "member"
    assert created["is_active"] is True
    assert created["is_deleted"] is False
    assert created["version"] == 1
    assert created["created_at"] == created["updated_at"]
    assert response.headers["etag"] == '"1"'
    location = await api.get(response.headers["location"], headers=admin.headers)
    assert location.json() == created
    await sign_in(api, body["email"], body["password"])


async def test_admin_creates_another_admin(api: httpx.AsyncClient, admin: Account) -> None:
    created = await create_user(api, admin, role="admin")

    assert created["role"] == "admin"


async def test_member_cannot_create_users(api: httpx.AsyncClient, admin: Account, member: Account) -> None:
    body = new_user_body()

    assert_problem(await api.post(USERS, json=body, headers=member.headers), 403)

    listed = await api.get(USERS, params={"email": body["email"]}, headers=admin.headers)
    assert listed.json()["total"] == 0


@on_both_databases
async def test_duplicate_email_is_a_409_naming_the_email(api: httpx.AsyncClient, admin: Account) -> None:
    first = await create_user(api, admin)

    response = await api.post(USERS, json=new_user_body(email=first["email"].upper()), headers=admin.headers)

    problem = assert_problem(response, 409)
    assert fields_at_fault(problem) == {"email"}
    listed = await api.get(USERS, params={"email": first["email"]}, headers=admin.headers)
    assert listed.json()["total"] == 1


@on_both_databases
async def test_racing_registrations_of_one_email_give_one_user_and_409s(
    api: httpx.AsyncClient, admin: Account
) -> None:
    email = unique_email()

    responses = await asyncio.gather(
        *(api.post(USERS, json=new_user_body(email=email), headers=admin.headers) for _ in range(5))
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 409, 409, 409, 409], [response.text for response in responses]
    for response in responses:
        if response.status_code == 409:
            assert fields_at_fault(assert_problem(response, 409)) == {"email"}
    listed = await api.get(USERS, params={"email": email}, headers=admin.headers)
    assert listed.json()["total"] == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-email"), ("password", "short"), ("full_name", ""), ("role", "owner")],
)
async def test_invalid_new_user_is_a_422_naming_the_field(
    api: httpx.AsyncClient, admin: Account, field: str, value: str
) -> None:
    response = await api.post(USERS, json=new_user_body(**{field: value}), headers=admin.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}


# --- read -----------------------------------------------------------------------------------------


@on_both_databases
async def test_get_user_returns_it_with_an_etag(api: httpx.AsyncClient, admin: Account) -> None:
    created = await create_user(api, admin)

    response = await api.get(f"{USERS}/{created['id']}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"1"'


async def test_me_is_the_signed_in_user(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.get(f"{USERS}/me", headers=member.headers)

    assert response.status_code == 200
    assert response.json()["id"] == str(member.id)
    assert response.json()["email"] == member.email
    assert response.headers["etag"] == '"1"'


async def test_member_reads_themselves_by_id(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.get(f"{USERS}/{member.id}", headers=member.headers)

    assert response.status_code == 200
    assert response.json()["id"] == str(member.id)


async def test_member_cannot_read_another_user_and_learns_nothing(
    app: Litestar, api: httpx.AsyncClient, member: Account
) -> None:
    other = await new_account(app, api)

    someone = await api.get(f"{USERS}/{other.id}", headers=member.headers)
    nobody = await api.get(f"{USERS}/{uuid4()}", headers=member.headers)

    # Identical apart from the path asked for: a member cannot tell who has an account.
    assert someone.status_code == nobody.status_code == 404
    assert assert_problem(someone, 404) | {"instance": ""} == assert_problem(nobody, 404) | {"instance": ""}
    assert someone.headers["content-type"] == nobody.headers["content-type"]


async def test_missing_user_is_404(api: httpx.AsyncClient, admin: Account) -> None:
    assert_problem(await api.get(f"{USERS}/{uuid4()}", headers=admin.headers), 404)


# --- update ---------------------------------------------------------------------------------------


@on_both_databases
async def test_patch_changes_only_the_fields_sent_and_moves_the_etag(
    api: httpx.AsyncClient, admin: Account
) -> None:
    created = await create_user(api, admin)
    url = f"{USERS}/{created['id']}"

    response = await api.patch(
        url, json={"full_name": "Grace Hopper"}, headers={**admin.headers, "If-Match": '"1"'}
    )

    assert response.status_code == 200
    updated = response.json()
    assert updated["full_name"] == "Grace Hopper"
    assert updated["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert instant(updated["updated_at"]) > instant(created["updated_at"])
    unchanged = {"id", "email", "role", "is_active", "is_deleted", "created_at"}
    assert {key: updated[key] for key in unchanged} == {key: created[key] for key in unchanged}
    assert (await api.get(url, headers=admin.headers)).json() == updated


@on_both_databases
async def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(
    api: httpx.AsyncClient, admin: Account
) -> None:
    created = await create_user(api, admin)
    url = f"{USERS}/{created['id']}"
    await api.patch(url, json={"full_name": "First Writer"}, headers={**admin.headers, "If-Match": '"1"'})

    response = await api.patch(
        url, json={"full_name": "Second Writer"}, headers={**admin.headers, "If-Match": '"1"'}
    )

    assert_problem(response, 412)
    current = await read_user(api, admin, created["id"])
    assert current["full_name"] == "First Writer"
    assert current["version"] == 2


async def test_patch_with_a_malformed_if_match_is_422(api: httpx.AsyncClient, admin: Account) -> None:
    created = await create_user(api, admin)

    response = await api.patch(
        f"{USERS}/{created['id']}", json={"full_name": "X"}, headers={**admin.headers, "If-Match": "1"}
    )

    assert fields_at_fault(assert_problem(response, 422)) == {"If-Match"}


async def test_patch_that_changes_nothing_keeps_the_version(api: httpx.AsyncClient, admin: Account) -> None:
    created = await create_user(api, admin)

    response = await api.patch(
        f"{USERS}/{created['id']}", json={"full_name": created["full_name"]}, headers=admin.headers
    )

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert response.headers["etag"] == '"1"'


async def test_member_edits_their_own_name_and_password(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.patch(
        f"{USERS}/{member.id}",
        json={"full_name": "Renamed Member", "password": "a-new-password-123"},
        headers=member.headers,
    )

    assert response.status_code == 200
    assert response.json()["full_name"] == "Renamed Member"
    await sign_in(api, member.email, "a-new-password-123")
    refused = await api.post("/api/v1/auth/token", json={"email": member.email, "password": member.password})
    assert_problem(refused, 401)


@pytest.mark.parametrize("change", [{"role": "admin"}, {"is_active": False}, {"role": "member"}])
async def test_member_cannot_change_their_own_role_or_active_flag(
    api: httpx.AsyncClient, admin: Account, member: Account, change: dict[str, Any]
) -> None:
    before = await read_user(api, admin, member.id)

    response = await api.patch(f"{USERS}/{member.id}", json=change, headers=member.headers)

    assert_problem(response, 403)
    assert await read_user(api, admin, member.id) == before


async def test_member_cannot_edit_another_user(
    app: Litestar, api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    other = await new_account(app, api)
    before = await read_user(api, admin, other.id)

    response = await api.patch(f"{USERS}/{other.id}", json={"full_name": "Hijacked"}, headers=member.headers)

    assert_problem(response, 404)
    assert await read_user(api, admin, other.id) == before


@on_both_databases
async def test_a_member_gets_the_same_answer_for_a_taken_email_as_for_a_free_one(
    api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    taken = await create_user(api, admin)
    before = await read_user(api, admin, member.id)

    answers = [
        await api.patch(f"{USERS}/{member.id}", json={"email": email}, headers=member.headers)
        for email in (taken["email"], "nobody-has-this@example.com")
    ]

    first, second = (assert_problem(answer, 403) for answer in answers)
    assert first == second
    assert fields_at_fault(first) == {"email"}
    assert await read_user(api, admin, member.id) == before


async def test_changing_to_a_taken_email_is_409_for_an_admin(api: httpx.AsyncClient, admin: Account) -> None:
    first, second = await create_user(api, admin), await create_user(api, admin)

    response = await api.patch(
        f"{USERS}/{second['id']}", json={"email": first["email"]}, headers=admin.headers
    )

    assert fields_at_fault(assert_problem(response, 409)) == {"email"}


# --- the last admin -------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [{"role": "member"}, {"is_active": False}])
async def test_last_admin_cannot_be_demoted_or_deactivated(
    api: httpx.AsyncClient, admin: Account, change: dict[str, Any]
) -> None:
    response = await api.patch(f"{USERS}/{admin.id}", json=change, headers=admin.headers)

    assert_problem(response, 409)
    me = await api.get(f"{USERS}/me", headers=admin.headers)
    assert me.json()["role"] == "admin"
    assert me.json()["is_active"] is True


async def test_last_admin_cannot_be_deleted(api: httpx.AsyncClient, admin: Account) -> None:
    assert_problem(await api.delete(f"{USERS}/{admin.id}", headers=admin.headers), 409)

    assert (await api.get(f"{USERS}/me", headers=admin.headers)).status_code == 200


async def test_an_admin_can_step_down_when_another_remains(
    app: Litestar, api: httpx.AsyncClient, admin: Account
) -> None:
    await new_account(app, api, UserRole.ADMIN)

    response = await api.patch(f"{USERS}/{admin.id}", json={"role": "member"}, headers=admin.headers)

    assert response.status_code == 200
    assert response.json()["role"] == "member"


# --- delete and restore ---------------------------------------------------------------------------


@on_both_databases
async def test_delete_is_soft_and_restore_brings_the_user_back(
    api: httpx.AsyncClient, admin: Account
) -> None:
    created = await create_user(api, admin)
    url = f"{USERS}/{created['id']}"

    deleted = await api.delete(url, headers={**admin.headers, "If-Match": '"1"'})

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(await api.get(url, headers=admin.headers), 404)
    assert (await api.get(USERS, params={"email": created["email"]}, headers=admin.headers)).json()[
        "total"
    ] == 0
    kept = await read_user(api, admin, created["id"])
    assert kept["is_deleted"] is True
    assert kept["version"] == 2

    restored = await api.post(f"{url}/restore", headers=admin.headers)

    assert restored.status_code == 200
    assert restored.json()["is_deleted"] is False
    assert restored.json()["version"] == 3
    assert restored.headers["etag"] == '"3"'
    assert (await api.get(url, headers=admin.headers)).json() == restored.json()


@on_both_databases
async def test_delete_with_a_stale_if_match_is_412_and_keeps_the_user(
    api: httpx.AsyncClient, admin: Account
) -> None:
    created = await create_user(api, admin)
    url = f"{USERS}/{created['id']}"
    await api.patch(url, json={"full_name": "Moved On"}, headers=admin.headers)

    assert_problem(await api.delete(url, headers={**admin.headers, "If-Match": '"1"'}), 412)

    assert (await api.get(url, headers=admin.headers)).json()["is_deleted"] is False


async def test_deleted_users_email_can_be_registered_again_but_then_blocks_the_restore(
    api: httpx.AsyncClient, admin: Account
) -> None:
    old = await create_user(api, admin)
    await api.delete(f"{USERS}/{old['id']}", headers=admin.headers)

    new = await create_user(api, admin, email=old["email"])
    restore = await api.post(f"{USERS}/{old['id']}/restore", headers=admin.headers)

    assert new["id"] != old["id"]
    assert fields_at_fault(assert_problem(restore, 409)) == {"email"}
    assert (await read_user(api, admin, old["id"]))["is_deleted"] is True


async def test_member_cannot_delete_or_restore(
    app: Litestar, api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    other = await new_account(app, api)

    assert_problem(await api.delete(f"{USERS}/{member.id}", headers=member.headers), 403)
    assert_problem(await api.delete(f"{USERS}/{other.id}", headers=member.headers), 404)
    assert_problem(await api.post(f"{USERS}/{member.id}/restore", headers=member.headers), 403)
    assert (await read_user(api, admin, member.id))["is_deleted"] is False
    assert (await read_user(api, admin, other.id))["is_deleted"] is False


async def test_restoring_a_missing_user_is_404(api: httpx.AsyncClient, admin: Account) -> None:
    assert_problem(await api.post(f"{USERS}/{uuid4()}/restore", headers=admin.headers), 404)


# --- list -----------------------------------------------------------------------------------------


async def list_users(api: httpx.AsyncClient, admin: Account, **params: Any) -> dict[str, Any]:
    response = await api.get(USERS, params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


@on_both_databases
async def test_list_pages_through_users_newest_first(api: httpx.AsyncClient, admin: Account) -> None:
    created = [await create_user(api, admin) for _ in range(4)]
    everyone = [admin.email, *(user["email"] for user in created)]

    first = await list_users(api, admin, sort="-created_at", offset=0, limit=3)
    second = await list_users(api, admin, sort="-created_at", offset=3, limit=3)

    assert set(first) == {"items", "total", "offset", "limit", "next_cursor"}
    assert (first["total"], first["offset"], first["limit"]) == (5, 0, 3)
    assert (second["total"], second["offset"], second["limit"]) == (5, 3, 3)
    emails = [user["email"] for user in first["items"] + second["items"]]
    assert emails == list(reversed(everyone))
    assert all(set(user) == USER_FIELDS for user in first["items"])


async def test_list_defaults_to_oldest_first_twenty_at_a_time(api: httpx.AsyncClient, admin: Account) -> None:
    created = [await create_user(api, admin) for _ in range(21)]

    page = await list_users(api, admin)

    assert (page["total"], page["offset"], page["limit"]) == (22, 0, 20)
    assert [user["email"] for user in page["items"]] == [admin.email] + [u["email"] for u in created[:19]]


@on_both_databases
async def test_list_filters_by_role_active_flag_and_email(api: httpx.AsyncClient, admin: Account) -> None:
    other_admin = await create_user(api, admin, role="admin")
    inactive = await create_user(api, admin)
    await api.patch(f"{USERS}/{inactive['id']}", json={"is_active": False}, headers=admin.headers)
    marked = await create_user(api, admin, email=f"zebra.{unique_email()}")
    deleted = await create_user(api, admin)
    await api.delete(f"{USERS}/{deleted['id']}", headers=admin.headers)

    def ids(page: dict[str, Any]) -> set[str]:
        assert page["total"] == len(page["items"])
        return {user["id"] for user in page["items"]}

    assert ids(await list_users(api, admin, role="admin")) == {str(admin.id), other_admin["id"]}
    assert ids(await list_users(api, admin, is_active="false")) == {inactive["id"]}
    assert ids(await list_users(api, admin, email="ZEBRA")) == {marked["id"]}
    assert ids(await list_users(api, admin, role="member", is_active="true")) == {marked["id"]}
    assert deleted["id"] not in ids(await list_users(api, admin))
    assert deleted["id"] in ids(await list_users(api, admin, include_deleted="true"))


@on_both_databases
async def test_list_sorts_by_email_either_way(api: httpx.AsyncClient, admin: Account) -> None:
    mine = {}
    for prefix in ("mike", "alpha", "zulu"):
        mine[(await create_user(api, admin, email=f"{prefix}.{unique_email()}"))["email"]] = prefix

    ascending = await list_users(api, admin, sort="email")
    descending = await list_users(api, admin, sort="-email")

    # Only the order of these three: how digits and dots collate is the database's business.
    def prefixes(page: dict[str, Any]) -> list[str]:
        return [mine[user["email"]] for user in page["items"] if user["email"] in mine]

    assert prefixes(ascending) == ["alpha", "mike", "zulu"]
    assert prefixes(descending) == ["zulu", "mike", "alpha"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"sort": "password_hash"}, "sort"),
        ({"sort": "-nothing"}, "sort"),
        ({"role": "owner"}, "role"),
        ({"is_active": "perhaps"}, "is_active"),
    ],
)
async def test_list_refuses_bad_parameters_naming_them(
    api: httpx.AsyncClient, admin: Account, params: dict[str, Any], field: str
) -> None:
    response = await api.get(USERS, params=params, headers=admin.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}


async def test_list_allows_a_page_of_a_hundred(api: httpx.AsyncClient, admin: Account) -> None:
    page = await list_users(api, admin, limit=100)

    assert page["limit"] == 100


async def test_member_cannot_list_users(api: httpx.AsyncClient, member: Account) -> None:
    assert_problem(await api.get(USERS, headers=member.headers), 403)
