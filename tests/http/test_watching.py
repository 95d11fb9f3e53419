"""Watching tasks over HTTP: PUT and DELETE /tasks/{id}/watchers/me, `watched_by=me`, and
`watching` on every task the caller reads."""

import httpx
import pytest
from litestar import Litestar

from tests.http.conftest import NOBODY, assert_problem, fields_at_fault, on_every_backend
from tests.http.tracker import TASKS, Team, create_task, list_tasks, make_team, read_task


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


def watched_ids(page: dict[str, object]) -> list[str]:
    items = page["items"]
    assert isinstance(items, list)
    return [item["id"] for item in items]


@on_every_backend
async def test_reporter_and_assignee_watch_and_anyone_who_sees_the_task_may_start_or_stop(
    api: httpx.AsyncClient, team: Team, api_backend: str
) -> None:
    task = await create_task(api, team.manager, team.project_id, assignee_id=str(team.contributor.id))
    other = await create_task(api, team.contributor, team.project_id, "Other")
    url = f"{TASKS}/{task['id']}/watchers/me"

    assert task["watching"] is True
    assert watched_ids(await list_tasks(api, team.contributor, {"watched_by": "me"})) == [
        task["id"],
        other["id"],
    ]
    assert watched_ids(await list_tasks(api, team.viewer, {"watched_by": "me"})) == []

    for _ in range(2):  # a second PUT changes nothing
        response = await api.put(url, headers=team.viewer.headers)
        assert (response.status_code, response.content) == (204, b"")
    assert watched_ids(await list_tasks(api, team.viewer, {"watched_by": "me"})) == [task["id"]]
    assert (await read_task(api, team.viewer, task["id"]))["watching"] is True
    listed = await list_tasks(api, team.viewer)
    assert [(item["id"], item["watching"]) for item in listed["items"]] == [
        (task["id"], True),
        (other["id"], False),
    ]

    for _ in range(2):
        assert (await api.delete(url, headers=team.viewer.headers)).status_code == 204
    assert (await read_task(api, team.viewer, task["id"]))["watching"] is False
    assert (await list_tasks(api, team.viewer, {"watched_by": "me"}))["total"] == 0
    # Watching is no change of the task.
    assert (await read_task(api, team.manager, task["id"]))["version"] == 1


async def test_a_task_one_cannot_see_cannot_be_watched(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)
    url = f"{TASKS}/{task['id']}/watchers/me"

    assert_problem(await api.put(url, headers=team.outsider.headers), 404)
    assert_problem(await api.put(f"{TASKS}/{NOBODY}/watchers/me", headers=team.viewer.headers), 404)
    assert (await api.delete(f"{TASKS}/{task['id']}", headers=team.manager.headers)).status_code == 204
    assert_problem(await api.put(url, headers=team.manager.headers), 404)


async def test_watched_by_takes_only_me(api: httpx.AsyncClient, team: Team) -> None:
    problem = assert_problem(
        await api.get(TASKS, params={"watched_by": str(team.manager.id)}, headers=team.manager.headers), 422
    )
    assert fields_at_fault(problem) == {"watched_by"}
