"""The webhook routes over HTTP: who may manage them, what they answer, the secret shown once."""

from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.http.conftest import (
    NOBODY,
    assert_problem,
    fields_at_fault,
    on_both_databases,
)
from tests.http.tracker import PROJECTS, Team, make_team

URL = "https://hooks.example.com/taskboard"


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


def webhooks_of(team: Team) -> str:
    return f"{PROJECTS}/{team.project_id}/webhooks"


async def create_webhook(api: httpx.AsyncClient, team: Team, **fields: Any) -> dict[str, Any]:
    body = {"url": URL, "events": ["task.created", "comment.created"], **fields}
    response = await api.post(webhooks_of(team), json=body, headers=team.manager.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@on_both_databases
async def test_a_manager_subscribes_and_sees_the_secret_once_then_masked(
    api: httpx.AsyncClient, team: Team
) -> None:
    response = await api.post(
        webhooks_of(team),
        json={"url": URL, "events": ["task.updated", "task.created", "task.updated"]},
        headers=team.manager.headers,
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{webhooks_of(team)}/{created['id']}"
    assert (created["url"], created["events"], created["active"]) == (
        URL,
        ["task.created", "task.updated"],
        True,
    )
    assert created["secret"].startswith("whsec_")
    assert len(created["secret"]) == len("whsec_") + 44
    masked = "whsec_********" + created["secret"][-4:]
    read = await api.get(f"{webhooks_of(team)}/{created['id']}", headers=team.manager.headers)
    listed = await api.get(webhooks_of(team), headers=team.manager.headers)
    assert read.json() == {**created, "secret": masked}
    assert listed.json() == [read.json()]
    assert created["secret"] not in read.text + listed.text


async def test_a_given_secret_is_kept_and_a_malformed_one_refused(api: httpx.AsyncClient, team: Team) -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert (await create_webhook(api, team, secret=secret))["secret"] == secret

    refused = await api.post(
        webhooks_of(team), json={"url": URL, "events": ["task.created"], "secret": "hunter2"},
        headers=team.manager.headers,
    )  # fmt: skip
    assert fields_at_fault(assert_problem(refused, 422)) == {"secret"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://hooks.example.com/x", "events": ["task.created"]}, "url"),
        ({"url": "https://hooks.example.com/x", "events": []}, "events"),
        ({"url": "https://hooks.example.com/x", "events": ["task.exploded"]}, "events[0]"),
        ({"url": "https://hooks.example.com/x", "events": ["task.created"], "id": "x"}, "id"),
    ],
    ids=["scheme", "no-events", "unknown-event", "unknown-field"],
)
async def test_a_bad_body_is_a_problem_naming_its_field(
    api: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    response = await api.post(webhooks_of(team), json=body, headers=team.manager.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}


@on_both_databases
async def test_only_managers_and_admins_manage_webhooks_and_outsiders_see_no_project(
    api: httpx.AsyncClient, team: Team
) -> None:
    webhook = await create_webhook(api, team)
    one = f"{webhooks_of(team)}/{webhook['id']}"
    body = {"url": URL, "events": ["task.created"]}

    for member in (team.contributor, team.viewer):
        assert_problem(await api.get(webhooks_of(team), headers=member.headers), 403)
        assert_problem(await api.get(one, headers=member.headers), 403)
        assert_problem(await api.post(webhooks_of(team), json=body, headers=member.headers), 403)
        assert_problem(await api.delete(one, headers=member.headers), 403)
    for request in (
        api.get(webhooks_of(team), headers=team.outsider.headers),
        api.get(one, headers=team.outsider.headers),
        api.patch(one, json={"active": False}, headers=team.outsider.headers),
        api.get(f"{one}/deliveries", headers=team.outsider.headers),
    ):
        assert_problem(await request, 404)
    assert (await api.get(one, headers=team.admin.headers)).status_code == 200


async def test_a_webhook_of_another_project_or_none_at_all_is_not_found(
    app: Litestar, api: httpx.AsyncClient, team: Team
) -> None:
    webhook = await create_webhook(api, team)
    other = await make_team(app, api, key="DEV")

    assert_problem(await api.get(f"{webhooks_of(other)}/{webhook['id']}", headers=team.admin.headers), 404)
    assert_problem(await api.get(f"{webhooks_of(team)}/{NOBODY}", headers=team.manager.headers), 404)
    assert_problem(
        await api.post(
            f"{webhooks_of(team)}/{webhook['id']}/deliveries/{NOBODY}/retry", headers=team.manager.headers
        ),
        404,
    )


async def test_a_webhook_is_changed_paused_and_deleted(api: httpx.AsyncClient, team: Team) -> None:
    webhook = await create_webhook(api, team)
    one = f"{webhooks_of(team)}/{webhook['id']}"
    new_secret = "whsec_" + "Q" * 32

    changed = await api.patch(
        one,
        json={
            "url": "https://other.example.com/in",
            "events": ["task.deleted"],
            "active": False,
            "secret": new_secret,
        },
        headers=team.manager.headers,
    )

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["url"], body["events"], body["active"]) == (
        "https://other.example.com/in",
        ["task.deleted"],
        False,
    )
    assert body["secret"] == "whsec_********QQQQ"
    assert body["updated_at"] > webhook["updated_at"]
    assert (await api.delete(one, headers=team.manager.headers)).status_code == 204
    assert_problem(await api.get(one, headers=team.manager.headers), 404)
    assert (await api.get(webhooks_of(team), headers=team.manager.headers)).json() == []


async def test_a_new_webhook_has_no_deliveries_and_a_page_says_so(api: httpx.AsyncClient, team: Team) -> None:
    webhook = await create_webhook(api, team)

    response = await api.get(
        f"{webhooks_of(team)}/{webhook['id']}/deliveries",
        params={"status": "failed"},
        headers=team.manager.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "total": 0, "offset": 0, "limit": 20, "next_cursor": None}
    bad = await api.get(
        f"{webhooks_of(team)}/{webhook['id']}/deliveries",
        params={"status": "lost"},
        headers=team.manager.headers,
    )
    assert fields_at_fault(assert_problem(bad, 422)) == {"status"}


async def test_an_idempotency_key_replays_the_creation_and_its_secret_to_its_caller(
    api: httpx.AsyncClient, team: Team
) -> None:
    headers = {**team.manager.headers, "Idempotency-Key": "create-hook-1"}
    body = {"url": URL, "events": ["task.created"]}

    first = await api.post(webhooks_of(team), json=body, headers=headers)
    again = await api.post(webhooks_of(team), json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len((await api.get(webhooks_of(team), headers=team.manager.headers)).json()) == 1
