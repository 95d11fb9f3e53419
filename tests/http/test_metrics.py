"""GET /metrics: Prometheus text with the requests by method, route template and status, the
database pool and the retries; open, or behind TASKBOARD_METRICS_TOKEN when it is set."""

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.settings import DEFAULT_DATABASE_POOL_SIZE
from tests.conftest import FastHashingProvider, http_client, settings_for, start_app, stop_app
from tests.http.conftest import Account, assert_problem, on_both_databases

METRICS_TOKEN = "a-token-for-the-scraper-only"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: httpx.AsyncClient, headers: dict[str, str] | None = None) -> Samples:
    response = await api.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset({"app_name": "taskboard", **labels}.items())), 0.0)


async def test_requests_are_counted_and_timed_by_method_route_template_and_status(
    api: httpx.AsyncClient, admin: Account
) -> None:
    by_key = {"method": "GET", "path": "/api/v1/tasks/{task_id}", "status_code": "404"}
    me = {"method": "GET", "path": "/api/v1/users/me", "status_code": "200"}
    before = await scrape(api)

    for key in ("OPS-1", "OPS-2"):
        assert (await api.get(f"/api/v1/tasks/{key}", headers=admin.headers)).status_code == 404
    assert (await api.get("/api/v1/users/me", headers=admin.headers)).status_code == 200
    after = await scrape(api)

    def counted(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert counted("taskboard_requests_total", **by_key) == 2
    assert counted("taskboard_requests_total", **me) == 1
    assert counted("taskboard_request_duration_seconds_count", **by_key) == 2
    assert counted("taskboard_request_duration_seconds_bucket", **by_key, le="+Inf") == 2
    assert counted("taskboard_request_duration_seconds_sum", **by_key) > 0
    # One series per route, however many tasks there are.
    assert not [labels for _, labels in after if ("path", "/api/v1/tasks/OPS-1") in labels]


@on_both_databases
async def test_the_database_pool_and_the_retries_are_reported(api: httpx.AsyncClient, admin: Account) -> None:
    assert (await api.get("/api/v1/users/me", headers=admin.headers)).status_code == 200

    samples = await scrape(api)

    assert samples[("taskboard_db_pool_size", frozenset())] == DEFAULT_DATABASE_POOL_SIZE
    # Between requests no connection is in use, and none is open beyond the pool's size.
    assert samples[("taskboard_db_pool_checked_out", frozenset())] == 0
    assert samples[("taskboard_db_pool_overflow", frozenset())] == 0
    assert ("taskboard_unit_of_work_retries_total", frozenset()) in samples
    assert ("taskboard_unit_of_work_give_ups_total", frozenset()) in samples


async def test_the_metrics_are_no_operation_of_the_api(api: httpx.AsyncClient) -> None:
    document = (await api.get("/schema/openapi.json")).json()

    assert "/metrics" not in document["paths"]


@pytest.fixture(scope="module")
async def guarded_app(api_database: tuple[str, AsyncEngine | None]) -> AsyncIterator[Litestar]:
    url, _ = api_database
    settings = dataclasses.replace(settings_for(url), metrics_token=METRICS_TOKEN)
    application = create_app(settings, FastHashingProvider())
    await start_app(application)
    yield application
    await stop_app(application)


@pytest.fixture
async def guarded_api(guarded_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(guarded_app) as client:
        yield client


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {METRICS_TOKEN}", f"Bearer {METRICS_TOKEN}x", "Bearer"],
    ids=["none", "wrong", "other-scheme", "longer", "empty"],
)
async def test_with_a_token_set_the_metrics_answer_401_without_it(
    guarded_api: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = await guarded_api.get("/metrics", headers=headers)

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "taskboard_requests_total" not in response.text


@pytest.mark.parametrize("scheme", ["Bearer", "bearer"])
async def test_with_a_token_set_the_metrics_answer_to_it_and_the_token_opens_nothing_else(
    guarded_api: httpx.AsyncClient, scheme: str
) -> None:
    headers = {"Authorization": f"{scheme} {METRICS_TOKEN}"}

    samples = await scrape(guarded_api, headers)

    assert ("taskboard_unit_of_work_retries_total", frozenset()) in samples
    assert_problem(await guarded_api.get("/api/v1/users/me", headers=headers), 401)
