"""Cursor paging over HTTP, alike on every list: GET /users, /projects, /tasks and /tasks/{id}/comments
take `cursor` beside `offset`, answer `next_cursor` and RFC 8288 `Link` headers, and refuse a cursor
they did not issue for the same query with a 400 problem naming `cursor`."""

from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.http.conftest import assert_problem, fields_at_fault, on_every_backend, register
from tests.http.tracker import (
    PROJECTS,
    TASKS,
    Team,
    add_comment,
    create_project,
    create_tag,
    create_task,
    ids,
    make_team,
)

USERS = "/api/v1/users"
LISTS = ["users", "projects", "tasks", "comments", "history", "activity"]


@dataclass(frozen=True, slots=True)
class Listing:
    """A list with more than a few pages of items: where it is, who reads it, with which query."""

    url: str
    headers: dict[str, str]
    query: dict[str, str]
    team: Team

    async def get(self, api: httpx.AsyncClient, **paging: Any) -> httpx.Response:
        return await api.get(self.url, params={**self.query, **paging}, headers=self.headers)

    async def page(self, api: httpx.AsyncClient, **paging: Any) -> tuple[dict[str, Any], httpx.Response]:
        response = await self.get(api, **paging)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body, response


@pytest.fixture(params=LISTS)
async def listing(request: pytest.FixtureRequest, app: Litestar, api: httpx.AsyncClient) -> Listing:
    """Each list with ties on its sort keys, so that only the id tells some items apart."""
    team = await make_team(app, api)
    name: str = request.param
    if name == "users":
        for _ in range(8):
            await register(app)
        return Listing(USERS, team.admin.headers, {"sort": "-full_name"}, team)
    if name == "projects":
        for n in range(9):
            await create_project(api, team.manager, name=f"Project {n % 3}")
        return Listing(PROJECTS, team.manager.headers, {"sort": "-name"}, team)
    if name == "tasks":
        for n in range(11):
            due = {} if n % 3 == 0 else {"due_date": f"2030-01-0{n % 4 + 1}"}
            priority = ["low", "high", "urgent"][n % 3]
            await create_task(api, team.manager, team.project_id, f"Task {n % 2}", priority=priority, **due)
        query = {"sort": "-priority,due_date", "project_id": team.project_id}
        return Listing(TASKS, team.viewer.headers, query, team)
    if name in ("history", "activity"):
        # Each change of title and tags records two entries at one instant: ties that only ids part.
        tags = [(await create_tag(api, team.manager, team.project_id, f"tag{n}"))["id"] for n in range(2)]
        tasks = [await create_task(api, team.manager, team.project_id, f"Task {n}") for n in range(2)]
        for n in range(5):
            for task in tasks:
                change = {"title": f"Title {n}", "tag_ids": tags[: n % 2 + 1]}
                response = await api.patch(
                    f"{TASKS}/{task['id']}", json=change, headers=team.contributor.headers
                )
                assert response.status_code == 200, response.text
        if name == "history":
            return Listing(f"{TASKS}/{tasks[0]['key']}/history", team.viewer.headers, {}, team)
        query = {"actor_id": str(team.contributor.id)}
        return Listing(f"{team.url}/activity", team.viewer.headers, query, team)
    task = await create_task(api, team.manager, team.project_id)
    for n in range(10):
        await add_comment(api, [team.manager, team.contributor][n % 2], task["id"], f"Comment {n}")
    return Listing(f"{TASKS}/{task['id']}/comments", team.viewer.headers, {}, team)


async def everything(api: httpx.AsyncClient, listing: Listing) -> list[str]:
    body, _response = await listing.page(api, limit=100)
    assert body["next_cursor"] is None
    return ids(body["items"])


@on_every_backend
async def test_a_walk_by_next_cursor_gives_the_list_in_order_each_item_once(
    api: httpx.AsyncClient, listing: Listing
) -> None:
    in_order = await everything(api, listing)
    walked: list[str] = []

    body, response = await listing.page(api, limit=3)
    while True:
        walked.extend(ids(body["items"]))
        assert body["total"] == len(in_order)
        assert body["limit"] == 3
        if body["next_cursor"] is None:
            break
        assert "next" in response.links
        body, response = await listing.page(api, limit=3, cursor=body["next_cursor"])
        assert body["offset"] is None
        assert "prev" not in response.links

    assert walked == in_order
    assert len(in_order) > 9
    assert "Link" not in response.headers


async def test_link_next_walks_by_cursor_after_a_cursor_page_keeping_the_query(
    api: httpx.AsyncClient, listing: Listing
) -> None:
    in_order = await everything(api, listing)
    first, _response = await listing.page(api, limit=4)
    body, response = await listing.page(api, limit=4, cursor=first["next_cursor"])
    walked = ids(first["items"]) + ids(body["items"])

    while "next" in response.links:
        link = httpx.URL(response.links["next"]["url"])
        assert link.path == listing.url
        assert {**listing.query, "limit": "4"}.items() <= dict(link.params).items()
        assert "offset" not in link.params
        response = await api.get(link, headers=listing.headers)
        assert response.status_code == 200, response.text
        assert response.json()["offset"] is None
        walked.extend(ids(response.json()["items"]))

    assert walked == in_order
    assert response.json()["next_cursor"] is None


