"""Tasks over HTTP: create, read by id or key, every list filter and sort, partial updates, soft delete."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from litestar import Litestar

from tests.http.conftest import NOBODY, Account, assert_problem, fields_at_fault, on_both_databases
from tests.http.tracker import (
    COMMENTS,
    PROJECTS,
    TASKS,
    Team,
    add_comment,
    create_project,
    create_tag,
    create_task,
    full_name_of,
    ids,
    if_match,
    list_tasks,
    make_team,
    read_task,
    same_problem,
)

TASK_FIELDS = {
    "id",
    "key",
    "project",
    "title",
    "description",
    "status",
    "priority",
    "assignee",
    "reporter",
    "due_date",
    "completed_at",
    "tags",
    "comment_count",
    "watching",
    "is_deleted",
    "created_at",
    "updated_at",
    "version",
}


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


async def patch_task(
    api: httpx.AsyncClient, account: Account, task_id: str, **changes: Any
) -> dict[str, Any]:
    response = await api.patch(f"{TASKS}/{task_id}", json=changes, headers=account.headers)
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()
    return task


# --- create ---------------------------------------------------------------------------------------


@on_both_databases
async def test_contributor_creates_a_task_that_embeds_its_project_people_and_tags(
    api: httpx.AsyncClient, team: Team
) -> None:
    backend = await create_tag(api, team.manager, team.project_id, "backend", "#112233")
    body = {
        "project_id": team.project_id,
        "title": "  Rotate the TLS certificates ",
        "description": "Before they expire",
        "priority": "high",
        "assignee_id": str(team.viewer.id),
        "due_date": "2030-01-10",
        "tag_ids": [backend["id"]],
    }

    response = await api.post(TASKS, json=body, headers=team.contributor.headers)

    assert response.status_code == 201, response.text
    task = response.json()
    assert set(task) == TASK_FIELDS
    assert task["key"] == "OPS-1"
    assert task["project"] == {"id": team.project_id, "key": "OPS", "name": team.project["name"]}
    assert (task["title"], task["description"]) == ("Rotate the TLS certificates", "Before they expire")
    assert (task["status"], task["priority"], task["due_date"]) == ("todo", "high", "2030-01-10")
    assert task["assignee"] == {"id": str(team.viewer.id), "full_name": await full_name_of(api, team.viewer)}
    assert task["reporter"] == {
        "id": str(team.contributor.id),
        "full_name": await full_name_of(api, team.contributor),
    }
    assert task["tags"] == [{"id": backend["id"], "name": "backend", "color": "#112233"}]
    assert (task["comment_count"], task["completed_at"], task["is_deleted"]) == (0, None, False)
    assert (task["version"], task["created_at"]) == (1, task["updated_at"])
    assert response.headers["etag"] == '"1"'
    location = await api.get(response.headers["location"], headers=team.viewer.headers)
    assert location.json() == task | {"latest_comments": []}


async def test_a_task_with_only_a_title_gets_the_defaults(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id, "Water the plants")

    assert (task["description"], task["priority"], task["status"]) == ("", "medium", "todo")
    assert (task["assignee"], task["due_date"], task["tags"]) == (None, None, [])


@on_both_databases
async def test_each_project_numbers_its_own_tasks(api: httpx.AsyncClient, team: Team) -> None:
    web = await create_project(api, team.manager, key="WEB")

    keys = [
        (await create_task(api, team.manager, project_id))["key"]
        for project_id in (team.project_id, team.project_id, web["id"], team.project_id)
    ]

    assert keys == ["OPS-1", "OPS-2", "WEB-1", "OPS-3"]


async def test_admin_creates_tasks_in_any_project(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.admin, team.project_id)

    assert task["reporter"]["id"] == str(team.admin.id)


async def test_viewer_cannot_create_tasks(api: httpx.AsyncClient, team: Team) -> None:
    response = await api.post(
        TASKS, json={"project_id": team.project_id, "title": "Mine"}, headers=team.viewer.headers
    )

    assert_problem(response, 403)
    assert (await list_tasks(api, team.manager))["total"] == 0


async def test_outsider_creating_a_task_gets_the_same_404_as_for_a_missing_project(
    api: httpx.AsyncClient, team: Team
) -> None:
    headers = team.outsider.headers

    hidden = await api.post(TASKS, json={"project_id": team.project_id, "title": "Mine"}, headers=headers)
    missing = await api.post(TASKS, json={"project_id": str(uuid4()), "title": "Mine"}, headers=headers)

    same_problem(hidden, missing, 404)
    assert (await list_tasks(api, team.manager))["total"] == 0


async def test_assignee_must_be_a_member_and_tags_must_be_the_projects(
    api: httpx.AsyncClient, team: Team
) -> None:
    other = await create_project(api, team.manager)
    foreign_tag = await create_tag(api, team.manager, other["id"], "backend")
    base = {"project_id": team.project_id, "title": "Assigned"}

    outsider = await api.post(
        TASKS, json=base | {"assignee_id": str(team.outsider.id)}, headers=team.manager.headers
    )
    nobody = await api.post(TASKS, json=base | {"assignee_id": str(uuid4())}, headers=team.manager.headers)
    tag = await api.post(TASKS, json=base | {"tag_ids": [foreign_tag["id"]]}, headers=team.manager.headers)

    assert fields_at_fault(assert_problem(outsider, 422)) == {"assignee_id"}
    assert fields_at_fault(assert_problem(nobody, 422)) == {"assignee_id"}
    assert fields_at_fault(assert_problem(tag, 422)) == {"tag_ids"}
    assert (await list_tasks(api, team.manager))["total"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "   "),
        ("title", "x" * 201),
        ("description", "x" * 10_001),
        ("priority", "critical"),
        ("due_date", "next week"),
        ("project_id", "OPS"),
        ("assignee_id", "someone"),
        ("tag_ids", "backend"),
        ("status", "done"),
        ("key", "OPS-7"),
        ("reporter_id", str(NOBODY)),
        ("comment_count", 3),
    ],
)
async def test_invalid_or_unknown_task_fields_are_a_422_naming_the_field(
    api: httpx.AsyncClient, team: Team, field: str, value: object
) -> None:
    body = {"project_id": team.project_id, "title": "A task", field: value}

    response = await api.post(TASKS, json=body, headers=team.manager.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}
    assert (await list_tasks(api, team.manager))["total"] == 0


# --- read one -------------------------------------------------------------------------------------


@on_both_databases
async def test_a_task_is_read_by_id_or_by_key_in_any_case(api: httpx.AsyncClient, team: Team) -> None:
    await create_task(api, team.manager, team.project_id, "First")
    task = await create_task(api, team.manager, team.project_id, "Second")

    by_id = await api.get(f"{TASKS}/{task['id']}", headers=team.viewer.headers)
    by_key = await api.get(f"{TASKS}/OPS-2", headers=team.viewer.headers)
    by_lower_key = await api.get(f"{TASKS}/ops-2", headers=team.viewer.headers)

    assert by_id.status_code == by_key.status_code == by_lower_key.status_code == 200
    # The manager who made it watches it; the viewer reading it does not.
    assert (
        by_id.json()
        == by_key.json()
        == by_lower_key.json()
        == task | {"latest_comments": [], "watching": False}
    )
    assert by_id.headers["etag"] == by_key.headers["etag"] == '"1"'


@pytest.mark.parametrize("ref", ["OPS-3", "WEB-1", "OPS-0", "OPS", "OPS-1-1", "garbage", str(NOBODY)])
async def test_a_reference_that_matches_no_task_is_404(api: httpx.AsyncClient, team: Team, ref: str) -> None:
    await create_task(api, team.manager, team.project_id)
    await create_task(api, team.manager, team.project_id)

    assert_problem(await api.get(f"{TASKS}/{ref}", headers=team.manager.headers), 404)


@on_both_databases
async def test_outsider_cannot_tell_a_task_from_a_missing_one(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)
    await create_task(api, team.outsider, (await create_project(api, team.outsider, key="WEB"))["id"])
    headers = team.outsider.headers
    real, missing = f"{TASKS}/{task['id']}", f"{TASKS}/{uuid4()}"

    same_problem(await api.get(real, headers=headers), await api.get(missing, headers=headers), 404)
    same_problem(
        await api.get(f"{TASKS}/OPS-1", headers=headers),
        await api.get(f"{TASKS}/OPS-9", headers=headers),
        404,
    )
    for method, suffix, body in [
        ("PATCH", "", {"title": "Taken over"}),
        ("DELETE", "", None),
        ("POST", "/restore", None),
        ("GET", "/comments", None),
        ("POST", "/comments", {"body": "Hello"}),
    ]:
        same_problem(
            await api.request(method, real + suffix, json=body, headers=headers),
            await api.request(method, missing + suffix, json=body, headers=headers),
            404,
        )
    assert task["id"] not in ids((await list_tasks(api, team.outsider))["items"])
    assert await read_task(api, team.manager, task["id"]) == task | {"latest_comments": []}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/v1/tasks/not-a-uuid"),
        ("DELETE", "/api/v1/tasks/OPS-1"),
        ("POST", "/api/v1/tasks/123/restore"),
        ("GET", "/api/v1/tasks/xyz/comments"),
        ("PATCH", "/api/v1/comments/xyz"),
        ("DELETE", "/api/v1/comments/OPS-1"),
    ],
)
async def test_malformed_ids_are_refused_as_problems(
    api: httpx.AsyncClient, team: Team, method: str, path: str
) -> None:
    await create_task(api, team.manager, team.project_id)

    response = await api.request(method, path, json={"title": "x", "body": "x"}, headers=team.manager.headers)

    # Writes take ids only, never keys: no such resource, told as a problem like every other error.
    assert_problem(response, 404)
    assert (await read_task(api, team.manager, "OPS-1"))["version"] == 1


@on_both_databases
async def test_a_task_embeds_its_latest_twenty_comments_oldest_first(
    api: httpx.AsyncClient, team: Team
) -> None:
    task = await create_task(api, team.manager, team.project_id)
    authors = [team.manager, team.contributor]
    comments = [await add_comment(api, authors[n % 2], task["id"], f"Comment {n}") for n in range(25)]

    detail = await read_task(api, team.viewer, "OPS-1")

    assert detail["comment_count"] == 25
    assert [comment["body"] for comment in detail["latest_comments"]] == [
        f"Comment {n}" for n in range(5, 25)
    ]
    assert detail["latest_comments"] == comments[5:]
    names = [await full_name_of(api, account) for account in authors]
    for n, comment in enumerate(detail["latest_comments"], start=5):
        assert comment["author"] == {"id": str(authors[n % 2].id), "full_name": names[n % 2]}


# --- list: filters, sort, paging ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Board:
    """OPS holds t1-t4 and a deleted task; WEB, which only the contributor (its manager) sees, holds w1.

    | task | title                   | status      | priority | assignee | reporter | due   | tags         |
    | t1   | Rotate TLS certificates | todo        | high     | manager  | manager  | 01-10 | backend      |
    | t2   | Fix the login page      | in_progress | urgent   | contrib. | contrib. | 01-05 | frontend     |
    | t3   | Write the runbook       | done        | low      | -        | manager  | -     | -            |
    | t4   | Upgrade database tls    | blocked     | high     | contrib. | manager  | 02-01 | backend, ... |
    | gone | Old TLS cleanup         | todo        | low      | -        | manager  | -     | (deleted)    |
    | w1   | Web TLS banner          | todo        | high     | -        | contrib. | -     | -            |

    Due dates are in 2030; t4 has both tags, backend and frontend.
    Statuses were set t4, t3, t2 in that order, so `updated_at` runs t1, t4, t3, t2.
    """

    team: Team
    web_id: str
    ids: dict[str, str]

    def labels(self, page: dict[str, Any]) -> list[str]:
        by_id = {task_id: label for label, task_id in self.ids.items()}
        return [by_id[item["id"]] for item in page["items"]]

    def account(self, name: str) -> Account:
        account: Account = getattr(self.team, name)
        return account

    def resolve(self, params: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """Replace @manager, @contributor, @ops and @web by their ids."""
        named = {
            "@manager": str(self.team.manager.id),
            "@contributor": str(self.team.contributor.id),
            "@ops": self.team.project_id,
            "@web": self.web_id,
        }
        return tuple((name, named.get(value, value)) for name, value in params)


@pytest.fixture
async def board(api: httpx.AsyncClient, team: Team) -> Board:
    manager, contributor = team.manager, team.contributor
    backend = (await create_tag(api, manager, team.project_id, "backend"))["id"]
    frontend = (await create_tag(api, manager, team.project_id, "frontend"))["id"]
    ops = team.project_id
    t1 = await create_task(
        api,
        manager,
        ops,
        "Rotate TLS certificates",
        priority="high",
        assignee_id=str(manager.id),
        due_date="2030-01-10",
        tag_ids=[backend],
    )
    t2 = await create_task(
        api,
        contributor,
        ops,
        "Fix the login page",
        priority="urgent",
        assignee_id=str(contributor.id),
        due_date="2030-01-05",
        tag_ids=[frontend],
    )
    t3 = await create_task(api, manager, ops, "Write the runbook", priority="low")
    t4 = await create_task(
        api,
        manager,
        ops,
        "Upgrade database tls",
        priority="high",
        assignee_id=str(contributor.id),
        due_date="2030-02-01",
        tag_ids=[frontend, backend],
    )
    gone = await create_task(api, manager, ops, "Old TLS cleanup", priority="low")
    web = await create_project(api, contributor, key="WEB")
    w1 = await create_task(api, contributor, web["id"], "Web TLS banner", priority="high")
    await patch_task(api, manager, t4["id"], status="blocked")
    await patch_task(api, manager, t3["id"], status="done")
    await patch_task(api, manager, t2["id"], status="in_progress")
    assert (await api.delete(f"{TASKS}/{gone['id']}", headers=manager.headers)).status_code == 204
    ids = {"t1": t1["id"], "t2": t2["id"], "t3": t3["id"], "t4": t4["id"], "gone": gone["id"], "w1": w1["id"]}
    return Board(team=team, web_id=web["id"], ids=ids)


FILTER_CASES = [
    ("manager", [], ["t1", "t2", "t3", "t4"]),
    ("admin", [], ["t1", "t2", "t3", "t4", "w1"]),
    ("contributor", [], ["t1", "t2", "t3", "t4", "w1"]),
    ("admin", [("project_id", "@ops")], ["t1", "t2", "t3", "t4"]),
    ("contributor", [("project_id", "@web")], ["w1"]),
    ("manager", [("project_id", "@web")], []),
    ("manager", [("status", "todo")], ["t1"]),
    ("manager", [("status", "done"), ("status", "blocked")], ["t3", "t4"]),
    ("manager", [("priority", "urgent"), ("priority", "high")], ["t1", "t2", "t4"]),
    ("admin", [("priority", "high")], ["t1", "t4", "w1"]),
    ("manager", [("assignee_id", "@contributor")], ["t2", "t4"]),
    ("manager", [("assignee", "none")], ["t3"]),
    ("admin", [("assignee", "none")], ["t3", "w1"]),
    ("manager", [("reporter_id", "@contributor")], ["t2"]),
    ("admin", [("reporter_id", "@contributor")], ["t2", "w1"]),
    ("manager", [("tag", "backend")], ["t1", "t4"]),
    ("manager", [("tag", "BACKEND"), ("tag", "Frontend")], ["t1", "t2", "t4"]),
    ("manager", [("tag", "nothing")], []),
    ("manager", [("due_before", "2030-01-10")], ["t2"]),
    ("manager", [("due_after", "2030-01-10")], ["t4"]),
    ("manager", [("due_after", "2030-01-04"), ("due_before", "2030-01-11")], ["t1", "t2"]),
    ("manager", [("q", "TLS")], ["t1", "t4"]),
    ("admin", [("q", "tls")], ["t1", "t4", "w1"]),
    ("manager", [("q", "  ")], ["t1", "t2", "t3", "t4"]),
    ("manager", [("q", "%")], []),
    (
        "manager",
        [("status", "todo"), ("status", "blocked"), ("tag", "backend"), ("assignee_id", "@contributor")],
        ["t4"],
    ),
    ("admin", [("priority", "high"), ("q", "tls"), ("project_id", "@ops")], ["t1", "t4"]),
    (
        "manager",
        [
            ("status", "in_progress"),
            ("priority", "urgent"),
            ("due_before", "2030-01-06"),
            ("reporter_id", "@contributor"),
            ("tag", "frontend"),
            ("q", "LOGIN"),
            ("project_id", "@ops"),
        ],
        ["t2"],
    ),
    ("admin", [("include_deleted", "true")], ["t1", "t2", "t3", "t4", "gone", "w1"]),
    ("admin", [("include_deleted", "true"), ("q", "cleanup")], ["gone"]),
    ("manager", [("include_deleted", "true"), ("project_id", "@ops")], ["t1", "t2", "t3", "t4", "gone"]),
    ("contributor", [("include_deleted", "true"), ("project_id", "@web")], ["w1"]),
]


# One board per test, one subtest per case: setting the board up costs far more than a query.
@on_both_databases
async def test_list_filters_alone_and_combined(
    api: httpx.AsyncClient, board: Board, subtests: pytest.Subtests
) -> None:
    for caller, params, expected in FILTER_CASES:
        with subtests.test(caller=caller, params=params):
            page = await list_tasks(api, board.account(caller), board.resolve(params))

            assert board.labels(page) == expected
            assert page["total"] == len(expected)


REFUSED_DELETED_LISTS = [
    ("manager", [("include_deleted", "true")]),
    ("manager", [("include_deleted", "true"), ("project_id", "@web")]),
    ("contributor", [("include_deleted", "true"), ("project_id", "@ops")]),
    ("viewer", [("include_deleted", "true"), ("project_id", "@ops")]),
    ("outsider", [("include_deleted", "true"), ("project_id", "@ops")]),
]


async def test_only_admins_and_a_projects_managers_list_deleted_tasks(
    api: httpx.AsyncClient, board: Board, subtests: pytest.Subtests
) -> None:
    for caller, params in REFUSED_DELETED_LISTS:
        with subtests.test(caller=caller, params=params):
            response = await api.get(
                TASKS, params=board.resolve(params), headers=board.account(caller).headers
            )

            assert_problem(response, 403)


SORT_CASES = [
    ("-priority,due_date,created_at", ["t2", "t1", "t4", "t3"]),
    ("priority,-key", ["t3", "t4", "t1", "t2"]),
    ("due_date", ["t2", "t1", "t4", "t3"]),
    ("-due_date", ["t4", "t1", "t2", "t3"]),
    ("status", ["t1", "t2", "t4", "t3"]),
    ("-status", ["t3", "t4", "t2", "t1"]),
    ("key", ["t1", "t2", "t3", "t4"]),
    ("-key", ["t4", "t3", "t2", "t1"]),
    ("title", ["t2", "t1", "t4", "t3"]),
    ("-title", ["t3", "t4", "t1", "t2"]),
    ("created_at", ["t1", "t2", "t3", "t4"]),
    ("-created_at", ["t4", "t3", "t2", "t1"]),
    ("updated_at", ["t1", "t4", "t3", "t2"]),
    ("-updated_at,key", ["t2", "t3", "t4", "t1"]),
]


@on_both_databases
async def test_list_sorts_over_the_whitelist(
    api: httpx.AsyncClient, board: Board, subtests: pytest.Subtests
) -> None:
    for sort, expected in SORT_CASES:
        with subtests.test(sort=sort):
            page = await list_tasks(api, board.team.manager, {"sort": sort})

            assert board.labels(page) == expected


async def test_list_pages_with_offset_limit_and_total(api: httpx.AsyncClient, board: Board) -> None:
    first = await list_tasks(api, board.team.manager, {"sort": "key", "limit": 2})
    second = await list_tasks(api, board.team.manager, {"sort": "key", "limit": 2, "offset": 2})
    beyond = await list_tasks(api, board.team.manager, {"sort": "key", "limit": 2, "offset": 4})
    filtered = await list_tasks(
        api, board.team.manager, [("tag", "backend"), ("limit", "1"), ("sort", "-key")]
    )
    default = await list_tasks(api, board.team.manager)

    assert set(first) == {"items", "total", "offset", "limit", "next_cursor"}
    assert (board.labels(first), first["total"], first["offset"], first["limit"]) == (["t1", "t2"], 4, 0, 2)
    assert (board.labels(second), second["total"], second["offset"]) == (["t3", "t4"], 4, 2)
    assert (board.labels(beyond), beyond["total"]) == ([], 4)
    assert (board.labels(filtered), filtered["total"]) == (["t4"], 2)
    assert (default["offset"], default["limit"]) == (0, 20)


async def test_list_default_page_is_twenty_and_a_hundred_is_allowed(
    api: httpx.AsyncClient, team: Team
) -> None:
    for n in range(21):
        await create_task(api, team.manager, team.project_id, f"Task {n}")

    default = await list_tasks(api, team.manager)
    hundred = await list_tasks(api, team.manager, {"limit": 100})

    assert (len(default["items"]), default["total"], default["limit"]) == (20, 21, 20)
    assert [item["key"] for item in default["items"]] == [f"OPS-{n}" for n in range(1, 21)]
    assert (len(hundred["items"]), hundred["limit"]) == (21, 100)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        # How a sort is read (whitelist, repeats, empty keys) is tested on parse_sort; one case here.
        ([("sort", "owner")], "sort"),
        # Exactly as the document's pattern has it: no white space around the fields.
        ([("sort", "-updated_at, key")], "sort"),
        ([("status", "open")], "status"),
        ([("status", "todo"), ("status", "later")], "status"),
        ([("priority", "critical")], "priority"),
        ([("due_before", "tomorrow")], "due_before"),
        ([("due_after", "2030-13-01")], "due_after"),
        ([("project_id", "OPS")], "project_id"),
        ([("assignee_id", "someone")], "assignee_id"),
        ([("reporter_id", "1")], "reporter_id"),
        ([("assignee", "somebody")], "assignee"),
        ([("assignee", "none"), ("assignee_id", str(NOBODY))], "assignee"),
        ([("include_deleted", "perhaps")], "include_deleted"),
        ([("limit", "101")], "limit"),
        ([("limit", "0")], "limit"),
        ([("offset", "-1")], "offset"),
    ],
)
async def test_list_refuses_bad_parameters_naming_them(
    api: httpx.AsyncClient, team: Team, params: list[tuple[str, str]], field: str
) -> None:
    response = await api.get(TASKS, params=tuple(params), headers=team.manager.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}


@on_both_databases
async def test_list_items_embed_project_people_tags_and_live_comment_count(
    api: httpx.AsyncClient, board: Board
) -> None:
    team = board.team
    t4 = board.ids["t4"]
    comments = [await add_comment(api, team.contributor, t4, f"Note {n}") for n in range(3)]
    await api.delete(f"{COMMENTS}/{comments[1]['id']}", headers=team.contributor.headers)
    await add_comment(api, team.manager, board.ids["t1"])

    page = await list_tasks(api, team.viewer, {"sort": "key"})

    items = {item["id"]: item for item in page["items"]}
    assert all(set(item) == TASK_FIELDS for item in page["items"])
    item = items[t4]
    assert item["key"] == "OPS-4"
    assert item["project"] == {"id": team.project_id, "key": "OPS", "name": team.project["name"]}
    assert item["assignee"] == {
        "id": str(team.contributor.id),
        "full_name": await full_name_of(api, team.contributor),
    }
    assert item["reporter"] == {
        "id": str(team.manager.id),
        "full_name": await full_name_of(api, team.manager),
    }
    assert [(tag["name"], tag["color"]) for tag in item["tags"]] == [
        ("backend", "#808080"),
        ("frontend", "#808080"),
    ]
    assert all(set(tag) == {"id", "name", "color"} for tag in item["tags"])
    assert [items[board.ids[label]]["comment_count"] for label in ("t1", "t2", "t3", "t4")] == [1, 0, 0, 2]
    assert items[board.ids["t3"]]["assignee"] is None
    detail = await read_task(api, team.viewer, t4)
    assert detail == item | {"latest_comments": [comments[0], comments[2]]}


# --- update ---------------------------------------------------------------------------------------


@on_both_databases
async def test_patch_changes_only_the_fields_sent(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(
        api,
        team.manager,
        team.project_id,
        "Old title",
        description="Keep me",
        priority="low",
        due_date="2030-01-01",
    )

    response = await api.patch(
        f"{TASKS}/{task['id']}",
        json={"title": "New title", "priority": "urgent"},
        headers=if_match(team.contributor, 1),
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["title"], updated["priority"], updated["version"]) == ("New title", "urgent", 2)
    assert response.headers["etag"] == '"2"'
    assert datetime.fromisoformat(updated["updated_at"]) > datetime.fromisoformat(task["updated_at"])
    unchanged = {
        "id",
        "key",
        "project",
        "description",
        "status",
        "assignee",
        "reporter",
        "due_date",
        "created_at",
    }
    assert {key: updated[key] for key in unchanged} == {key: task[key] for key in unchanged}
    assert await read_task(api, team.viewer, task["id"]) == updated | {"latest_comments": []}


async def test_patch_that_changes_nothing_keeps_the_version(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id, "Same")

    response = await api.patch(
        f"{TASKS}/{task['id']}", json={"title": "Same", "status": "todo"}, headers=team.manager.headers
    )

    assert response.status_code == 200
    assert response.json() == task
    assert response.headers["etag"] == '"1"'


@on_both_databases
async def test_done_sets_completed_at_and_reopening_clears_it(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)

    started = await patch_task(api, team.contributor, task["id"], status="in_progress")
    done = await patch_task(api, team.contributor, task["id"], status="done")
    reopened = await patch_task(api, team.contributor, task["id"], status="todo")

    assert (started["status"], started["completed_at"]) == ("in_progress", None)
    assert done["status"] == "done"
    assert done["completed_at"] is not None
    assert datetime.fromisoformat(done["completed_at"]) == datetime.fromisoformat(done["updated_at"])
    assert (reopened["status"], reopened["completed_at"], reopened["version"]) == ("todo", None, 4)
    assert (await read_task(api, team.manager, task["id"]))["completed_at"] is None


# The whole workflow table is tested once, on the use case (tests/unit/tasks/test_update_task.py);
# here one refused change and one unknown status prove the route's wiring.
@pytest.mark.parametrize(("path", "refused"), [([], "sideways"), (["done"], "blocked")])
async def test_status_changes_outside_the_workflow_are_a_422_naming_status(
    api: httpx.AsyncClient, team: Team, path: list[str], refused: str
) -> None:
    task = await create_task(api, team.manager, team.project_id)
    for status in path:
        task = await patch_task(api, team.manager, task["id"], status=status)

    response = await api.patch(
        f"{TASKS}/{task['id']}", json={"status": refused}, headers=team.manager.headers
    )

    assert fields_at_fault(assert_problem(response, 422)) == {"status"}
    assert await read_task(api, team.manager, task["id"]) == task | {"latest_comments": []}


@on_both_databases
async def test_assignee_is_set_to_a_member_refused_for_others_and_cleared_with_null(
    api: httpx.AsyncClient, team: Team
) -> None:
    task = await create_task(api, team.manager, team.project_id)
    url = f"{TASKS}/{task['id']}"

    assigned = await patch_task(api, team.manager, task["id"], assignee_id=str(team.viewer.id))
    outsider = await api.patch(url, json={"assignee_id": str(team.outsider.id)}, headers=team.manager.headers)
    nobody = await api.patch(url, json={"assignee_id": str(uuid4())}, headers=team.manager.headers)

    assert assigned["assignee"] == {
        "id": str(team.viewer.id),
        "full_name": await full_name_of(api, team.viewer),
    }
    assert fields_at_fault(assert_problem(outsider, 422)) == {"assignee_id"}
    assert fields_at_fault(assert_problem(nobody, 422)) == {"assignee_id"}
    assert (await read_task(api, team.manager, task["id"]))["assignee"] == assigned["assignee"]
    cleared = await patch_task(api, team.manager, task["id"], assignee_id=None)
    assert cleared["assignee"] is None


async def test_due_date_is_changed_and_cleared_with_null(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id, due_date="2030-01-01")

    moved = await patch_task(api, team.manager, task["id"], due_date="2030-06-30")
    cleared = await patch_task(api, team.manager, task["id"], due_date=None)
    untouched = await patch_task(api, team.manager, task["id"], title="Only the title")

    assert moved["due_date"] == "2030-06-30"
    assert cleared["due_date"] is None
    assert untouched["due_date"] is None


@on_both_databases
async def test_tag_set_is_replaced_and_cleared(api: httpx.AsyncClient, team: Team) -> None:
    backend = await create_tag(api, team.manager, team.project_id, "backend")
    frontend = await create_tag(api, team.manager, team.project_id, "frontend")
    docs = await create_tag(api, team.manager, team.project_id, "docs")
    foreign = await create_tag(api, team.manager, (await create_project(api, team.manager))["id"], "docs")
    task = await create_task(api, team.manager, team.project_id, tag_ids=[backend["id"], frontend["id"]])

    replaced = await patch_task(api, team.contributor, task["id"], tag_ids=[docs["id"], frontend["id"]])
    refused = await api.patch(
        f"{TASKS}/{task['id']}",
        json={"tag_ids": [backend["id"], foreign["id"]]},
        headers=team.manager.headers,
    )
    untouched = await patch_task(api, team.contributor, task["id"], title="Still tagged")
    cleared = await patch_task(api, team.contributor, task["id"], tag_ids=[])

    assert [tag["name"] for tag in replaced["tags"]] == ["docs", "frontend"]
    assert replaced["version"] == 2
    assert fields_at_fault(assert_problem(refused, 422)) == {"tag_ids"}
    assert [tag["name"] for tag in untouched["tags"]] == ["docs", "frontend"]
    assert cleared["tags"] == []
    assert (await read_task(api, team.manager, task["id"]))["tags"] == []
    assert (await list_tasks(api, team.manager, {"tag": "docs"}))["total"] == 0


@on_both_databases
async def test_stale_if_match_on_a_task_is_412_and_changes_nothing(
    api: httpx.AsyncClient, team: Team
) -> None:
    task = await create_task(api, team.manager, team.project_id, "Original")
    url = f"{TASKS}/{task['id']}"
    await api.patch(url, json={"title": "First writer"}, headers=if_match(team.manager, 1))

    stale_patch = await api.patch(url, json={"title": "Second writer"}, headers=if_match(team.contributor, 1))
    stale_delete = await api.delete(url, headers=if_match(team.contributor, 1))

    assert_problem(stale_patch, 412)
    assert_problem(stale_delete, 412)
    current = await read_task(api, team.manager, task["id"])
    assert (current["title"], current["version"], current["is_deleted"]) == ("First writer", 2, False)


async def test_malformed_if_match_on_a_task_is_422(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)

    response = await api.patch(
        f"{TASKS}/{task['id']}", json={"title": "X"}, headers={**team.manager.headers, "If-Match": "W/1"}
    )

    assert fields_at_fault(assert_problem(response, 422)) == {"If-Match"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("key", "OPS-9"),
        ("project_id", str(NOBODY)),
        ("reporter_id", str(NOBODY)),
        ("completed_at", "2030-01-01T00:00:00Z"),
        ("version", 7),
        ("is_deleted", True),
        ("tags", []),
    ],
)
async def test_patch_refuses_unknown_or_fixed_task_fields(
    api: httpx.AsyncClient, team: Team, field: str, value: object
) -> None:
    task = await create_task(api, team.manager, team.project_id)

    response = await api.patch(
        f"{TASKS}/{task['id']}", json={"title": "Sneaky", field: value}, headers=team.manager.headers
    )

    assert fields_at_fault(assert_problem(response, 422)) == {field}
    assert await read_task(api, team.manager, task["id"]) == task | {"latest_comments": []}


async def test_viewer_cannot_change_or_delete_a_task(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)
    url = f"{TASKS}/{task['id']}"

    assert_problem(await api.patch(url, json={"title": "Viewer was here"}, headers=team.viewer.headers), 403)
    assert_problem(await api.delete(url, headers=team.viewer.headers), 403)

    assert await read_task(api, team.manager, task["id"]) == task | {"latest_comments": []}


# --- delete and restore ---------------------------------------------------------------------------


@on_both_databases
async def test_delete_is_soft_and_a_manager_restores_the_task(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)
    url = f"{TASKS}/{task['id']}"

    deleted = await api.delete(url, headers=if_match(team.contributor, 1))

    assert deleted.status_code == 204
    assert deleted.content == b""
    for account in (team.manager, team.contributor, team.admin):
        assert_problem(await api.get(url, headers=account.headers), 404)
        assert_problem(await api.get(f"{TASKS}/OPS-1", headers=account.headers), 404)
        assert (await list_tasks(api, account))["total"] == 0
    kept = await read_task(api, team.manager, task["id"], include_deleted=True)
    assert (kept["is_deleted"], kept["version"]) == (True, 2)
    # Only managers and admins find a deleted task at all.
    assert_problem(
        await api.get(url, params={"include_deleted": True}, headers=team.contributor.headers), 404
    )
    for account in (team.contributor, team.viewer):
        assert_problem(await api.post(f"{url}/restore", headers=account.headers), 404)
    assert_problem(await api.patch(url, json={"title": "Ghost"}, headers=team.manager.headers), 404)

    restored = await api.post(f"{url}/restore", headers=team.manager.headers)

    assert restored.status_code == 200, restored.text
    assert (restored.json()["is_deleted"], restored.json()["version"]) == (False, 3)
    assert restored.headers["etag"] == '"3"'
    assert await read_task(api, team.viewer, "OPS-1") == restored.json() | {
        "latest_comments": [],
        "watching": False,
    }


async def test_contributor_cannot_restore_even_a_live_task(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)

    assert_problem(await api.post(f"{TASKS}/{task['id']}/restore", headers=team.contributor.headers), 403)


async def test_admin_deletes_and_restores_any_task(api: httpx.AsyncClient, team: Team) -> None:
    task = await create_task(api, team.manager, team.project_id)
    url = f"{TASKS}/{task['id']}"

    assert (await api.delete(url, headers=team.admin.headers)).status_code == 204
    restored = await api.post(f"{url}/restore", headers=team.admin.headers)

    assert restored.status_code == 200
    assert restored.json()["is_deleted"] is False


# --- the project's lifecycle ----------------------------------------------------------------------


@on_both_databases
async def test_deleting_the_project_hides_its_tasks_tags_and_comments_and_restoring_brings_them_back(
    api: httpx.AsyncClient, team: Team
) -> None:
    tag = await create_tag(api, team.manager, team.project_id, "backend")
    task = await create_task(api, team.manager, team.project_id, tag_ids=[tag["id"]])
    comment = await add_comment(api, team.contributor, task["id"], "Before the project went away")
    before = await read_task(api, team.manager, task["id"])
    task_url, comment_url = f"{TASKS}/{task['id']}", f"{COMMENTS}/{comment['id']}"

    assert (await api.delete(team.url, headers=team.manager.headers)).status_code == 204

    for account in (team.manager, team.admin):
        headers = account.headers
        assert_problem(await api.get(task_url, headers=headers), 404)
        assert_problem(await api.get(task_url, params={"include_deleted": True}, headers=headers), 404)
        assert_problem(await api.get(f"{TASKS}/OPS-1", headers=headers), 404)
        assert_problem(await api.patch(task_url, json={"title": "X"}, headers=headers), 404)
        assert_problem(await api.get(f"{task_url}/comments", headers=headers), 404)
        assert_problem(await api.post(f"{task_url}/comments", json={"body": "X"}, headers=headers), 404)
        assert_problem(await api.patch(comment_url, json={"body": "X"}, headers=headers), 404)
        assert_problem(await api.delete(comment_url, headers=headers), 404)
        assert_problem(await api.get(f"{team.url}/tags", headers=headers), 404)
        assert (await list_tasks(api, account))["total"] == 0
        assert (await list_tasks(api, account, {"tag": "backend"}))["total"] == 0
    assert (await list_tasks(api, team.admin, {"include_deleted": True}))["total"] == 0

    assert (await api.post(f"{team.url}/restore", headers=team.manager.headers)).status_code == 200

    assert await read_task(api, team.manager, task["id"]) == before
    assert ids((await list_tasks(api, team.viewer, {"tag": "backend"}))["items"]) == [task["id"]]
    comments = await api.get(f"{task_url}/comments", headers=team.viewer.headers)
    assert comments.json()["items"] == [comment]
    assert [t["id"] for t in (await api.get(f"{team.url}/tags", headers=team.viewer.headers)).json()] == [
        tag["id"]
    ]


async def test_a_member_who_leaves_no_longer_sees_the_projects_tasks(
    api: httpx.AsyncClient, team: Team
) -> None:
    task = await create_task(api, team.manager, team.project_id)

    await api.delete(f"{PROJECTS}/{team.project_id}/members/{team.viewer.id}", headers=team.viewer.headers)

    assert_problem(await api.get(f"{TASKS}/{task['id']}", headers=team.viewer.headers), 404)
    assert (await list_tasks(api, team.viewer))["total"] == 0
    assert (await list_tasks(api, team.viewer, {"project_id": team.project_id}))["total"] == 0
