"""Request ids, logs and metrics of a real `taskboard serve --workers 2`, as an operator meets them:
its JSON log lines on stderr, its X-Request-ID headers, its /metrics over both workers."""

import asyncio
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.cli import MULTIPROC_VARIABLE
from adapters.persistence.sqlalchemy import migrations
from adapters.settings import DEFAULT_DATABASE_POOL_SIZE
from tests.servers import free_port, wait_until_live

BIN = Path(sys.executable).parent
ADMIN_EMAIL = "ops-admin@example.com"
ADMIN_PASSWORD = "the-admin-password-under-test"
METRICS_TOKEN = "the-metrics-token-under-test"
WORKERS = 2


@dataclass(frozen=True, slots=True)
class Served:
    base: str
    log: Path
    database: Path
    temporary: Path  # the server's TMPDIR, where it makes its metrics directory

    def lines(self) -> list[dict[str, Any]]:
        """Every line the server has written to stderr, each of which must be a JSON object."""
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Production settings (so JSON logs by default) at DEBUG, the most a log could tell."""
    folder = tmp_path_factory.mktemp("served")
    database, temporary, log = folder / "taskboard.db", folder / "tmp", folder / "serve.log"
    temporary.mkdir()
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("TASKBOARD_")},
        "TASKBOARD_ENV": "production",
        "TASKBOARD_SECRET_KEY": secrets.token_urlsafe(48),
        "TASKBOARD_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "TASKBOARD_PORT": str(port),
        "TASKBOARD_LOG_LEVEL": "DEBUG",
        "TASKBOARD_ADMIN_EMAIL": ADMIN_EMAIL,
        "TASKBOARD_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TASKBOARD_METRICS_TOKEN": METRICS_TOKEN,
        "TMPDIR": str(temporary),
    }
    env.pop(MULTIPROC_VARIABLE, None)
    # Migrated in process, in a thread: asyncio.run needs one without a running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, migrations.upgrade(env["TASKBOARD_DATABASE_URL"])).result()
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [BIN / "taskboard", "serve", "--workers", str(WORKERS)], env=env, stderr=log_file
        )
    try:
        wait_until_live(port, lambda: process.poll() is not None, log)
        yield Served(f"http://127.0.0.1:{port}", log, database, temporary)
    finally:
        process.terminate()
        process.wait(timeout=60)


def call(
    served: Served, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
) -> tuple[int, Message, bytes]:
    """One request on a connection of its own; the status, the headers (any case) and the body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (a loopback URL of our own)
        served.base + path, data=data, method=method, headers=headers or {}
    )
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def admin_token(served: Served) -> str:
    status, _, body = call(
        served, "POST", "/api/v1/auth/token", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert status == 200, body
    token: str = json.loads(body)["access_token"]
    return token


def test_each_served_request_gets_its_id_back_and_one_json_access_line(served: Served) -> None:
    auth = {"Authorization": f"Bearer {admin_token(served)}"}
    asked = {
        "served-live": ("/health/live", {}, 200),
        "served-me": ("/api/v1/users/me", auth, 200),
        "served-unknown": ("/no/such/route", {}, 404),
    }

    for request_id, (path, headers, expected) in asked.items():
        status, answer, _ = call(served, "GET", path, headers={**headers, "X-Request-ID": request_id})
        assert (status, answer["X-Request-ID"]) == (expected, request_id)
    status, answer, _ = call(served, "GET", "/health/live")
    assert UUID(answer["X-Request-ID"])

    lines = served.lines()  # each one a JSON object: uvicorn's own lines too
    assert {line["logger"] for line in lines} >= {"uvicorn.error", "taskboard.access"}
    # uvicorn's access log is off: the app's line is the only one per request.
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
    for request_id, (path, _, expected) in asked.items():
        [access] = [line for line in lines if line["request_id"] == request_id]
        assert access["logger"] == "taskboard.access"
        assert (access["method"], access["status"]) == ("GET", expected)
        assert access["route"] == (None if expected == 404 else path)
    [me] = [line for line in lines if line["request_id"] == "served-me"]
    assert UUID(me["caller_id"])


def test_a_failing_served_request_logs_its_traceback_once_and_no_secret_at_all(served: Served) -> None:
    token = admin_token(served)
    auth = {"Authorization": f"Bearer {token}"}
    first_password, second_password = "victims-first-password", "victims-second-password"
    status, _, body = call(
        served,
        "POST",
        "/api/v1/users",
        {"email": "victim@example.com", "full_name": "Victim", "password": first_password},
        auth,
    )
    assert status == 201, body
    victim = UUID(json.loads(body)["id"])
    # A row the service cannot read back, as data from outside the service could be: reading the
    # user for the change below fails with an error nobody planned for.
    with sqlite3.connect(served.database) as database:
        database.execute("UPDATE users SET created_at = 'not-a-date' WHERE id = ?", (victim.hex,))

    status, answer, body = call(
        served,
        "PATCH",
        f"/api/v1/users/{victim}",
        {"password": second_password},
        {**auth, "X-Request-ID": "served-fails"},
    )

    assert status == 500
    problem = json.loads(body)
    assert problem["request_id"] == answer["X-Request-ID"] == "served-fails"
    assert problem["detail"] == "an unexpected error occurred"
    assert "not-a-date" not in body.decode()
    lines = served.lines()
    failing = [line for line in lines if line["request_id"] == "served-fails"]
    errors = [line for line in failing if line["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert "Traceback (most recent call last)" in errors[0]["exception"]
    assert "not-a-date" in errors[0]["exception"]  # the operator learns what happened
    assert [line["status"] for line in failing if line["logger"] == "taskboard.access"] == [500]
    written = served.log.read_text()
    for secret in (ADMIN_PASSWORD, first_password, second_password, token, METRICS_TOKEN, "$argon2"):
        assert secret not in written
    assert "authorization" not in written.lower()


def metric_samples(served: Served) -> list[tuple[str, dict[str, str], float]]:
    status, _, body = call(served, "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200, body
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    ]


def test_served_metrics_add_up_over_both_workers(served: Served) -> None:
    ready = {"method": "GET", "path": "/health/ready", "status_code": "200", "app_name": "taskboard"}

    def counted(samples: list[tuple[str, dict[str, str], float]]) -> float:
        return sum(
            value for name, labels, value in samples if name == "taskboard_requests_total" and labels == ready
        )

    def pools(samples: list[tuple[str, dict[str, str], float]]) -> dict[str, float]:
        return {labels["pid"]: value for name, labels, value in samples if name == "taskboard_db_pool_size"}

    before = counted(metric_samples(served))
    made = 0
    # Until each worker has served some (each then has an engine and reports its pool): which one
    # accepts a connection is the kernel's choice, and the second may still be starting. In
    # parallel, for a minute at most.
    deadline = time.monotonic() + 60
    with ThreadPoolExecutor(max_workers=8) as pool:
        while len(pools(metric_samples(served))) < WORKERS and time.monotonic() < deadline:
            statuses = list(pool.map(lambda _: call(served, "GET", "/health/ready")[0], range(16)))
            assert statuses == [200] * 16
            made += 16

    assert pools(metric_samples(served)) == dict.fromkeys(
        pools(metric_samples(served)), DEFAULT_DATABASE_POOL_SIZE
    )
    assert len(pools(metric_samples(served))) == WORKERS
    # Whichever worker answers the scrape, it reports what both served.
    for _ in range(4):
        assert counted(metric_samples(served)) - before == made
    [directory] = served.temporary.glob("taskboard-metrics-*")
    assert {path.name.split("_")[0] for path in directory.iterdir()} >= {"counter", "histogram", "gauge"}


def test_the_served_metrics_need_the_token(served: Served) -> None:
    status, answer, body = call(served, "GET", "/metrics")

    assert status == 401
    assert answer["Content-Type"].startswith("application/problem+json")
    assert b"taskboard_requests_total" not in body
