"""A task's history and a project's activity over HTTP: what a client sees, who may see it, and the
filters' refusals (what each change records is tested with the use cases, tests/unit/tasks)."""

from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.http.conftest import NOBODY, assert_problem, fields_at_fault, on_every_backend
from tests.http.tracker import (
    COMMENTS,
    TASKS,
    Team,
    add_comment,
    create_tag,
    create_task,
    full_name_of,
    if_match,
    make_team,
)


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


async def history_of(
    api: httpx.AsyncClient, headers: dict[str, str], task_ref: str, **params: Any
) -> dict[str, Any]:
    response = await api.get(f"{TASKS}/{task_ref}/history", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def actions(page: dict[str, Any]) -> list[str]:
    return [entry["action"] for entry in page["items"]]


@on_every_backend
async def test_every_change_of_a_task_shows_in_its_history_newest_first(
    api: httpx.AsyncClient, team: Team, api_backend: str
) -> None:
    tag = await create_tag(api, team.manager, team.project_id, "backend")
    task = await create_task(
        api, team.manager, team.project_id, "Rotate", assignee_id=str(team.contributor.id)
    )
    url = f"{TASKS}/{task['id']}"
    changed = await api.patch(
        url, json={"status": "in_progress", "tag_ids": [tag["id"]]}, headers=team.contributor.headers
    )
    assert changed.status_code == 200, changed.text
    comment = await add_comment(api, team.contributor, task["id"], "Half done")
    assert (
        await api.patch(
            f"{COMMENTS}/{comment['id']}", json={"body": "Done"}, headers=team.contributor.headers
        )
    ).status_code == 200
    assert (await api.delete(f"{COMMENTS}/{comment['id']}", headers=team.manager.headers)).status_code == 204
    assert (await api.delete(url, headers=team.contributor.headers)).status_code == 204
    assert (await api.post(f"{url}/restore", headers=team.manager.headers)).status_code == 200

    by_key = await history_of(api, team.viewer.headers, task["key"])
    by_id = await history_of(api, team.viewer.headers, task["id"])

    assert by_key == by_id
    # The PATCH recorded two entries at one instant, in the order it recorded them.
    assert actions(by_key) == [
        "restored",
        "deleted",
        "comment_deleted",
        "comment_edited",
        "comment_added",
        "updated",
        "tags_changed",
        "created",
    ]
    entries = {entry["action"]: entry for entry in by_key["items"]}
    assert by_key["total"] == 8
    contributor = {"id": str(team.contributor.id), "full_name": await full_name_of(api, team.contributor)}
    assert entries["updated"]["actor"] == contributor
    assert entries["updated"]["changes"] == [{"field": "status", "from": "todo", "to": "in_progress"}]
    assert entries["tags_changed"]["changes"] == [{"field": "tags", "from": [], "to": ["backend"]}]
    assert entries["updated"]["at"] == entries["tags_changed"]["at"] == changed.json()["updated_at"]
    assert {"field": "assignee", "from": None, "to": contributor} in entries["created"]["changes"]
    assert entries["comment_edited"]["changes"] == [{"field": "comment", "from": "Half done", "to": "Done"}]
    assert all(entry["task_id"] == task["id"] for entry in by_key["items"])


async def test_a_refused_change_leaves_no_entry(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)
    url = f"{TASKS}/{task['id']}"
    assert (
        await api.patch(url, json={"status": "done"}, headers=team.contributor.headers)
    ).status_code == 200

    refusals = [
        await api.patch(url, json={"status": "blocked"}, headers=team.contributor.headers),  # done -> blocked
        await api.patch(url, json={"title": "Late"}, headers=if_match(team.contributor, 1)),  # stale
        await api.patch(url, json={"title": "Viewer"}, headers=team.viewer.headers),
    ]

    assert [response.status_code for response in refusals] == [422, 412, 403]
    assert actions(await history_of(api, team.viewer.headers, task["id"])) == ["updated", "created"]


async def test_a_tasks_history_is_for_those_who_see_the_task_and_outlives_its_deletion_for_managers(
    api: httpx.AsyncClient, team: Team
) -> None:
    task = await create_task(api, team.manager, team.project_id)
    url = f"{TASKS}/{task['id']}/history"
    unknown = assert_problem(await api.get(f"{TASKS}/{NOBODY}/history", headers=team.outsider.headers), 404)
    assert assert_problem(await api.get(url, headers=team.outsider.headers), 404) | {
        "instance": ""
    } == unknown | {"instance": ""}
    assert_problem(await api.get(f"{TASKS}/OPS-99/history", headers=team.viewer.headers), 404)
    assert (await api.get(url, headers=team.admin.headers)).status_code == 200

    assert (await api.delete(f"{TASKS}/{task['id']}", headers=team.contributor.headers)).status_code == 204

    for account in (team.manager, team.admin):
        assert actions(await history_of(api, account.headers, task["id"])) == ["deleted", "created"]
    for account in (team.contributor, team.viewer):
        assert_problem(await api.get(url, headers=account.headers), 404)


async def test_history_entries_cannot_be_changed_or_deleted(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)
    url = f"{TASKS}/{task['id']}/history"

    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert_problem(await api.request(method, url, json={}, headers=team.admin.headers), 405)
    assert actions(await history_of(api, team.admin.headers, task["id"])) == ["created"]


@on_every_backend
async def test_the_activity_feed_holds_every_tasks_entries_filtered_by_actor_action_and_instant(
    api: httpx.AsyncClient, team: Team, api_backend: str
) -> None:
    first = await create_task(api, team.manager, team.project_id, "First")
    second = await create_task(api, team.contributor, team.project_id, "Second")
    changed = await api.patch(
        f"{TASKS}/{second['id']}", json={"priority": "high"}, headers=team.manager.headers
    )
    await add_comment(api, team.contributor, first["id"])
    gone = await create_task(api, team.contributor, team.project_id, "Gone")
    assert (await api.delete(f"{TASKS}/{gone['id']}", headers=team.contributor.headers)).status_code == 204
    feed = f"{team.url}/activity"

    async def read(account_headers: dict[str, str], **params: Any) -> list[tuple[str, str]]:
        response = await api.get(feed, params=params, headers=account_headers)
        assert response.status_code == 200, response.text
        return [(entry["action"], entry["task_id"]) for entry in response.json()["items"]]

    everything = await read(team.viewer.headers)
    assert everything == [
        ("comment_added", first["id"]),
        ("updated", second["id"]),
        ("created", second["id"]),
        ("created", first["id"]),
    ]
    # Managers also see the entries of deleted tasks.
    assert await read(team.manager.headers) == [("deleted", gone["id"]), ("created", gone["id"]), *everything]
    assert await read(team.viewer.headers, actor_id=str(team.manager.id)) == [
        ("updated", second["id"]),
        ("created", first["id"]),
    ]
    assert await read(team.viewer.headers, action=["created", "comment_added"]) == [
        everything[0],
        *everything[2:],
    ]
    assert await read(team.viewer.headers, since=changed.json()["updated_at"]) == everything[:2]
    assert await read(team.viewer.headers, since="2999-01-01T00:00:00+00:00") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"action": "renamed"}, "action"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-12-01T09:00:00"}, "since"),
        ({"actor_id": "someone"}, "actor_id"),
        ({"limit": "0"}, "limit"),
    ],
    ids=["unknown action", "not an instant", "no offset from UTC", "actor not an id", "limit 0"],
)
async def test_a_bad_activity_filter_is_a_problem_naming_it(
    api: httpx.AsyncClient, team: Team, params: dict[str, str], field: str
) -> None:
    problem = assert_problem(
        await api.get(f"{team.url}/activity", params=params, headers=team.viewer.headers), 422
    )
    assert fields_at_fault(problem) == {field}


async def test_the_activity_feed_is_for_the_projects_members(api: httpx.AsyncClient, team: Team) -> None:
    await create_task(api, team.manager, team.project_id)

    assert_problem(await api.get(f"{team.url}/activity", headers=team.outsider.headers), 404)
    assert (await api.get(f"{team.url}/activity", headers=team.admin.headers)).json()["total"] == 1
