"""Liveness and readiness: readiness follows the database and its schema, without a restart."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from adapters.composition import create_app
from adapters.persistence.sqlalchemy import migrations
from tests.conftest import FastHashingProvider, http_client, settings_for, start_app, stop_app
from tests.http.conftest import assert_problem, fields_at_fault


async def test_live_answers_without_a_token(api: httpx.AsyncClient) -> None:
    response = await api.get("/health/live")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("api_backend", ["sqlite", "postgresql"], indirect=True)
async def test_ready_on_a_migrated_database(api: httpx.AsyncClient) -> None:
    response = await api.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "schema": "ok"}}


@asynccontextmanager
async def serve(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings_for(database_url), FastHashingProvider())
    await start_app(application)
    try:
        async with http_client(application) as client:
            yield client
    finally:
        await stop_app(application)


@pytest.fixture
async def fresh_sqlite(tmp_path: Path) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """An app on a SQLite file that no migration has touched yet."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    async with serve(url) as client:
        yield url, client


async def test_ready_follows_the_schema_up_and_down_without_a_restart(
    fresh_sqlite: tuple[str, httpx.AsyncClient],
) -> None:
    url, api = fresh_sqlite

    empty = await api.get("/health/ready")
    await migrations.upgrade(url)
    upgraded = await api.get("/health/ready")
    await migrations.downgrade(url, "base")
    downgraded = await api.get("/health/ready")
    await migrations.upgrade(url)
    upgraded_again = await api.get("/health/ready")

    for behind in (empty, downgraded):
        problem = assert_problem(behind, 503)
        assert fields_at_fault(problem) == {"schema"}
        assert str(migrations.head_revision()) in problem["errors"][0]["message"]
    assert upgraded.status_code == upgraded_again.status_code == 200


async def test_api_on_an_unmigrated_database_fails_as_a_problem_without_sql(
    fresh_sqlite: tuple[str, httpx.AsyncClient],
) -> None:
    _, api = fresh_sqlite

    response = await api.post("/api/v1/auth/token", json={"email": "a@example.com", "password": "whatever1"})

    assert_problem(response, 500)
    assert "users" not in response.text
    assert "SELECT" not in response.text.upper()


async def test_unreachable_database_is_503_without_its_address() -> None:
    # Nothing listens on port 1: the connection is refused at once.
    url = "postgresql+asyncpg://taskboard:not-the-password@127.0.0.1:1/taskboard"
    async with serve(url) as api:
        response = await api.get("/health/ready")

        problem = assert_problem(response, 503)
        assert "database" in fields_at_fault(problem)
        assert "127.0.0.1" not in response.text
        assert "not-the-password" not in response.text
