"""What every response carries: security headers, no caching of callers' data, gzip, and CORS."""

import dataclasses
import gzip
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from tests.conftest import FastHashingProvider, http_client, settings_for, start_app, stop_app
from tests.http.conftest import Account
from tests.http.tracker import TASKS, create_task, make_team

FRONT_END = "https://board.example.com"


async def test_every_response_refuses_sniffing_and_referrers_success_or_problem(
    api: httpx.AsyncClient, member: Account
) -> None:
    responses = [
        await api.get("/api/v1/users/me", headers=member.headers),
        await api.get("/api/v1/projects/not-an-id", headers=member.headers),
        await api.get("/api/v1/projects"),
        await api.get("/health/live"),
    ]

    assert [r.status_code for r in responses] == [200, 404, 401, 200]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_caller_s_data_is_never_stored_by_a_cache(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.get("/api/v1/users/me", headers=member.headers)

    assert response.headers["cache-control"] == "no-store"


async def test_a_large_page_is_gzipped_for_a_client_that_accepts_it_and_plain_otherwise(
    app: Litestar, api: httpx.AsyncClient
) -> None:
    team = await make_team(app, api)
    for n in range(20):
        await create_task(api, team.manager, team.project_id, f"Task number {n} with a longer title")
    url = f"{TASKS}?limit=20"

    # Sent as is: httpx would otherwise decode the body before the test could see its size.
    async with api.stream("GET", url, headers={**team.manager.headers, "Accept-Encoding": "gzip"}) as zipped:
        raw = b"".join([chunk async for chunk in zipped.aiter_raw()])
    plain = await api.get(url, headers={**team.manager.headers, "Accept-Encoding": "identity"})

    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content) / 4


async def test_a_small_answer_is_not_compressed(api: httpx.AsyncClient) -> None:
    response = await api.get("/health/live", headers={"Accept-Encoding": "gzip"})

    assert "content-encoding" not in response.headers


async def test_without_configured_origins_there_are_no_cors_headers(api: httpx.AsyncClient) -> None:
    response = await api.get("/health/live", headers={"Origin": FRONT_END})

    assert "access-control-allow-origin" not in response.headers


@pytest.fixture
async def cors_api(api_database: tuple[str, AsyncEngine | None]) -> AsyncIterator[httpx.AsyncClient]:
    url, _ = api_database
    settings = dataclasses.replace(settings_for(url), cors_origins=(FRONT_END,))
    application = create_app(settings, FastHashingProvider())
    await start_app(application)
    async with http_client(application) as client:
        yield client
    await stop_app(application)


async def test_a_configured_front_end_gets_its_preflight_answered(cors_api: httpx.AsyncClient) -> None:
    preflight = await cors_api.options(
        TASKS,
        headers={
            "Origin": FRONT_END,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, if-match, idempotency-key, content-type",
        },
    )

    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == FRONT_END
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    allowed = {name.strip().lower() for name in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "if-match", "idempotency-key", "content-type"} <= allowed


async def test_a_configured_front_end_may_read_the_headers_the_api_speaks_with(
    cors_api: httpx.AsyncClient,
) -> None:
    response = await cors_api.get("/health/live", headers={"Origin": FRONT_END})

    assert response.headers["access-control-allow-origin"] == FRONT_END
    exposed = {name.strip().lower() for name in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "location", "link", "x-request-id", "retry-after"} <= exposed


async def test_another_origin_gets_no_cors_permission(cors_api: httpx.AsyncClient) -> None:
    response = await cors_api.get("/health/live", headers={"Origin": "https://evil.example.com"})

    assert "access-control-allow-origin" not in response.headers
