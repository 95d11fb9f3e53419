"""PostgreSQL stops under load and starts again: the same process answers 503 (with Retry-After)
while it is down, never 500, and 2xx again soon after it is back; every 201 has its row and no row
lacks its 201.

The test runs a PostgreSQL cluster of its own (initdb in a temporary folder, a free port) so that
it can stop and start it without touching the shared server.
"""

import asyncio
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from adapters.composition import create_app
from adapters.persistence.sqlalchemy import migrations
from bench.cluster import PG_BIN, Cluster, temporary_cluster
from tests.conftest import FastHashingProvider, http_client, settings_for, start_app, stop_app
from tests.http.conftest import PROBLEM_JSON, Account, new_account
from tests.http.tracker import TASKS, create_project

CLIENTS = 16
DOWN_SECONDS = 3.0
# The promise: 2xx again within 2 s of the database accepting connections.
RECOVERY_SECONDS = 2.0
SMALL_CLUSTER = """
shared_buffers = '32MB'
max_connections = 50
fsync = off
synchronous_commit = off
full_page_writes = off
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists() and shutil.which("initdb") is None:
        pytest.skip(f"no PostgreSQL server binaries in {PG_BIN} (BENCH_PG_BIN names another folder)")
    with temporary_cluster(settings=SMALL_CLUSTER, extensions=()) as started:
        yield started


@pytest.fixture
async def app(cluster: Cluster) -> AsyncIterator[Litestar]:
    await migrations.upgrade(cluster.sqlalchemy_url)
    application = create_app(settings_for(cluster.sqlalchemy_url), FastHashingProvider())
    await start_app(application)
    yield application
    await stop_app(application)


@dataclass(frozen=True, slots=True)
class Answer:
    what: str  # "create", "list", "ready" or "live"
    started: float
    status: int
    content_type: str
    retry_after: str | None
    body: Any
    title: str | None = None


@dataclass
class Outage:
    """When the database went away and came back, on the event loop's clock."""

    stopping: float = 0.0
    down: float = 0.0
    starting: float = 0.0
    accepting: float = 0.0
    answers: list[Answer] = field(default_factory=list)

    def record(self, what: str, started: float, response: httpx.Response, title: str | None = None) -> None:
        is_json = "json" in response.headers.get("content-type", "")
        self.answers.append(
            Answer(
                what=what,
                started=started,
                status=response.status_code,
                content_type=response.headers.get("content-type", ""),
                retry_after=response.headers.get("retry-after"),
                body=response.json() if is_json else response.text,
                title=title,
            )
        )

    def started_between(self, start: float, end: float, *kinds: str) -> list[Answer]:
        return [a for a in self.answers if start <= a.started < end and a.what in kinds]


async def client(
    api: httpx.AsyncClient, number: int, writer: Account, project_id: str, outage: Outage, done: asyncio.Event
) -> None:
    """Creates and lists tasks in turn, as fast as the service answers, pausing a little after a 503."""
    clock = asyncio.get_running_loop().time
    sequence = 0
    while not done.is_set():
        sequence += 1
        started = clock()
        if sequence % 2:
            title = f"client {number} task {sequence}"
            response = await api.post(
                TASKS, json={"project_id": project_id, "title": title}, headers=writer.headers
            )
            outage.record("create", started, response, title)
        else:
            response = await api.get(
                TASKS, params={"project_id": project_id, "limit": 5}, headers=writer.headers
            )
            outage.record("list", started, response)
        await asyncio.sleep(0.05 if response.status_code == 503 else 0.01)


async def health(api: httpx.AsyncClient, outage: Outage, done: asyncio.Event) -> None:
    clock = asyncio.get_running_loop().time
    while not done.is_set():
        for what in ("ready", "live"):
            started = clock()
            outage.record(what, started, await api.get(f"/health/{what}"))
        await asyncio.sleep(0.1)


async def first_connection(cluster: Cluster) -> float:
    """The moment a new connection first succeeds (pg_ctl -w may return a little before)."""
    clock = asyncio.get_running_loop().time
    while True:
        try:
            connection = await asyncpg.connect(cluster.dsn, timeout=1)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            await asyncio.sleep(0.01)
            continue
        await connection.close()
        return clock()


async def stored_titles(cluster: Cluster) -> list[str]:
    connection = await asyncpg.connect(cluster.dsn)
    try:
        return [row["title"] for row in await connection.fetch("SELECT title FROM tasks")]
    finally:
        await connection.close()


async def test_an_outage_answers_503_throughout_and_the_same_process_recovers(
    app: Litestar, cluster: Cluster
) -> None:
    clock = asyncio.get_running_loop().time
    outage = Outage()
    async with http_client(app) as api:
        writer = await new_account(app, api)
        project = await create_project(api, writer)
        done = asyncio.Event()
        workers = [
            asyncio.create_task(client(api, n, writer, project["id"], outage, done)) for n in range(CLIENTS)
        ]
        workers.append(asyncio.create_task(health(api, outage, done)))

        await asyncio.sleep(1.0)
        outage.stopping = clock()
        await asyncio.to_thread(cluster.stop)
        outage.down = clock()
        await asyncio.sleep(DOWN_SECONDS)
        outage.starting = clock()
        back = asyncio.create_task(first_connection(cluster))
        await asyncio.to_thread(cluster.start)
        outage.accepting = await back
        await asyncio.sleep(RECOVERY_SECONDS + 1.0)
        done.set()
        await asyncio.gather(*workers)

    statuses = Counter((a.what, a.status) for a in outage.answers)
    # Never a 500, nor anything but success or "come back later".
    assert {status for _, status in statuses} <= {200, 201, 503}, statuses
    unavailable = [a for a in outage.answers if a.status == 503]
    assert unavailable, statuses
    for answer in unavailable:
        assert answer.content_type.startswith(PROBLEM_JSON), answer
        assert answer.retry_after is not None, answer
        assert int(answer.retry_after) >= 1, answer
        assert answer.body["status"] == 503, answer
        assert answer.body["detail"], answer

    # While the server was down, every request that needs it was a 503, readiness too, with its
    # reason; liveness stayed 200 throughout.
    while_down = outage.started_between(outage.down, outage.starting, "create", "list", "ready")
    assert while_down
    assert {a.status for a in while_down} == {503}, Counter(a.status for a in while_down)
    for answer in outage.started_between(outage.down, outage.starting, "ready"):
        assert {"field": "database", "message": "unreachable"} in answer.body["errors"]
    assert {a.status for a in outage.answers if a.what == "live"} == {200}

    # Within 2 s of the first successful connection, the same process serves 2xx again.
    recovered = outage.started_between(
        outage.accepting + RECOVERY_SECONDS, float("inf"), "create", "list", "ready"
    )
    assert recovered
    assert {a.status for a in recovered} <= {200, 201}, Counter(a.status for a in recovered)

    # Every 201 has its row, and no row lacks its 201: nothing half-written, nothing lost.
    created = [a.title for a in outage.answers if a.title is not None and a.status == 201]
    refused = {a.title for a in outage.answers if a.what == "create" and a.status == 503}
    stored = await stored_titles(cluster)
    assert sorted(stored) == sorted(created)
    assert not refused & set(stored)
    after = [a for a in outage.answers if a.started >= outage.accepting and a.what in ("create", "list")]
    last_503 = max((a.started for a in after if a.status == 503), default=outage.accepting)
    print(
        f"\noutage answers: {sorted((what, int(status), n) for (what, status), n in statuses.items())}; "
        f"last 503 started {last_503 - outage.accepting:.3f} s after the first connection"
    )
