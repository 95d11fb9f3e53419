"""Behind PgBouncer in transaction pooling mode, with TASKBOARD_DATABASE_POOLER=pgbouncer.

PgBouncer gives each transaction whichever server connection is free; with asyncpg's default
statement cache about half of 50 concurrent creates fail there with "prepared statement ... does
not exist". The PgBouncer here (tests/pgbouncer.py) has fewer server connections than the app's
pool has client connections, so transactions do move between server connections.
"""

import asyncio
import dataclasses
import os
import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.settings import DatabasePooler
from tests.conftest import FastHashingProvider, settings_for, start_app, stop_app
from tests.factories import UserCreateFactory
from tests.http.conftest import Account, new_account, settings_of, sign_in
from tests.http.tracker import (
    COMMENTS,
    PROJECTS,
    TASKS,
    Team,
    add_comment,
    create_fifty_tasks_at_once,
    create_project,
    create_tag,
    create_task,
    if_match,
    list_tasks,
    make_team,
    read_task,
    set_member,
)
from tests.pgbouncer import SERVER_CONNECTIONS, pgbouncer_binary, running_pgbouncer
from tests.servers import free_port, wait_until_live

pytestmark = pytest.mark.pgbouncer
USERS = "/api/v1/users"


@pytest.fixture(scope="module")
def pgbouncer_url(postgresql_url: str) -> Iterator[str]:
    """The run's PostgreSQL database, reached through a PgBouncer of this module's own."""
    if pgbouncer_binary() is None:
        reason = "pgbouncer is not installed (`make test` installs Debian's package)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with running_pgbouncer(postgresql_url) as url:
        yield url


@pytest.fixture(scope="module")
def api_database(pgbouncer_url: str, postgresql_engine: AsyncEngine) -> tuple[str, AsyncEngine]:
    # The app goes through PgBouncer; the tables are emptied between tests directly.
    return pgbouncer_url, postgresql_engine


@pytest.fixture(scope="module")
async def module_app(api_database: tuple[str, AsyncEngine]) -> AsyncIterator[Litestar]:
    url, _ = api_database
    settings = dataclasses.replace(settings_for(url), database_pooler=DatabasePooler.PGBOUNCER)
    application = create_app(settings, FastHashingProvider())
    await start_app(application)
    yield application
    await stop_app(application)


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


def expect(response: httpx.Response, status: int) -> httpx.Response:
    assert response.status_code == status, response.text
    return response


def database_routes(app: Litestar) -> set[tuple[str, str]]:
    """(method, path template) of every route but the OpenAPI documents, which read no database."""
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and not route.path.startswith("/schema")
        for method in route.methods
        if method not in ("OPTIONS", "HEAD")
    }


def route_of(app: Litestar, method: str, path: str) -> tuple[str, str]:
    def pattern(template: str) -> str:
        uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        return re.sub(r"\{\w+:(\w+)\}", lambda match: uuid if match.group(1) == "uuid" else "[^/]+", template)

    [route] = [r for r in database_routes(app) if r[0] == method and re.fullmatch(pattern(r[1]), path)]
    return route


