"""Rate limits over HTTP: 429 problems with Retry-After, counted in memory and in a real Redis.

The module builds its own app with low limits (the shared test settings switch limits off), once
with counters in process memory and once in Redis, on a database number of this worker's own; the
counters are emptied before each test, as the tables are.
"""

import dataclasses
import logging
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from adapters.composition import create_app
from adapters.http import rate_limits
from adapters.http.rate_limits import RateLimits, limit_storage
from adapters.settings import Settings
from tests.conftest import FastHashingProvider, settings_for, start_app, stop_app
from tests.http.conftest import Account, assert_problem, container_of

FAILURES_PER_ACCOUNT = 3
SIGN_INS_PER_ADDRESS = 6
WRITES_PER_CALLER = 4
TOKEN = "/api/v1/auth/token"


def redis_test_url() -> str:
    """Redis database 10 for the first pytest-xdist worker, 11 for the next...: none shares one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return f"redis://127.0.0.1:6379/{10 + int(worker) % 6}"


def limited(settings: Settings, redis_url: str | None) -> Settings:
    return dataclasses.replace(
        settings,
        redis_url=redis_url,
        sign_in_failures_per_account=f"{FAILURES_PER_ACCOUNT} per 15 minutes",
        sign_ins_per_address=f"{SIGN_INS_PER_ADDRESS} per minute",
        writes_per_caller=f"{WRITES_PER_CALLER} per minute",
    )


@pytest.fixture(scope="module", params=["memory", "redis"])
async def counters(request: pytest.FixtureRequest) -> str | None:
    """Where the counters live: None for process memory, else the Redis URL."""
    if request.param == "memory":
        return None
    url = redis_test_url()
    if not await limit_storage(url).check():
        reason = f"Redis at {url} unreachable"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@pytest.fixture(scope="module")
async def module_app(sqlite_url: str, counters: str | None) -> AsyncIterator[Litestar]:
    """Replaces the shared one: the same app, with low limits."""
    application = create_app(limited(settings_for(sqlite_url), counters), FastHashingProvider())
    await start_app(application)
    yield application
    await stop_app(application)


@pytest.fixture(autouse=True)
async def fresh_counters(app: Litestar) -> None:
    limits = await container_of(app).get(RateLimits)
    await limits.storage.reset()


def client_at(app: Litestar, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def sign_in(api: httpx.AsyncClient, account: Account, password: str | None = None) -> httpx.Response:
    return await api.post(TOKEN, json={"email": account.email, "password": password or account.password})


def assert_too_many(response: httpx.Response, longest_wait: int) -> None:
    body = assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= longest_wait
    assert "try again" in body["detail"]


async def test_failed_sign_ins_lock_the_account_even_with_the_right_password_and_from_elsewhere(
    app: Litestar, api: httpx.AsyncClient, member: Account, admin: Account
) -> None:
    for _ in range(FAILURES_PER_ACCOUNT):
        assert_problem(await sign_in(api, member, "wrong password"), 401)

    assert_too_many(await sign_in(api, member), longest_wait=15 * 60)
    async with client_at(app, "192.0.2.7") as elsewhere:
        assert_too_many(await sign_in(elsewhere, member), longest_wait=15 * 60)
    # Per account: another account signs in from the same address.
    assert (await sign_in(api, admin)).status_code == 200


async def test_a_successful_sign_in_forgets_the_accounts_failures(
    api: httpx.AsyncClient, member: Account
) -> None:
    for _ in range(FAILURES_PER_ACCOUNT - 1):
        assert_problem(await sign_in(api, member, "wrong password"), 401)
    assert (await sign_in(api, member)).status_code == 200

    # A full allowance of failures again, then the lock.
    for _ in range(FAILURES_PER_ACCOUNT):
        assert_problem(await sign_in(api, member, "wrong password"), 401)
    assert_too_many(await sign_in(api, member), longest_wait=15 * 60)


async def test_sign_ins_are_limited_per_client_address(
    app: Litestar, api: httpx.AsyncClient, member: Account
) -> None:
    for _ in range(SIGN_INS_PER_ADDRESS):
        assert (await sign_in(api, member)).status_code == 200

    assert_too_many(await sign_in(api, member), longest_wait=60)
    async with client_at(app, "192.0.2.7") as elsewhere:
        assert (await sign_in(elsewhere, member)).status_code == 200


async def test_writes_are_limited_per_caller_and_a_refused_write_changes_nothing(
    api: httpx.AsyncClient, member: Account, admin: Account
) -> None:
    for number in range(WRITES_PER_CALLER):
        created = await api.post(
            "/api/v1/projects", json={"key": f"PR{'X' * number}", "name": "p"}, headers=member.headers
        )
        assert created.status_code == 201, created.text

    refused = await api.post("/api/v1/projects", json={"key": "LATE", "name": "p"}, headers=member.headers)

    assert_too_many(refused, longest_wait=60)
    listed = await api.get("/api/v1/projects", headers=member.headers)  # reads are not counted
    assert listed.status_code == 200
    assert "LATE" not in {project["key"] for project in listed.json()["items"]}
    other = await api.post("/api/v1/projects", json={"key": "ADMIN", "name": "p"}, headers=admin.headers)
    assert other.status_code == 201


async def test_with_redis_out_of_reach_requests_go_through_and_a_warning_is_logged(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = limited(settings_for(sqlite_url), "redis://127.0.0.1:1/0")  # nothing listens on port 1
    application = create_app(settings, FastHashingProvider())
    await start_app(application)
    # Litestar's logging set-up at start replaces the root logger's handlers, caplog's among them.
    log = logging.getLogger(rate_limits.__name__)
    log.addHandler(caplog.handler)
    try:
        async with client_at(application, "192.0.2.8") as api:
            response = await api.post(TOKEN, json={"email": "nobody@example.com", "password": "x" * 12})
    finally:
        log.removeHandler(caplog.handler)
        await stop_app(application)

    assert_problem(response, 401)  # answered as if no limit applied
    assert any(
        record.levelno == logging.WARNING and "rate limits not counted" in record.getMessage()
        for record in caplog.records
    )
