"""Idempotency-Key over HTTP: a repeat is answered with the first response and changes nothing.

One case per POST route family (users, projects, tags, tasks, comments, restores); the rules around
them (another body, another caller, a failed first try, expiry, bad keys) on tasks; and fifty
simultaneous creates with one key on both databases.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.idempotency import KEY_LIFETIME
from adapters.persistence.sqlalchemy.models import IdempotencyKeyModel
from tests.factories import UserCreateFactory
from tests.http.conftest import Account, assert_problem, fields_at_fault, on_both_databases
from tests.http.tracker import PROJECTS, TASKS, Team, create_task, list_tasks, make_team, read_task

KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
A_DAY_AND_A_SECOND = timedelta(hours=24, seconds=1)


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


def keyed(account: Account, key: str) -> dict[str, str]:
    return {**account.headers, KEY: key}


@dataclass(frozen=True, slots=True)
class Post:
    """A POST to repeat, and how many of what it makes there are (to see it made one)."""

    path: str
    body: dict[str, Any] | None
    caller: Account
    made: Callable[[], Awaitable[int]]


async def total(api: httpx.AsyncClient, account: Account, path: str) -> int:
    response = await api.get(path, headers=account.headers, params={"limit": 100})
    assert response.status_code == 200, response.text
    body = response.json()
    return len(body) if isinstance(body, list) else int(body["total"])


async def user_post(api: httpx.AsyncClient, team: Team) -> Post:
    body = UserCreateFactory.build()
    user = {"email": body.email, "full_name": body.full_name, "password": body.password, "role": "member"}
    return Post("/api/v1/users", user, team.admin, lambda: total(api, team.admin, "/api/v1/users"))


async def project_post(api: httpx.AsyncClient, team: Team) -> Post:
    return Post(PROJECTS, {"key": "WEB", "name": "Web"}, team.admin, lambda: total(api, team.admin, PROJECTS))


async def tag_post(api: httpx.AsyncClient, team: Team) -> Post:
    tags = f"{team.url}/tags"
    return Post(
        tags, {"name": "urgent", "color": "#ff0000"}, team.manager, lambda: total(api, team.manager, tags)
    )


async def task_post(api: httpx.AsyncClient, team: Team) -> Post:
    body = {"project_id": team.project_id, "title": "Rotate the certificates"}
    return Post(
        TASKS,
        body,
        team.contributor,
        lambda: total(api, team.contributor, f"{TASKS}?project_id={team.project_id}"),
    )


async def comment_post(api: httpx.AsyncClient, team: Team) -> Post:
    comments = f"{TASKS}/{(await create_task(api, team.manager, team.project_id))['id']}/comments"
    return Post(
        comments, {"body": "Done on staging."}, team.contributor, lambda: total(api, team.manager, comments)
    )


async def restore_post(api: httpx.AsyncClient, team: Team) -> Post:
    """Restoring twice changes nothing anyway; what it "makes" here is a live task, and between the
    two tries the task is deleted again: a replay leaves it deleted."""
    task = await create_task(api, team.manager, team.project_id)
    deleted = await api.delete(f"{TASKS}/{task['id']}", headers=team.manager.headers)
    assert deleted.status_code == 204

    async def live_tasks() -> int:
        return int((await list_tasks(api, team.manager))["total"])

    return Post(f"{TASKS}/{task['id']}/restore", None, team.manager, live_tasks)


ROUTE_FAMILIES = {
    "users": user_post,
    "projects": project_post,
    "tags": tag_post,
    "tasks": task_post,
    "comments": comment_post,
    "restore": restore_post,
}


@pytest.mark.parametrize("family", ROUTE_FAMILIES)
async def test_a_repeat_gets_the_first_answer_byte_for_byte_and_changes_nothing_again(
    api: httpx.AsyncClient, team: Team, family: str
) -> None:
    post = await ROUTE_FAMILIES[family](api, team)
    before = await post.made()

    first = await api.post(post.path, json=post.body, headers=keyed(post.caller, "key-1"))
    assert first.status_code in (200, 201), first.text
    assert REPLAYED not in first.headers
    assert await post.made() == before + 1
    if family == "restore":
        deleted = await api.delete(post.path.removesuffix("/restore"), headers=post.caller.headers)
        assert deleted.status_code == 204
    repeat = await api.post(post.path, json=post.body, headers=keyed(post.caller, "key-1"))

    assert repeat.status_code == first.status_code
    assert repeat.content == first.content
    assert repeat.headers["content-type"] == first.headers["content-type"]
    for header in ("ETag", "Location"):
        assert repeat.headers.get(header) == first.headers.get(header)
    assert repeat.headers[REPLAYED] == "true"
    assert await post.made() == before + (0 if family == "restore" else 1)


async def test_the_stored_answer_is_replayed_even_after_the_object_changed(
    api: httpx.AsyncClient, team: Team
) -> None:
    body = {"project_id": team.project_id, "title": "First title"}
    first = await api.post(TASKS, json=body, headers=keyed(team.manager, "k"))
    changed = await api.patch(
        f"{TASKS}/{first.json()['id']}", json={"title": "Second title"}, headers=team.manager.headers
    )
    assert changed.status_code == 200

    repeat = await api.post(TASKS, json=body, headers=keyed(team.manager, "k"))

    assert repeat.json()["title"] == "First title"
    assert repeat.headers["ETag"] == first.headers["ETag"]


async def test_a_used_key_with_another_body_is_a_422_naming_the_header_and_changes_nothing(
    api: httpx.AsyncClient, team: Team
) -> None:
    body = {"project_id": team.project_id, "title": "One"}
    assert (await api.post(TASKS, json=body, headers=keyed(team.manager, "k"))).status_code == 201

    other = await api.post(TASKS, json={**body, "title": "Two"}, headers=keyed(team.manager, "k"))

    assert fields_at_fault(assert_problem(other, 422)) == {KEY}
    assert [task["title"] for task in (await list_tasks(api, team.manager))["items"]] == ["One"]


async def test_keys_are_each_callers_own(api: httpx.AsyncClient, team: Team) -> None:
    body = {"project_id": team.project_id, "title": "Same words"}

    mine = await api.post(TASKS, json=body, headers=keyed(team.manager, "k"))
    theirs = await api.post(TASKS, json=body, headers=keyed(team.contributor, "k"))

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert REPLAYED not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]


async def test_a_failed_first_try_keeps_no_key_and_the_next_try_runs(
    api: httpx.AsyncClient, team: Team
) -> None:
    refused = await api.post(
        TASKS, json={"project_id": team.project_id, "title": "T"}, headers=keyed(team.viewer, "k")
    )
    assert_problem(refused, 403)
    body = {"project_id": team.project_id, "title": "T", "assignee_id": str(team.outsider.id)}
    assert_problem(await api.post(TASKS, json=body, headers=keyed(team.manager, "k")), 422)

    # The key stands for nothing yet: with a body that works, it runs.
    created = await api.post(TASKS, json={**body, "assignee_id": None}, headers=keyed(team.manager, "k"))

    assert created.status_code == 201, created.text
    assert REPLAYED not in created.headers


async def test_a_key_past_its_24_hours_runs_again(
    api: httpx.AsyncClient, team: Team, api_database: tuple[str, AsyncEngine | None]
) -> None:
    _, engine = api_database
    assert engine is not None
    body = {"project_id": team.project_id, "title": "Daily check"}
    first = await api.post(TASKS, json=body, headers=keyed(team.manager, "daily"))
    async with engine.begin() as connection:  # a day and a bit later, as the stored row sees it
        a_day_ago = datetime.now(UTC) - A_DAY_AND_A_SECOND
        await connection.execute(
            update(IdempotencyKeyModel).values(created_at=a_day_ago, expires_at=a_day_ago + KEY_LIFETIME)
        )

    again = await api.post(TASKS, json=body, headers=keyed(team.manager, "daily"))

    assert again.status_code == 201
    assert REPLAYED not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert (await list_tasks(api, team.manager))["total"] == 2


@pytest.mark.parametrize(
    "key",
    [b"", b"k" * 256, b"with space", b"tab\there", "é".encode()],
    ids=["empty", "256 characters", "space", "tab", "not ASCII"],
)
async def test_a_key_that_is_not_1_to_255_visible_ascii_characters_is_refused_by_name(
    api: httpx.AsyncClient, team: Team, key: bytes
) -> None:
    # As bytes: httpx refuses to encode a str header value that is not ASCII.
    headers = {name.encode(): value.encode() for name, value in team.manager.headers.items()} | {
        KEY.encode(): key
    }

    refused = await api.post(TASKS, json={"project_id": team.project_id, "title": "T"}, headers=headers)

    assert fields_at_fault(assert_problem(refused, 422)) == {KEY}
    assert (await list_tasks(api, team.manager))["total"] == 0


@on_both_databases
async def test_fifty_simultaneous_creates_with_one_key_make_one_task(
    api: httpx.AsyncClient, team: Team
) -> None:
    body = {"project_id": team.project_id, "title": "Only once"}

    responses = await asyncio.gather(
        *(api.post(TASKS, json=body, headers=keyed(team.manager, "once")) for _ in range(50))
    )

    listed = await list_tasks(api, team.manager)
    assert listed["total"] == 1
    [task] = listed["items"]
    answered = [response for response in responses if response.status_code == 201]
    # The first ran; every other was replayed from it or, while it still ran, refused with 409.
    assert [REPLAYED in response.headers for response in answered].count(False) == 1
    assert {response.json()["id"] for response in answered} == {task["id"]}
    for response in responses:
        if response.status_code != 201:
            assert fields_at_fault(assert_problem(response, 409)) == {KEY}
    assert (await read_task(api, team.manager, task["key"]))["title"] == "Only once"