async def test_every_route_answers_behind_pgbouncer(
    app: Litestar, api: httpx.AsyncClient, admin: Account
) -> None:
    answered: list[httpx.Response] = []

    async def record(response: httpx.Response) -> None:
        answered.append(response)

    api.event_hooks = {"response": [record]}
    member, other = await new_account(app, api), await new_account(app, api)

    expect(await api.get("/health/live"), 200)
    expect(await api.get("/health/ready"), 200)
    await sign_in(api, member.email, member.password)

    expect(await api.get(f"{USERS}/me", headers=member.headers), 200)
    expect(await api.get(USERS, headers=admin.headers), 200)
    body = msgspec.to_builtins(UserCreateFactory.build())
    user = expect(await api.post(USERS, json=body, headers=admin.headers), 201).json()
    user_url = f"{USERS}/{user['id']}"
    expect(await api.get(user_url, headers=admin.headers), 200)
    expect(await api.patch(user_url, json={"full_name": "Renamed"}, headers=admin.headers), 200)
    expect(await api.delete(user_url, headers=admin.headers), 204)
    expect(await api.post(f"{user_url}/restore", headers=admin.headers), 200)

    project = await create_project(api, member)
    project_url = f"{PROJECTS}/{project['id']}"
    expect(await api.get(PROJECTS, headers=member.headers), 200)
    expect(await api.get(project_url, headers=member.headers), 200)
    expect(await api.patch(project_url, json={"name": "Renamed"}, headers=if_match(member, 1)), 200)
    await set_member(api, member, project["id"], other, "viewer")
    expect(await api.get(f"{project_url}/members", headers=member.headers), 200)
    expect(await api.delete(f"{project_url}/members/{other.id}", headers=member.headers), 204)
    tag = await create_tag(api, member, project["id"], "backend")
    tag_url = f"{project_url}/tags/{tag['id']}"
    expect(await api.get(f"{project_url}/tags", headers=member.headers), 200)
    expect(await api.patch(tag_url, json={"name": "frontend"}, headers=member.headers), 200)
    expect(await api.delete(tag_url, headers=member.headers), 204)

    task = await create_task(api, member, project["id"])
    task_url = f"{TASKS}/{task['id']}"
    await list_tasks(api, member, {"project_id": project["id"]})
    await read_task(api, member, task["key"])
    expect(await api.patch(task_url, json={"status": "in_progress"}, headers=if_match(member, 1)), 200)
    comment = await add_comment(api, member, task["id"])
    expect(await api.get(f"{task_url}/comments", headers=member.headers), 200)
    comment_url = f"{COMMENTS}/{comment['id']}"
    expect(await api.patch(comment_url, json={"body": "On second thought"}, headers=member.headers), 200)
    expect(await api.delete(comment_url, headers=member.headers), 204)
    expect(await api.delete(f"{task_url}/watchers/me", headers=member.headers), 204)
    expect(await api.put(f"{task_url}/watchers/me", headers=member.headers), 204)
    bulk = {"task_ids": [task["id"]], "changes": {"priority": "urgent"}, "atomic": False}
    expect(await api.post(f"{TASKS}/bulk", json=bulk, headers=member.headers), 200)
    expect(await api.get(f"{task_url}/history", headers=member.headers), 200)
    expect(await api.get(f"{project_url}/activity", headers=member.headers), 200)
    expect(await api.delete(task_url, headers=member.headers), 204)
    expect(await api.post(f"{task_url}/restore", headers=member.headers), 200)
    expect(await api.delete(project_url, headers=member.headers), 204)
    expect(await api.post(f"{project_url}/restore", headers=member.headers), 200)

    # Every route that reaches the database was asked, and none failed.
    assert {route_of(app, r.request.method, r.request.url.path) for r in answered} == database_routes(app)
    assert [r for r in answered if r.status_code >= 500] == []


async def test_fifty_simultaneous_creates_behind_pgbouncer_get_fifty_contiguous_keys(
    api: httpx.AsyncClient, team: Team, pgbouncer_url: str
) -> None:
    responses = await create_fifty_tasks_at_once(api, team)

    assert {response.json()["key"] for response in responses} == {f"OPS-{n}" for n in range(1, 51)}
    # Nothing is left prepared on PgBouncer's server connections (its reset query clears them): the
    # database's memory does not grow with every request served.
    assert await prepared_statements_on_every_server(pgbouncer_url) == 0


async def prepared_statements_on_every_server(url: str) -> int:
    """Prepared statements held by all of PgBouncer's server connections: as many transactions at
    once as it has servers, so each runs on a different one."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connections = [await asyncpg.connect(dsn, statement_cache_size=0) for _ in range(SERVER_CONNECTIONS)]
    try:
        transactions = [connection.transaction() for connection in connections]
        for transaction in transactions:
            await transaction.start()
        counts = [await c.fetchval("SELECT count(*) FROM pg_prepared_statements") for c in connections]
        for transaction in transactions:
            await transaction.rollback()
    finally:
        for connection in connections:
            await connection.close()
    return sum(counts)


BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


async def test_two_server_processes_behind_pgbouncer_number_fifty_simultaneous_creates_one_to_fifty(
    app: Litestar, team: Team, pgbouncer_url: str, tmp_path: Path
) -> None:
    """`taskboard serve --workers 2`, configured as the README says, against the same database."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("TASKBOARD_")}
    env |= {
        "TASKBOARD_DATABASE_URL": pgbouncer_url,
        "TASKBOARD_DATABASE_POOLER": "pgbouncer",
        # The module's app made the accounts and signed their tokens: the server checks them with its key.
        "TASKBOARD_SECRET_KEY": (await settings_of(app)).secret_key,
        "TASKBOARD_ENV": "test",
        "TASKBOARD_PORT": str(port),
        # The code under test, wherever the installed entry point would import it from.
        "PYTHONPATH": str(ROOT),
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            BIN / "taskboard", "serve", "--workers", "2", env=env, stdout=log_file, stderr=log_file
        )
    try:
        await asyncio.to_thread(wait_until_live, port, lambda: process.returncode is not None, log)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as server:
            responses = await asyncio.gather(
                *(
                    server.post(
                        TASKS,
                        json={"project_id": team.project_id, "title": f"Task {n}"},
                        headers=team.manager.headers,
                    )
                    for n in range(50)
                )
            )
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)

    printed = log.read_text()
    assert [response.status_code for response in responses] == [201] * 50, printed
    assert {response.json()["key"] for response in responses} == {f"OPS-{n}" for n in range(1, 51)}
    assert "prepared statement" not in printed
    assert "Traceback" not in printed
    assert printed.count("Application startup complete") == 2, printed
