"""Comments over HTTP: listing oldest first, adding, and who may edit or delete one."""

from datetime import datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from litestar import Litestar

from tests.http.conftest import Account, assert_problem, fields_at_fault, new_account, on_both_databases
from tests.http.tracker import (
    COMMENTS,
    TASKS,
    Team,
    add_comment,
    create_task,
    full_name_of,
    if_match,
    make_team,
    read_task,
    same_problem,
    set_member,
)

COMMENT_FIELDS = {"id", "task_id", "author", "body", "created_at", "updated_at", "version"}


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


@pytest.fixture
async def task(api: httpx.AsyncClient, team: Team) -> dict[str, Any]:
    return await create_task(api, team.manager, team.project_id)


async def list_comments(
    api: httpx.AsyncClient, account: Account, task_id: str, **params: Any
) -> dict[str, Any]:
    response = await api.get(f"{TASKS}/{task_id}/comments", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def bodies(page: dict[str, Any]) -> list[str]:
    return [comment["body"] for comment in page["items"]]


# --- add and list ---------------------------------------------------------------------------------


@on_both_databases
async def test_contributor_comments_and_the_author_is_embedded(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    response = await api.post(
        f"{TASKS}/{task['id']}/comments", json={"body": "  On it.  "}, headers=team.contributor.headers
    )

    assert response.status_code == 201, response.text
    comment = response.json()
    assert set(comment) == COMMENT_FIELDS
    assert (comment["task_id"], comment["body"], comment["version"]) == (task["id"], "On it.", 1)
    assert comment["author"] == {
        "id": str(team.contributor.id),
        "full_name": await full_name_of(api, team.contributor),
    }
    assert comment["created_at"] == comment["updated_at"]
    assert response.headers["etag"] == '"1"'
    assert (await list_comments(api, team.viewer, task["id"]))["items"] == [comment]
    assert (await read_task(api, team.viewer, task["id"]))["comment_count"] == 1


@on_both_databases
async def test_comments_are_listed_oldest_first_a_page_at_a_time(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    for n in range(5):
        await add_comment(api, team.manager if n % 2 else team.contributor, task["id"], f"Comment {n}")

    everything = await list_comments(api, team.viewer, task["id"])
    middle = await list_comments(api, team.viewer, task["id"], offset=2, limit=2)
    beyond = await list_comments(api, team.viewer, task["id"], offset=5)

    assert set(everything) == {"items", "total", "offset", "limit", "next_cursor"}
    assert (bodies(everything), everything["total"], everything["limit"]) == (
        [f"Comment {n}" for n in range(5)],
        5,
        20,
    )
    assert (bodies(middle), middle["total"], middle["offset"], middle["limit"]) == (
        ["Comment 2", "Comment 3"],
        5,
        2,
        2,
    )
    assert (bodies(beyond), beyond["total"]) == ([], 5)
    assert [c["author"]["id"] for c in everything["items"][:2]] == [
        str(team.contributor.id),
        str(team.manager.id),
    ]


@pytest.mark.parametrize(("params", "field"), [({"limit": 101}, "limit"), ({"offset": -1}, "offset")])
async def test_comment_list_refuses_bad_paging(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    response = await api.get(f"{TASKS}/{task['id']}/comments", params=params, headers=team.viewer.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}


async def test_admin_comments_on_any_task(api: httpx.AsyncClient, team: Team, task: dict[str, Any]) -> None:
    comment = await add_comment(api, team.admin, task["id"])

    assert comment["author"]["id"] == str(team.admin.id)


async def test_viewer_reads_comments_but_cannot_add_one(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    await add_comment(api, team.manager, task["id"], "From the manager")

    response = await api.post(
        f"{TASKS}/{task['id']}/comments", json={"body": "From the viewer"}, headers=team.viewer.headers
    )

    assert_problem(response, 403)
    assert bodies(await list_comments(api, team.viewer, task["id"])) == ["From the manager"]


async def test_outsider_cannot_tell_a_comment_from_a_missing_one(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    comment = await add_comment(api, team.manager, task["id"])
    real, missing = f"{COMMENTS}/{comment['id']}", f"{COMMENTS}/{uuid4()}"
    headers = team.outsider.headers

    same_problem(
        await api.patch(real, json={"body": "Mine"}, headers=headers),
        await api.patch(missing, json={"body": "Mine"}, headers=headers),
        404,
    )
    same_problem(await api.delete(real, headers=headers), await api.delete(missing, headers=headers), 404)
    assert (await list_comments(api, team.manager, task["id"]))["items"] == [comment]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({}, "body"),
        ({"body": "Hi", "author_id": str(uuid4())}, "author_id"),
        ({"body": "Hi", "task_id": str(uuid4())}, "task_id"),
    ],
)
async def test_invalid_comment_is_a_422_naming_the_field(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = await api.post(f"{TASKS}/{task['id']}/comments", json=body, headers=team.manager.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}
    assert (await list_comments(api, team.manager, task["id"]))["total"] == 0


async def test_a_deleted_tasks_comments_are_gone_with_it(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    comment = await add_comment(api, team.contributor, task["id"])
    await api.delete(f"{TASKS}/{task['id']}", headers=team.manager.headers)

    assert_problem(await api.get(f"{TASKS}/{task['id']}/comments", headers=team.manager.headers), 404)
    assert_problem(
        await api.post(f"{TASKS}/{task['id']}/comments", json={"body": "Late"}, headers=team.manager.headers),
        404,
    )
    assert_problem(
        await api.patch(f"{COMMENTS}/{comment['id']}", json={"body": "X"}, headers=team.contributor.headers),
        404,
    )

    await api.post(f"{TASKS}/{task['id']}/restore", headers=team.manager.headers)

    assert (await list_comments(api, team.manager, task["id"]))["items"] == [comment]


# --- edit and delete ------------------------------------------------------------------------------


@on_both_databases
async def test_author_edits_their_comment_with_if_match(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    comment = await add_comment(api, team.contributor, task["id"], "Frist")

    response = await api.patch(
        f"{COMMENTS}/{comment['id']}", json={"body": "First"}, headers=if_match(team.contributor, 1)
    )

    assert response.status_code == 200, response.text
    edited = response.json()
    assert (edited["body"], edited["version"], edited["author"]) == ("First", 2, comment["author"])
    assert (edited["id"], edited["created_at"]) == (comment["id"], comment["created_at"])
    assert datetime.fromisoformat(edited["updated_at"]) > datetime.fromisoformat(comment["updated_at"])
    assert response.headers["etag"] == '"2"'
    assert (await list_comments(api, team.viewer, task["id"]))["items"] == [edited]


@on_both_databases
async def test_stale_if_match_on_a_comment_is_412_and_changes_nothing(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    comment = await add_comment(api, team.contributor, task["id"], "Original")
    url = f"{COMMENTS}/{comment['id']}"
    first = await api.patch(url, json={"body": "First edit"}, headers=if_match(team.contributor, 1))

    stale_patch = await api.patch(url, json={"body": "Second edit"}, headers=if_match(team.contributor, 1))
    stale_delete = await api.delete(url, headers=if_match(team.contributor, 1))

    assert_problem(stale_patch, 412)
    assert_problem(stale_delete, 412)
    assert (await list_comments(api, team.viewer, task["id"]))["items"] == [first.json()]


async def test_editing_to_the_same_body_keeps_the_version(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    comment = await add_comment(api, team.contributor, task["id"], "Unchanged")

    response = await api.patch(
        f"{COMMENTS}/{comment['id']}", json={"body": " Unchanged "}, headers=team.contributor.headers
    )

    assert response.json() == comment
    assert response.headers["etag"] == '"1"'


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "ok", "version": 2}])
async def test_invalid_comment_edit_is_a_422(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any], body: dict[str, Any]
) -> None:
    comment = await add_comment(api, team.contributor, task["id"])

    response = await api.patch(f"{COMMENTS}/{comment['id']}", json=body, headers=team.contributor.headers)

    assert fields_at_fault(assert_problem(response, 422)) == ({"body"} if body["body"] == "" else {"version"})
    assert (await list_comments(api, team.viewer, task["id"]))["items"] == [comment]


@on_both_databases
async def test_managers_and_admins_edit_anyones_comment(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    comment = await add_comment(api, team.contributor, task["id"], "Rude words")
    url = f"{COMMENTS}/{comment['id']}"

    by_manager = await api.patch(url, json={"body": "[moderated]"}, headers=team.manager.headers)
    by_admin = await api.patch(url, json={"body": "[moderated twice]"}, headers=team.admin.headers)

    assert by_manager.status_code == by_admin.status_code == 200
    # Editing does not change who wrote it.
    assert by_admin.json()["author"] == comment["author"]
    assert bodies(await list_comments(api, team.viewer, task["id"])) == ["[moderated twice]"]


async def test_another_contributor_and_a_viewer_cannot_edit_or_delete_a_comment(
    app: Litestar, api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    other_contributor = await new_account(app, api)
    await set_member(api, team.manager, team.project_id, other_contributor, "contributor")
    comment = await add_comment(api, team.contributor, task["id"], "Mine")
    url = f"{COMMENTS}/{comment['id']}"

    for account in (other_contributor, team.viewer):
        assert_problem(await api.patch(url, json={"body": "Yours now"}, headers=account.headers), 403)
        assert_problem(await api.delete(url, headers=account.headers), 403)

    assert (await list_comments(api, team.manager, task["id"]))["items"] == [comment]


@on_both_databases
async def test_author_deletes_their_comment_and_it_leaves_the_list_and_the_count(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any]
) -> None:
    kept = await add_comment(api, team.manager, task["id"], "Kept")
    doomed = await add_comment(api, team.contributor, task["id"], "Doomed")
    url = f"{COMMENTS}/{doomed['id']}"

    response = await api.delete(url, headers=if_match(team.contributor, 1))

    assert response.status_code == 204
    assert response.content == b""
    page = await list_comments(api, team.viewer, task["id"])
    assert (page["items"], page["total"]) == ([kept], 1)
    detail = await read_task(api, team.viewer, task["id"])
    assert (detail["comment_count"], detail["latest_comments"]) == (1, [kept])
    assert_problem(await api.patch(url, json={"body": "Back"}, headers=team.contributor.headers), 404)
    assert_problem(await api.delete(url, headers=team.contributor.headers), 404)


@pytest.mark.parametrize("remover", ["manager", "admin"])
async def test_managers_and_admins_delete_anyones_comment(
    api: httpx.AsyncClient, team: Team, task: dict[str, Any], remover: str
) -> None:
    comment = await add_comment(api, team.contributor, task["id"])
    account: Account = getattr(team, remover)

    response = await api.delete(f"{COMMENTS}/{comment['id']}", headers=account.headers)

    assert response.status_code == 204
    assert (await list_comments(api, team.viewer, task["id"]))["total"] == 0
