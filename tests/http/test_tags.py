"""A project's tags over HTTP: who may create, rename, recolour and delete them, and what that does."""

from typing import Any
from uuid import uuid4

import httpx
import pytest
from litestar import Litestar

from tests.http.conftest import assert_problem, fields_at_fault, on_both_databases
from tests.http.tracker import (
    TASKS,
    Team,
    create_project,
    create_tag,
    create_task,
    make_team,
    read_task,
    same_problem,
)

TAG_FIELDS = {"id", "project_id", "name", "color", "created_at", "updated_at"}


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


async def tag_names(api: httpx.AsyncClient, team: Team) -> list[str]:
    response = await api.get(f"{team.url}/tags", headers=team.viewer.headers)
    assert response.status_code == 200, response.text
    return [tag["name"] for tag in response.json()]


@on_both_databases
async def test_writers_create_tags_that_everyone_in_the_project_lists_by_name(
    api: httpx.AsyncClient, team: Team
) -> None:
    response = await api.post(
        f"{team.url}/tags", json={"name": " urgent ", "color": "#FF0000"}, headers=team.contributor.headers
    )
    await create_tag(api, team.manager, team.project_id, "backend")
    await create_tag(api, team.admin, team.project_id, "frontend", "#00ff00")

    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == TAG_FIELDS
    assert (created["name"], created["color"], created["project_id"]) == (
        "urgent",
        "#ff0000",
        team.project_id,
    )
    listed = (await api.get(f"{team.url}/tags", headers=team.viewer.headers)).json()
    assert [tag["name"] for tag in listed] == ["backend", "frontend", "urgent"]
    assert listed[2] == created


async def test_a_tag_without_a_colour_is_grey(api: httpx.AsyncClient, team: Team) -> None:
    response = await api.post(f"{team.url}/tags", json={"name": "later"}, headers=team.manager.headers)

    assert response.json()["color"] == "#808080"


@on_both_databases
async def test_tag_names_are_unique_per_project_ignoring_case(api: httpx.AsyncClient, team: Team) -> None:
    await create_tag(api, team.manager, team.project_id, "Backend")
    elsewhere = await create_project(api, team.manager)

    duplicate = await api.post(f"{team.url}/tags", json={"name": "BACKEND"}, headers=team.manager.headers)
    other_project = await api.post(
        f"/api/v1/projects/{elsewhere['id']}/tags", json={"name": "backend"}, headers=team.manager.headers
    )

    assert fields_at_fault(assert_problem(duplicate, 409)) == {"name"}
    assert other_project.status_code == 201
    assert await tag_names(api, team) == ["Backend"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"name": "ok", "color": "red"}, "color"),
        ({"name": "ok", "color": "#12345"}, "color"),
        ({"name": "ok", "project_id": str(uuid4())}, "project_id"),
    ],
)
async def test_invalid_tag_is_a_422_naming_the_field(
    api: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    response = await api.post(f"{team.url}/tags", json=body, headers=team.manager.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}
    assert await tag_names(api, team) == []


@on_both_databases
async def test_contributor_renames_and_recolours_a_tag(api: httpx.AsyncClient, team: Team) -> None:
    tag = await create_tag(api, team.manager, team.project_id, "backend")
    url = f"{team.url}/tags/{tag['id']}"

    renamed = await api.patch(url, json={"name": "server"}, headers=team.contributor.headers)
    recoloured = await api.patch(url, json={"color": "#ABCDEF"}, headers=team.contributor.headers)

    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["color"]) == ("server", "#808080")
    assert (recoloured.json()["name"], recoloured.json()["color"]) == ("server", "#abcdef")
    assert recoloured.json()["created_at"] == tag["created_at"]
    assert await tag_names(api, team) == ["server"]


