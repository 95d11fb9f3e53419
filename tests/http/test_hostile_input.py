"""Hostile input on every route family: each is a 4xx problem naming the field, never a 500, and the
database is left exactly as it was. On SQLite and PostgreSQL, which differ in what they accept
(PostgreSQL refuses NUL in text and integers past 64 bits; SQLite stores NUL)."""

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.models import Base
from domain.users import UserRole
from tests.http.conftest import Account, assert_problem, fields_at_fault, new_account, on_both_databases
from tests.http.tracker import COMMENTS, PROJECTS, TASKS, add_comment, create_project, create_tag, create_task

USERS = "/api/v1/users"
TOKEN = "/api/v1/auth/token"
NUL = "a\x00b"
HUGE = str(10**20)
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True, slots=True)
class World:
    admin: Account
    member: Account
    ids: dict[str, str]


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile request. `{project}`, `{task}`, ... in the path are the world's ids; `as_` is
    who sends it (None: nobody signed in)."""

    method: str
    path: str
    status: int
    fault: str | None
    json: Any = None
    content: bytes | None = None
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: Mapping[str, str | bytes] = field(default_factory=dict)
    as_: str | None = "admin"


def body_cases(method: str, path: str, valid: dict[str, Any], limits: dict[str, int]) -> dict[str, Case]:
    """NUL in every string field, and one character past each field's maximum."""
    cases = {}
    for name, maximum in limits.items():
        cases[f"{name}-nul"] = Case(method, path, 422, name, json={**valid, name: NUL})
        cases[f"{name}-too-long"] = Case(method, path, 422, name, json={**valid, name: "x" * (maximum + 1)})
    return cases


def unreadable_bodies(method: str, path: str) -> dict[str, Case]:
    deep = b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    return {
        "invalid-utf8": Case(method, path, 400, "body", content=b'{"name": "\xff\xfe"}', headers=JSON),
        "lone-surrogate": Case(method, path, 400, "body", content=b'{"name": "\\ud800"}', headers=JSON),
        "nested-1000-deep": Case(method, path, 400, "body", content=deep, headers=JSON),
        "over-max-body-bytes": Case(
            method, path, 413, None, content=b'{"name": "' + b"x" * (64 * 1024) + b'"}', headers=JSON
        ),
    }


def if_match_cases(method: str, path: str, body: dict[str, Any] | None) -> dict[str, Case]:
    garbage: dict[str, str | bytes] = {
        "superscript-digit": '"²"'.encode("latin-1"),
        "arabic-digit": '"٣"'.encode(),
        "unquoted": "1",
        "two-tags": '"1", "2"',
        "negative": '"-1"',
        "weak": 'W/"1"',
        "too-many-digits": '"' + "9" * 30 + '"',
        "nul": '"1\x00"',
    }
    return {
        f"if-match-{name}": Case(method, path, 422, "If-Match", json=body, headers={"If-Match": value})
        for name, value in garbage.items()
    }


def list_cases(path: str, *, sort: bool = True, as_: str = "admin") -> dict[str, Case]:
    cases = {
        "offset-1e20": Case("GET", path, 422, "offset", params=[("offset", HUGE)], as_=as_),
        "offset-2^63": Case("GET", path, 422, "offset", params=[("offset", str(2**63))], as_=as_),
        "offset-negative": Case("GET", path, 422, "offset", params=[("offset", "-1")], as_=as_),
        "offset-arabic-digit": Case("GET", path, 422, "offset", params=[("offset", "٣")], as_=as_),
        "limit-1e20": Case("GET", path, 422, "limit", params=[("limit", HUGE)], as_=as_),
        "limit-twice": Case("GET", path, 400, "limit", params=[("limit", "1"), ("limit", "2")], as_=as_),
        "offset-twice": Case("GET", path, 400, "offset", params=[("offset", "0"), ("offset", "1")], as_=as_),
        "cursor-garbage": Case("GET", path, 400, "cursor", params=[("cursor", "not-a-cursor")], as_=as_),
        "cursor-invalid-utf8": Case("GET", f"{path}?cursor=%FF", 400, "cursor", as_=as_),
    }
    if sort:
        cases["sort-twice"] = Case(
            "GET", path, 400, "sort", params=[("sort", "created_at"), ("sort", "-created_at")], as_=as_
        )
        cases["sort-nul"] = Case("GET", path, 422, "sort", params=[("sort", NUL)], as_=as_)
    return cases