async def test_link_next_and_prev_walk_by_offset_after_an_offset_page(
    api: httpx.AsyncClient, listing: Listing
) -> None:
    in_order = await everything(api, listing)
    body, response = await listing.page(api, limit=4)
    assert "prev" not in response.links
    walked, offsets = ids(body["items"]), [0]

    while "next" in response.links:
        link = httpx.URL(response.links["next"]["url"])
        assert "cursor" not in link.params
        response = await api.get(link, headers=listing.headers)
        body = response.json()
        walked.extend(ids(body["items"]))
        offsets.append(body["offset"])
        prev = httpx.URL(response.links["prev"]["url"])
        assert (prev.path, prev.params["offset"], prev.params["limit"]) == (
            listing.url,
            str(offsets[-2]),
            "4",
        )
        # An offset page has a next_cursor too: a client may switch to cursors at any page.
        assert (body["next_cursor"] is None) == ("next" not in response.links)

    assert walked == in_order
    assert offsets == list(range(0, len(in_order), 4))


async def test_a_page_at_an_offset_tells_where_the_previous_page_starts(
    api: httpx.AsyncClient, listing: Listing
) -> None:
    _body, response = await listing.page(api, offset=2, limit=4)

    assert httpx.URL(response.links["prev"]["url"]).params["offset"] == "0"
    assert httpx.URL(response.links["next"]["url"]).params["offset"] == "6"


async def test_a_cursor_works_with_another_page_size(api: httpx.AsyncClient, listing: Listing) -> None:
    in_order = await everything(api, listing)
    first, _response = await listing.page(api, limit=2)

    rest, _response = await listing.page(api, limit=100, cursor=first["next_cursor"])

    assert ids(first["items"]) + ids(rest["items"]) == in_order


def flipped(cursor: str, position: int) -> str:
    replacement = "A" if cursor[position] != "A" else "B"
    return cursor[:position] + replacement + cursor[position + 1 :]


async def test_a_cursor_this_service_did_not_issue_is_a_400_naming_cursor(
    api: httpx.AsyncClient, listing: Listing
) -> None:
    first, _response = await listing.page(api, limit=2)
    cursor = first["next_cursor"]

    for bad in ("", "garbage!", "AAAA", flipped(cursor, 0), flipped(cursor, len(cursor) // 2), cursor[:-2]):
        problem = assert_problem(await listing.get(api, cursor=bad), 400)
        assert fields_at_fault(problem) == {"cursor"}, bad
        assert problem["errors"][0]["source"] == "query"


async def test_a_cursor_beside_an_offset_is_a_400_naming_both(
    api: httpx.AsyncClient, listing: Listing
) -> None:
    first, _response = await listing.page(api, limit=2)

    problem = assert_problem(await listing.get(api, cursor=first["next_cursor"], offset=2), 400)

    assert fields_at_fault(problem) == {"cursor", "offset"}


async def test_a_cursor_beside_the_default_offset_reads_the_page_after_it(
    api: httpx.AsyncClient, listing: Listing
) -> None:
    # Clients generated from the document send every parameter's default, `offset=0` included.
    first, _response = await listing.page(api, limit=2)
    by_cursor, _response = await listing.page(api, cursor=first["next_cursor"], limit=2)

    beside_zero, _response = await listing.page(api, cursor=first["next_cursor"], offset=0, limit=2)

    assert beside_zero == by_cursor


def other_queries(listing: Listing) -> list[dict[str, str]]:
    """Queries of the same list that are not the listing's own: another sort, another filter."""
    if listing.url == USERS:
        return [{"sort": "email"}, {**listing.query, "role": "member"}, {}]
    if listing.url == PROJECTS:
        return [{"sort": "name"}, {**listing.query, "q": "project"}, {}]
    if listing.url == TASKS:
        return [
            {**listing.query, "sort": "-priority"},
            {**listing.query, "status": "todo"},
            {"sort": "-priority,due_date"},
        ]
    return [{"extra": "1"}]


async def test_a_cursor_from_another_sort_or_filter_of_the_list_is_a_400(
    api: httpx.AsyncClient, listing: Listing
) -> None:
    first, _response = await listing.page(api, limit=2)

    for query in other_queries(listing):
        problem = assert_problem(
            await replace(listing, query=query).get(api, cursor=first["next_cursor"]), 400
        )
        assert fields_at_fault(problem) == {"cursor"}, query
        assert "another list, filter or sort" in problem["detail"]


async def test_a_cursor_from_another_list_is_a_400(api: httpx.AsyncClient, listing: Listing) -> None:
    first, _response = await listing.page(api, limit=2)
    team = listing.team
    other_task = await create_task(api, team.manager, team.project_id, "Another")
    elsewhere = [
        replace(
            listing, url=url, headers=team.admin.headers, query=listing.query if url == listing.url else {}
        )
        for url in (USERS, PROJECTS, TASKS, f"{TASKS}/{other_task['id']}/comments")
        if url != listing.url
    ]

    for other in elsewhere:
        problem = assert_problem(await other.get(api, cursor=first["next_cursor"]), 400)
        assert fields_at_fault(problem) == {"cursor"}, other.url


async def test_repeated_filters_are_kept_in_links_and_bind_the_cursor_in_any_order(
    api: httpx.AsyncClient, app: Litestar
) -> None:
    team = await make_team(app, api)
    for n in range(5):
        task = await create_task(api, team.manager, team.project_id, f"Task {n}")
        if n % 2:
            await api.patch(
                f"{TASKS}/{task['id']}", json={"status": "in_progress"}, headers=team.manager.headers
            )
    query = httpx.QueryParams([("status", "todo"), ("status", "in_progress"), ("limit", "2")])

    response = await api.get(TASKS, params=query, headers=team.viewer.headers)
    link = httpx.URL(response.links["next"]["url"])
    swapped = [("status", "in_progress"), ("status", "todo"), ("cursor", response.json()["next_cursor"])]
    after = await api.get(TASKS, params=swapped, headers=team.viewer.headers)

    assert link.params.get_list("status") == ["todo", "in_progress"]
    assert after.status_code == 200, after.text
    assert len(response.json()["items"]) + len(after.json()["items"]) == 5
