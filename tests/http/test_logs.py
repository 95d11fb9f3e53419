"""What the service logs about a request: one access line, the request's id on every line, an
unexpected failure once with its traceback, and never a password, a token or a hash.

The lines are read as the service writes them, through its JSON formatter (adapters/logs.py);
tests/adapters/test_served_observability.py reads those of a real `taskboard serve`.
"""

import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.logs import CONSOLE_FORMAT, JsonFormatter, RequestIdFilter
from application.ports import Clock, PasswordHasher
from application.users.update_user import UpdateUser, UpdateUserCommand
from domain.unit_of_work import UnitOfWork
from domain.users import User
from tests.conftest import FastHashingProvider, settings_for, start_app, stop_app
from tests.http.conftest import Account, assert_problem

INTERNALS = "the-internal-detail-is-hunter2"
LogLines = Callable[[], list[dict[str, Any]]]


class ExplodingUpdateUser(UpdateUser):
    """Fails as a bug would, after the new password has been read from the request."""

    async def execute(self, command: UpdateUserCommand) -> User:
        raise RuntimeError(INTERNALS)


class ExplodingUpdateUserProvider(Provider):
    @provide(scope=Scope.REQUEST)
    def update_user(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> UpdateUser:
        return ExplodingUpdateUser(uow, hasher, clock)


@pytest.fixture(scope="module")
async def module_app(api_database: tuple[str, AsyncEngine | None]) -> AsyncIterator[Litestar]:
    """This module's app: changing a user fails with an unexpected error; every other route works."""
    url, _ = api_database
    application = create_app(settings_for(url), FastHashingProvider(), ExplodingUpdateUserProvider())
    await start_app(application)
    yield application
    await stop_app(application)


@contextmanager
def captured(formatter: logging.Formatter) -> Iterator[io.StringIO]:
    """Every line logged meanwhile, at any level, through the service's request-id filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def json_lines() -> Iterator[LogLines]:
    """The lines logged during the test, as the service's JSON formatter writes them."""
    with captured(JsonFormatter()) as stream:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def console_text() -> Iterator[io.StringIO]:
    with captured(logging.Formatter(CONSOLE_FORMAT)) as stream:
        yield stream


def of_request(lines: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["request_id"] == request_id]


async def test_each_request_writes_one_access_line_with_its_route_template_status_time_and_caller(
    api: httpx.AsyncClient, admin: Account, json_lines: LogLines
) -> None:
    await api.get("/api/v1/tasks/OPS-1", headers={**admin.headers, "X-Request-ID": "by-key"})
    await api.get("/health/live", headers={"X-Request-ID": "anonymous"})
    await api.get("/no/such/route", headers={"X-Request-ID": "unrouted"})

    lines = json_lines()
    [by_key] = of_request(lines, "by-key")
    assert by_key["logger"] == "taskboard.access"
    # The route's template, not the path asked for: the key of the task is not in it.
    assert (by_key["method"], by_key["route"], by_key["status"]) == ("GET", "/api/v1/tasks/{task_id}", 404)
    assert by_key["caller_id"] == str(admin.id)
    assert isinstance(by_key["duration_ms"], float)
    assert by_key["duration_ms"] >= 0
    assert "OPS-1" not in json.dumps(by_key)
    [anonymous] = of_request(lines, "anonymous")
    assert (anonymous["route"], anonymous["status"], anonymous["caller_id"]) == ("/health/live", 200, None)
    [unrouted] = of_request(lines, "unrouted")
    assert (unrouted["method"], unrouted["route"], unrouted["status"]) == ("GET", None, 404)


async def test_console_lines_are_readable_and_name_the_request(
    api: httpx.AsyncClient, admin: Account, console_text: io.StringIO
) -> None:
    await api.get("/api/v1/users/me", headers={**admin.headers, "X-Request-ID": "req-7"})

    [line] = [line for line in console_text.getvalue().splitlines() if "[req-7]" in line]
    assert " INFO taskboard.access [req-7] GET /api/v1/users/me 200 " in line
    assert line.endswith(f" ms caller={admin.id}")


async def test_an_unexpected_error_is_logged_once_with_its_traceback_and_request_id_and_tells_no_secret(
    api: httpx.AsyncClient, admin: Account, json_lines: LogLines, caplog: pytest.LogCaptureFixture
) -> None:
    new_password = "the-new-password-nobody-may-read"
    token = admin.headers["Authorization"].removeprefix("Bearer ")

    with caplog.at_level(logging.DEBUG):
        response = await api.patch(
            f"/api/v1/users/{admin.id}",
            json={"password": new_password},
            headers={**admin.headers, "X-Request-ID": "it-broke"},
        )

    body = assert_problem(response, 500)
    assert response.headers["X-Request-ID"] == "it-broke"
    assert body["detail"] == "an unexpected error occurred"
    assert INTERNALS not in response.text
    assert "RuntimeError" not in response.text
    lines = of_request(json_lines(), "it-broke")
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert "Traceback (most recent call last)" in errors[0]["exception"]
    assert f"RuntimeError: {INTERNALS}" in errors[0]["exception"]
    [access] = [line for line in lines if line["logger"] == "taskboard.access"]
    assert access["status"] == 500
    # Nothing of the request's credentials, in the lines as written or in any record.
    written = json.dumps(json_lines())
    for secret in (new_password, admin.password, token, "$argon2", "Bearer"):
        assert secret not in written
        assert secret not in caplog.text
    assert "authorization" not in written.lower()
    assert "authorization" not in caplog.text.lower()