def text_filter_cases(path: str, name: str, *, as_: str = "admin") -> dict[str, Case]:
    return {
        f"{name}-nul": Case("GET", path, 422, name, params=[(name, NUL)], as_=as_),
        f"{name}-invalid-utf8": Case("GET", f"{path}?{name}=%FF%FE", 400, name, as_=as_),
        f"{name}-encoded-surrogate": Case("GET", f"{path}?{name}=%ED%A0%80", 400, name, as_=as_),
    }


def families() -> dict[str, dict[str, Case]]:
    user = f"{USERS}/{{member}}"
    project = f"{PROJECTS}/{{project}}"
    tag = f"{project}/tags/{{tag}}"
    task = f"{TASKS}/{{task}}"
    comment = f"{COMMENTS}/{{comment}}"
    new_user = {"email": "new@example.com", "full_name": "New Person", "password": "a-long-password"}
    new_task = {"project_id": "{project}", "title": "Hostile"}
    return {
        "auth": {
            "email-nul": Case("POST", TOKEN, 422, "email", json={"email": NUL, "password": "x"}, as_=None),
            "password-nul": Case(
                "POST", TOKEN, 422, "password", json={"email": "a@example.com", "password": NUL}, as_=None
            ),
            "email-too-long": Case(
                "POST", TOKEN, 422, "email", json={"email": "x" * 255, "password": "x"}, as_=None
            ),
            **{
                name: dataclasses.replace(case, as_=None)
                for name, case in unreadable_bodies("POST", TOKEN).items()
            },
        },
        "users": {
            **body_cases("POST", USERS, new_user, {"email": 254, "full_name": 200, "password": 256}),
            "role-unknown": Case("POST", USERS, 422, "role", json={**new_user, "role": "root"}),
            **body_cases("PATCH", user, {}, {"full_name": 200, "password": 256}),
            **if_match_cases("PATCH", user, {"full_name": "Changed"}),
            **unreadable_bodies("PATCH", user),
            **list_cases(USERS),
            **text_filter_cases(USERS, "email"),
            "role-filter-unknown": Case("GET", USERS, 422, "role", params=[("role", "root")]),
            "email-filter-twice": Case("GET", USERS, 400, "email", params=[("email", "a"), ("email", "b")]),
            "is-active-twice": Case(
                "GET", USERS, 400, "is_active", params=[("is_active", "true"), ("is_active", "false")]
            ),
            "me-if-match-on-delete": if_match_cases("DELETE", user, None)["if-match-superscript-digit"],
        },
        "projects": {
            **body_cases(
                "POST", PROJECTS, {"key": "HOST", "name": "Hostile"}, {"name": 200, "description": 10_000}
            ),
            "key-nul": Case("POST", PROJECTS, 422, "key", json={"key": "A\x00B", "name": "Hostile"}),
            **body_cases("PATCH", project, {}, {"name": 200, "description": 10_000}),
            **if_match_cases("PATCH", project, {"name": "Renamed"}),
            **unreadable_bodies("POST", PROJECTS),
            **list_cases(PROJECTS),
            **text_filter_cases(PROJECTS, "q"),
            "q-twice": Case("GET", PROJECTS, 400, "q", params=[("q", "a"), ("q", "b")]),
            **body_cases("POST", f"{project}/tags", {"name": "hostile"}, {"name": 50}),
            "tag-color-nul": Case(
                "POST", f"{project}/tags", 422, "color", json={"name": "x", "color": "#\x00"}
            ),
            **{f"tag-edit-{k}": v for k, v in body_cases("PATCH", tag, {}, {"name": 50}).items()},
            "member-role-unknown": Case(
                "PUT", f"{project}/members/{{member}}", 422, "role", json={"role": "owner"}
            ),
        },
        "tasks": {
            **body_cases("POST", TASKS, new_task, {"title": 200, "description": 10_000}),
            "priority-unknown": Case("POST", TASKS, 422, "priority", json={**new_task, "priority": "meh"}),
            "due-date-feb-30": Case(
                "POST", TASKS, 422, "due_date", json={**new_task, "due_date": "2026-02-30"}
            ),
            "tag-id-nul": Case("POST", TASKS, 422, "tag_ids", json={**new_task, "tag_ids": [NUL]}),
            **body_cases("PATCH", task, {}, {"title": 200, "description": 10_000}),
            "status-unknown": Case("PATCH", task, 422, "status", json={"status": "finished"}),
            "due-date-month-13": Case("PATCH", task, 422, "due_date", json={"due_date": "2026-13-01"}),
            **if_match_cases("PATCH", task, {"title": "Renamed"}),
            **unreadable_bodies("PATCH", task),
            **list_cases(TASKS),
            **text_filter_cases(TASKS, "q"),
            **text_filter_cases(TASKS, "tag"),
            "status-filter-unknown": Case("GET", TASKS, 422, "status", params=[("status", "finished")]),
            "priority-filter-unknown": Case("GET", TASKS, 422, "priority", params=[("priority", "meh")]),
            "due-before-feb-30": Case("GET", TASKS, 422, "due_before", params=[("due_before", "2026-02-30")]),
            "due-after-garbage": Case("GET", TASKS, 422, "due_after", params=[("due_after", "yesterday")]),
            "project-id-twice": Case(
                "GET",
                TASKS,
                400,
                "project_id",
                params=[("project_id", "{project}"), ("project_id", "{project}")],
            ),
            "assignee-unknown": Case("GET", TASKS, 422, "assignee", params=[("assignee", "everyone")]),
        },
        "comments": {
            **body_cases("POST", f"{task}/comments", {"body": "Hi"}, {"body": 10_000}),
            **body_cases("PATCH", comment, {}, {"body": 10_000}),
            **if_match_cases("PATCH", comment, {"body": "Edited"}),
            **if_match_cases("DELETE", comment, None),
            **unreadable_bodies("POST", f"{task}/comments"),
            **list_cases(f"{task}/comments", sort=False),
        },
    }


