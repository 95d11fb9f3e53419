"""POST /api/v1/tasks/bulk over HTTP: all or none, or each task on its own with its result; the
body's refusals; Idempotency-Key (the per-task rules: tests/unit/tasks/test_bulk_update_tasks.py)."""

from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.ids import new_id
from tests.http.conftest import assert_problem, fields_at_fault, on_every_backend
from tests.http.tracker import TASKS, Team, create_project, create_task, make_team, read_task, set_member

BULK = f"{TASKS}/bulk"


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


async def history_actions(api: httpx.AsyncClient, team: Team, task_id: str) -> list[str]:
    response = await api.get(f"{TASKS}/{task_id}/history", headers=team.manager.headers)
    assert response.status_code == 200, response.text
    return [entry["action"] for entry in response.json()["items"]]


@on_every_backend
async def test_an_atomic_change_changes_every_task_and_answers_each_in_order(
    api: httpx.AsyncClient, team: Team, api_backend: str
) -> None:
    tasks = [await create_task(api, team.manager, team.project_id, f"Task {n}") for n in range(3)]
    ids = [task["id"] for task in reversed(tasks)]
    body = {
        "task_ids": ids,
        "changes": {
            "status": "in_progress",
            "assignee_id": str(team.contributor.id),
            "due_date": "2030-06-30",
        },
        "atomic": True,
    }

    response = await api.post(BULK, json=body, headers=team.manager.headers)

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(result["task_id"], result["status"], set(result)) for result in results] == [
        (task_id, 200, {"task_id", "status", "task"}) for task_id in ids
    ]
    for result in results:
        task = result["task"]
        assert (task["status"], task["assignee"]["id"], task["due_date"], task["version"]) == (
            "in_progress",
            str(team.contributor.id),
            "2030-06-30",
            2,
        )
        assert await read_task(api, team.manager, task["id"]) == task | {"latest_comments": []}
        assert await history_actions(api, team, task["id"]) == ["updated", "created"]
    # The new assignee watches every task now.
    watched = await api.get(TASKS, params={"watched_by": "me"}, headers=team.contributor.headers)
    assert sorted(item["id"] for item in watched.json()["items"]) == sorted(ids)


@on_every_backend
async def test_an_atomic_change_that_fails_on_one_task_changes_none_and_names_it(
    api: httpx.AsyncClient, team: Team, api_backend: str
) -> None:
    mine = await create_task(api, team.manager, team.project_id, "Mine")
    watched_only = await create_project(api, team.manager)
    await set_member(api, team.manager, watched_only["id"], team.contributor, "viewer")
    not_mine = await create_task(api, team.manager, watched_only["id"], "Not mine")
    body = {"task_ids": [mine["id"], not_mine["id"]], "changes": {"priority": "urgent"}, "atomic": True}

    problem = assert_problem(await api.post(BULK, json=body, headers=team.contributor.headers), 403)

    assert fields_at_fault(problem) == {"task_ids[1]"}
    assert not_mine["id"] in problem["detail"]
    assert (await read_task(api, team.manager, mine["id"]))["priority"] == "medium"
    assert await history_actions(api, team, mine["id"]) == ["created"]


@on_every_backend
async def test_a_change_that_is_not_atomic_answers_200_with_each_tasks_own_outcome(
    api: httpx.AsyncClient, team: Team, api_backend: str
) -> None:
    todo = await create_task(api, team.manager, team.project_id, "Todo")
    done = await create_task(api, team.manager, team.project_id, "Done")
    assert (
        await api.patch(f"{TASKS}/{done['id']}", json={"status": "done"}, headers=team.manager.headers)
    ).status_code == 200
    outsiders = await create_project(api, team.outsider)
    hidden = await create_task(api, team.outsider, outsiders["id"], "Hidden")
    unknown = str(new_id())
    body = {
        "task_ids": [hidden["id"], todo["id"], done["id"], unknown],
        "changes": {"status": "blocked"},
        "atomic": False,
    }

    response = await api.post(BULK, json=body, headers=team.contributor.headers)

    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    assert [(result["task_id"], result["status"]) for result in results] == [
        (hidden["id"], 404),
        (todo["id"], 200),
        (done["id"], 422),
        (unknown, 404),
    ]
    # A task the caller may not see reads exactly as one that does not exist.
    assert results[0]["problem"] == results[3]["problem"]
    refused = results[2]["problem"]
    assert (refused["status"], refused["title"], refused["instance"]) == (422, "Unprocessable Entity", BULK)
    assert refused["errors"] == [{"field": "status", "message": refused["detail"], "source": "body"}]
    assert "task" not in refused
    assert results[1]["task"]["status"] == "blocked"
    assert (await read_task(api, team.manager, done["id"]))["status"] == "done"
    assert await history_actions(api, team, todo["id"]) == ["updated", "created"]
    assert await history_actions(api, team, done["id"]) == ["updated", "created"]  # its own PATCH only


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"task_ids": [], "changes": {"priority": "low"}, "atomic": True}, "task_ids"),
        ({"task_ids": ["TWICE", "TWICE"], "changes": {"priority": "low"}, "atomic": True}, "task_ids"),
        ({"task_ids": ["MANY"], "changes": {"priority": "low"}, "atomic": True}, "task_ids"),
        ({"task_ids": ["ONE"], "changes": {}, "atomic": True}, "changes"),
        ({"task_ids": ["ONE"], "changes": {"title": "All the same"}, "atomic": True}, "title"),
        ({"task_ids": ["ONE"], "changes": {"priority": "low"}}, "atomic"),
        ({"task_ids": ["ONE"], "changes": {"status": "finished"}, "atomic": False}, "changes.status"),
    ],
    ids=[
        "no tasks",
        "a task twice",
        "101 tasks",
        "no change",
        "title is no bulk change",
        "atomic missing",
        "bad status",
    ],
)
async def test_a_bulk_body_that_breaks_a_rule_is_a_422_naming_the_field(
    api: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    task = await create_task(api, team.manager, team.project_id)
    ids = {"TWICE": task["id"], "ONE": task["id"]}
    body = body | {"task_ids": [ids.get(task_id, task_id) for task_id in body["task_ids"]]}
    if body["task_ids"] == ["MANY"]:
        body["task_ids"] = [str(new_id()) for _ in range(101)]

    problem = assert_problem(await api.post(BULK, json=body, headers=team.manager.headers), 422)

    assert field in fields_at_fault(problem) or any(field in fault for fault in fields_at_fault(problem)), (
        problem
    )
    assert (await read_task(api, team.manager, task["id"]))["version"] == 1


async def test_a_bulk_change_sent_again_with_its_idempotency_key_is_answered_from_the_first(
    api: httpx.AsyncClient, team: Team
) -> None:
    task = await create_task(api, team.manager, team.project_id)
    body = {"task_ids": [task["id"]], "changes": {"priority": "high"}, "atomic": False}
    headers = team.manager.headers | {"Idempotency-Key": "bulk-1"}

    first = await api.post(BULK, json=body, headers=headers)
    again = await api.post(BULK, json=body, headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (await read_task(api, team.manager, task["id"]))["version"] == 2
    assert await history_actions(api, team, task["id"]) == ["updated", "created"]