async def test_a_tag_may_change_the_case_of_its_own_name_but_not_take_anothers(
    api: httpx.AsyncClient, team: Team
) -> None:
    backend = await create_tag(api, team.manager, team.project_id, "backend")
    await create_tag(api, team.manager, team.project_id, "frontend")
    url = f"{team.url}/tags/{backend['id']}"

    recased = await api.patch(url, json={"name": "Backend"}, headers=team.manager.headers)
    taken = await api.patch(url, json={"name": "FRONTEND"}, headers=team.manager.headers)

    assert recased.status_code == 200
    assert fields_at_fault(assert_problem(taken, 409)) == {"name"}
    assert await tag_names(api, team) == ["Backend", "frontend"]


async def test_tag_update_refuses_unknown_fields(api: httpx.AsyncClient, team: Team) -> None:
    tag = await create_tag(api, team.manager, team.project_id, "backend")

    response = await api.patch(
        f"{team.url}/tags/{tag['id']}", json={"name": "x", "version": 2}, headers=team.manager.headers
    )

    assert fields_at_fault(assert_problem(response, 422)) == {"version"}
    assert await tag_names(api, team) == ["backend"]


@on_both_databases
async def test_deleting_a_tag_takes_it_off_every_task(api: httpx.AsyncClient, team: Team) -> None:
    backend = await create_tag(api, team.manager, team.project_id, "backend")
    frontend = await create_tag(api, team.manager, team.project_id, "frontend")
    task = await create_task(api, team.manager, team.project_id, tag_ids=[backend["id"], frontend["id"]])

    response = await api.delete(f"{team.url}/tags/{backend['id']}", headers=team.contributor.headers)

    assert response.status_code == 204
    assert await tag_names(api, team) == ["frontend"]
    after = await read_task(api, team.manager, task["id"])
    assert [tag["name"] for tag in after["tags"]] == ["frontend"]
    by_tag = await api.get(TASKS, params={"tag": "backend"}, headers=team.manager.headers)
    assert by_tag.json()["total"] == 0


async def test_viewer_lists_tags_but_cannot_change_them(api: httpx.AsyncClient, team: Team) -> None:
    tag = await create_tag(api, team.manager, team.project_id, "backend")
    url = f"{team.url}/tags/{tag['id']}"

    assert_problem(
        await api.post(f"{team.url}/tags", json={"name": "mine"}, headers=team.viewer.headers), 403
    )
    assert_problem(await api.patch(url, json={"name": "mine"}, headers=team.viewer.headers), 403)
    assert_problem(await api.delete(url, headers=team.viewer.headers), 403)

    assert await tag_names(api, team) == ["backend"]


async def test_outsider_cannot_tell_a_tag_from_a_missing_one(api: httpx.AsyncClient, team: Team) -> None:
    tag = await create_tag(api, team.manager, team.project_id, "backend")
    real = f"{team.url}/tags/{tag['id']}"
    missing = f"/api/v1/projects/{uuid4()}/tags/{uuid4()}"
    headers = team.outsider.headers

    same_problem(
        await api.patch(real, json={"name": "mine"}, headers=headers),
        await api.patch(missing, json={"name": "mine"}, headers=headers),
        404,
    )
    same_problem(await api.delete(real, headers=headers), await api.delete(missing, headers=headers), 404)
    same_problem(
        await api.get(f"{team.url}/tags", headers=headers),
        await api.get(f"/api/v1/projects/{uuid4()}/tags", headers=headers),
        404,
    )
    assert await tag_names(api, team) == ["backend"]


async def test_a_tag_is_reached_only_through_its_own_project(api: httpx.AsyncClient, team: Team) -> None:
    tag = await create_tag(api, team.manager, team.project_id, "backend")
    other = await create_project(api, team.manager)
    wrong = f"/api/v1/projects/{other['id']}/tags/{tag['id']}"

    assert_problem(await api.patch(wrong, json={"name": "moved"}, headers=team.manager.headers), 404)
    assert_problem(await api.delete(wrong, headers=team.manager.headers), 404)
    assert_problem(await api.delete(f"{team.url}/tags/{uuid4()}", headers=team.manager.headers), 404)
    assert await tag_names(api, team) == ["backend"]