FAMILIES = families()


@pytest.fixture
async def world(app: Litestar, api: httpx.AsyncClient) -> World:
    admin = await new_account(app, api, UserRole.ADMIN)
    member = await new_account(app, api)
    project = await create_project(api, admin)
    tag = await create_tag(api, admin, project["id"], "backend")
    task = await create_task(api, admin, project["id"], tag_ids=[tag["id"]])
    comment = await add_comment(api, admin, task["id"])
    ids = {
        "member": str(member.id),
        "project": project["id"],
        "tag": tag["id"],
        "task": task["id"],
        "comment": comment["id"],
    }
    return World(admin=admin, member=member, ids=ids)


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    async with engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, await connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def filled(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {key: filled(member, ids) for key, member in value.items()}
    if isinstance(value, list):
        return [filled(item, ids) for item in value]
    if isinstance(value, tuple):
        return tuple(filled(item, ids) for item in value)
    return value


async def send(api: httpx.AsyncClient, world: World, case: Case) -> httpx.Response:
    sender: Account | None = None if case.as_ is None else getattr(world, case.as_)
    headers = [
        (name.encode(), value if isinstance(value, bytes) else value.encode())
        for name, value in {**case.headers, **(sender.headers if sender else {})}.items()
    ]
    request = api.build_request(
        case.method,
        filled(case.path, world.ids),
        params=httpx.QueryParams(filled(case.params, world.ids)) if case.params else None,
        headers=headers,
        content=case.content if case.json is None else json.dumps(filled(case.json, world.ids)).encode(),
    )
    if case.json is not None:
        request.headers["Content-Type"] = "application/json"
    return await api.send(request)


def mismatch(response: httpx.Response, case: Case) -> str | None:
    """What is wrong with the answer to a hostile request; None when it is the expected problem."""
    try:
        problem = assert_problem(response, case.status)
        if case.fault is not None:
            assert fields_at_fault(problem) == {case.fault}
    except AssertionError:
        return f"{response.status_code} {response.text[:300]}"
    return None


@on_both_databases
@pytest.mark.parametrize("family", FAMILIES)
async def test_hostile_input_is_a_client_problem_naming_the_field_and_changes_nothing(
    api: httpx.AsyncClient, api_database: tuple[str, AsyncEngine | None], world: World, family: str
) -> None:
    _, engine = api_database
    assert engine is not None
    before = await snapshot(engine)
    wrong: dict[str, str] = {}

    for name, case in FAMILIES[family].items():
        response = await send(api, world, case)

        if (problem := mismatch(response, case)) is not None:
            wrong[name] = problem
        if await snapshot(engine) != before:
            wrong[name] = f"changed the database ({response.status_code})"
            before = await snapshot(engine)

    assert wrong == {}
