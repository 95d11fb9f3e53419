"""Every error is an RFC 9457 problem, refuses cleanly, and gives nothing away."""

import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.http.problems import PROBLEM_KINDS, problem_type
from application.users.get_user import GetUser, GetUserQuery
from domain.unit_of_work import UnitOfWork
from domain.users import User
from tests.conftest import FastHashingProvider, http_client, settings_for, start_app, stop_app
from tests.factories import UserCreateFactory
from tests.http.conftest import (
    NOBODY,
    Account,
    assert_problem,
    container_of,
    fields_at_fault,
    new_account,
    settings_of,
)

USERS = "/api/v1/users"
TOKEN_URL = "/api/v1/auth/token"
INTERNALS = "the-database-password-is-hunter2"


async def read_user(api: httpx.AsyncClient, admin: Account, user_id: object) -> dict[str, Any]:
    response = await api.get(f"{USERS}/{user_id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


# --- unknown and malformed input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", str(NOBODY)),
        ("is_deleted", True),
        ("version", 99),
        ("created_at", "2001-01-01T00:00:00Z"),
        ("updated_at", "2001-01-01T00:00:00Z"),
        ("password_hash", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),
    ],
)
async def test_patch_refuses_fields_nobody_may_set_and_changes_nothing(
    api: httpx.AsyncClient, admin: Account, member: Account, field: str, value: object
) -> None:
    before = await read_user(api, admin, member.id)

    response = await api.patch(
        f"{USERS}/{member.id}", json={"full_name": "Sneaky", field: value}, headers=admin.headers
    )

    assert fields_at_fault(assert_problem(response, 422)) == {field}
    assert await read_user(api, admin, member.id) == before


@pytest.mark.parametrize("field", ["id", "is_deleted", "is_active", "version", "created_at"])
async def test_create_refuses_fields_the_service_assigns(
    api: httpx.AsyncClient, admin: Account, field: str
) -> None:
    body: dict[str, Any] = {
        "email": UserCreateFactory.build().email,
        "full_name": "Someone",
        "password": "a-long-password",
        field: str(uuid4()) if field == "id" else 1,
    }

    response = await api.post(USERS, json=body, headers=admin.headers)

    assert fields_at_fault(assert_problem(response, 422)) == {field}
    listed = await api.get(USERS, params={"email": body["email"]}, headers=admin.headers)
    assert listed.json()["total"] == 0


@pytest.mark.parametrize(
    "path",
    [
        f"{USERS}/not-a-uuid",
        f"{USERS}/12345",
        f"{USERS}/{NOBODY}x",
        f"{USERS}/not-a-uuid/restore",
        f"{USERS}/%00",
    ],
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_malformed_user_id_is_a_client_error_never_a_crash(
    api: httpx.AsyncClient, admin: Account, path: str, method: str
) -> None:
    response = await api.request(method, path, json={"full_name": "X"}, headers=admin.headers)

    assert 400 <= response.status_code < 500
    assert_problem(response, response.status_code)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"email": "a@example.com", "password": ', b"[]", b'"just a string"', b"", b"\xff\xfe"],
)
async def test_malformed_json_body_is_a_client_problem(
    api: httpx.AsyncClient, admin: Account, content: bytes
) -> None:
    for url in (TOKEN_URL, USERS):
        response = await api.post(
            url, content=content, headers={**admin.headers, "Content-Type": "application/json"}
        )

        assert 400 <= response.status_code < 500, (url, content, response.text)
        assert_problem(response, response.status_code)


async def test_wrong_types_in_the_body_name_the_field(api: httpx.AsyncClient, admin: Account) -> None:
    response = await api.post(
        USERS,
        json={"email": "someone@example.com", "full_name": ["not", "a", "name"], "password": "long-enough"},
        headers=admin.headers,
    )

    assert fields_at_fault(assert_problem(response, 422)) == {"full_name"}


@pytest.mark.parametrize("loose", [0, 1, "true"], ids=["zero", "one", "string"])
async def test_a_boolean_given_as_another_json_type_is_refused_by_name_and_changes_nothing(
    api: httpx.AsyncClient, admin: Account, loose: object
) -> None:
    # Litestar on its own would read 0 and 1 as booleans; the document says a JSON boolean.
    me = f"{USERS}/{admin.id}"
    before = (await api.get(me, headers=admin.headers)).json()

    response = await api.patch(me, json={"is_active": loose}, headers=admin.headers)

    assert errors_of(assert_problem(response, 422)) == {"is_active": "body"}
    assert (await api.get(me, headers=admin.headers)).json() == before


# --- every invalid input at once, and where it was ------------------------------------------------


def errors_of(problem: dict[str, Any]) -> dict[str, str]:
    """Each offending input's name and where it was (body, query, path, header)."""
    return {error["field"]: error["source"] for error in problem["errors"]}


async def test_a_body_with_several_invalid_fields_gets_one_422_naming_each(
    api: httpx.AsyncClient, admin: Account
) -> None:
    response = await api.post(
        USERS,
        json={"email": "x", "full_name": " ", "password": "short", "role": "boss", "nickname": "Ada"},
        headers=admin.headers,
    )

    problem = assert_problem(response, 422)
    assert errors_of(problem) == dict.fromkeys(["email", "full_name", "password", "role", "nickname"], "body")
    assert len(problem["errors"]) == 5


async def test_every_missing_required_field_is_named(api: httpx.AsyncClient, admin: Account) -> None:
    response = await api.post(USERS, json={"role": "member"}, headers=admin.headers)

    assert errors_of(assert_problem(response, 422)) == dict.fromkeys(
        ["email", "full_name", "password"], "body"
    )


async def test_invalid_query_parameters_are_named_together(api: httpx.AsyncClient, admin: Account) -> None:
    response = await api.get(
        USERS,
        params={"limit": 0, "offset": -1, "sort": "email,email", "is_active": "maybe"},
        headers=admin.headers,
    )

    assert errors_of(assert_problem(response, 422)) == dict.fromkeys(
        ["limit", "offset", "sort", "is_active"], "query"
    )


async def test_a_bad_header_and_a_bad_body_are_named_together(
    api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    response = await api.patch(
        f"{USERS}/{member.id}", json={"full_name": 5}, headers={**admin.headers, "If-Match": "version 1"}
    )

    assert errors_of(assert_problem(response, 422)) == {"If-Match": "header", "full_name": "body"}


async def test_a_rule_of_the_service_names_its_input_and_where_it_was(
    api: httpx.AsyncClient, admin: Account
) -> None:
    body = await api.get(
        "/api/v1/tasks", params={"assignee": "none", "assignee_id": str(NOBODY)}, headers=admin.headers
    )
    nul = await api.post(
        USERS,
        json={"email": "a@example.com", "full_name": "A\x00", "password": "x" * 8},
        headers=admin.headers,
    )

    assert errors_of(assert_problem(body, 422)) == {"assignee": "query"}
    assert errors_of(assert_problem(nul, 422)) == {"full_name": "body"}


def readme_problem_section() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    return readme.split("### Problem details", 1)[1].split("\n### ", 1)[0]


async def test_the_readme_problem_example_is_what_the_service_answers(
    api: httpx.AsyncClient, admin: Account
) -> None:
    section = readme_problem_section()
    sent = re.search(r"-d '(\{.*?\})'", section)
    shown = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert sent is not None
    assert shown is not None

    response = await api.post(USERS, json=json.loads(sent.group(1)), headers=admin.headers)

    # Every request has an id of its own: the example's stands for the one in X-Request-ID.
    answered, example = response.json(), json.loads(shown.group(1))
    assert answered.pop("request_id") == response.headers["X-Request-ID"]
    example.pop("request_id")
    assert answered == example


def test_the_readme_lists_every_problem_type() -> None:
    listed = set(
        re.findall(r"^\| `(urn:taskboard:problem:[a-z-]+)` \| (\d{3}) \|", readme_problem_section(), re.M)
    )

    assert listed == {(problem_type(status), str(status)) for status in PROBLEM_KINDS}


# --- size cap -------------------------------------------------------------------------------------


def padded_body(size: int, **fields: str) -> bytes:
    """A JSON object of exactly `size` bytes: the fields, then spaces (still valid JSON)."""
    body = json.dumps(fields).encode()
    assert len(body) <= size
    return body[:-1] + b" " * (size - len(body)) + b"}"


async def test_body_over_the_cap_is_413(app: Litestar, api: httpx.AsyncClient, admin: Account) -> None:
    cap = (await settings_of(app)).max_body_bytes
    too_big = padded_body(cap + 1, email="someone@example.com", password="whatever-it-is")

    for url in (TOKEN_URL, USERS):
        response = await api.post(
            url, content=too_big, headers={**admin.headers, "Content-Type": "application/json"}
        )

        assert_problem(response, 413)


async def test_body_exactly_at_the_cap_is_read(app: Litestar, api: httpx.AsyncClient) -> None:
    cap = (await settings_of(app)).max_body_bytes
    at_cap = padded_body(cap, email="nobody@example.com", password="not-their-password")

    response = await api.post(TOKEN_URL, content=at_cap, headers={"Content-Type": "application/json"})

    # Read and judged on its content (no such account), not refused for its size.
    assert_problem(response, 401)


async def test_streamed_body_over_the_cap_is_413_without_a_content_length(
    app: Litestar, api: httpx.AsyncClient
) -> None:
    cap = (await settings_of(app)).max_body_bytes

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"email": "a@example.com", "password": "x", "padding": "'
        for _ in range(cap // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    response = await api.post(TOKEN_URL, content=chunks(), headers={"Content-Type": "application/json"})

    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


# --- routing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/users", "/nowhere"])
async def test_unknown_route_is_a_404_problem(api: httpx.AsyncClient, admin: Account, path: str) -> None:
    assert_problem(await api.get(path, headers=admin.headers), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", f"{USERS}/{NOBODY}", {"GET", "PATCH", "DELETE"}),
        ("DELETE", USERS, {"GET", "POST"}),
        ("GET", TOKEN_URL, {"POST"}),
        ("POST", "/health/live", {"GET"}),
    ],
)
async def test_wrong_method_is_a_405_problem_listing_the_right_ones(
    api: httpx.AsyncClient, admin: Account, method: str, path: str, allowed: set[str]
) -> None:
    response = await api.request(method, path, headers=admin.headers)

    assert_problem(response, 405)
    assert {name.strip() for name in response.headers["allow"].split(",")} - {"OPTIONS"} == allowed


# --- unexpected failures --------------------------------------------------------------------------


class ExplodingGetUser(GetUser):
    async def execute(self, query: GetUserQuery) -> User:
        raise RuntimeError(INTERNALS)


class ExplodingGetUserProvider(Provider):
    @provide(scope=Scope.REQUEST)
    def get_user(self, uow: UnitOfWork) -> GetUser:
        return ExplodingGetUser(uow)


@pytest.fixture
async def exploding_app(api_database: tuple[str, AsyncEngine | None]) -> AsyncIterator[Litestar]:
    url, _ = api_database
    application = create_app(settings_for(url), FastHashingProvider(), ExplodingGetUserProvider())
    await start_app(application)
    yield application
    await stop_app(application)


async def test_unexpected_exception_is_a_500_problem_without_internals(
    exploding_app: Litestar, caplog: pytest.LogCaptureFixture
) -> None:
    async with http_client(exploding_app) as api:
        account = await new_account(exploding_app, api)
        with caplog.at_level(logging.ERROR):
            response = await api.get(f"{USERS}/me", headers=account.headers)

    body = assert_problem(response, 500)
    assert INTERNALS not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    assert "errors" not in body
    # The operator still learns what happened, from the log.
    assert INTERNALS in caplog.text


# --- secrets --------------------------------------------------------------------------------------


async def stored_password_hash(app: Litestar, email: str) -> str:
    async with container_of(app)() as request_container:
        uow: UnitOfWork = await request_container.get(UnitOfWork)
        async with uow:
            user = await uow.users.get_by_email(email)
    assert user is not None
    return user.password_hash


async def test_passwords_and_hashes_appear_in_no_response_and_no_log(
    app: Litestar, api: httpx.AsyncClient, admin: Account, caplog: pytest.LogCaptureFixture
) -> None:
    body = UserCreateFactory.build()
    new_password = "another-secret-password"
    responses: list[httpx.Response] = []

    with caplog.at_level(logging.DEBUG):
        created = await api.post(
            USERS,
            json={"email": body.email, "full_name": body.full_name, "password": body.password},
            headers=admin.headers,
        )
        user_url = f"{USERS}/{created.json()['id']}"
        responses += [
            created,
            await api.post(TOKEN_URL, json={"email": body.email, "password": body.password}),
            await api.post(TOKEN_URL, json={"email": body.email, "password": new_password}),
            await api.post(TOKEN_URL, json={"email": body.email, "password": body.password, "x": 1}),
            await api.get(user_url, headers=admin.headers),
            await api.get(USERS, headers=admin.headers, params={"email": body.email}),
            await api.patch(user_url, json={"password": new_password}, headers=admin.headers),
            await api.patch(user_url, json={"password": "short"}, headers=admin.headers),
            await api.post(
                USERS,
                json={"email": body.email, "full_name": "Again", "password": new_password},
                headers=admin.headers,
            ),
        ]
        password_hash = await stored_password_hash(app, body.email)

    assert [response.status_code for response in responses] == [201, 200, 401, 422, 200, 200, 200, 422, 409]
    secrets = [body.password, new_password, password_hash, "$argon2"]
    for response in responses:
        for secret in secrets:
            assert secret not in response.text, (response.request.url, secret)
    assert caplog.records, "nothing was logged: the check below would prove nothing"
    for secret in secrets:
        assert secret not in caplog.text


@pytest.fixture
async def users_refuse_updates(api_database: tuple[str, AsyncEngine | None]) -> AsyncIterator[None]:
    """A database fault: PostgreSQL refuses every update of a user, quoting the new password hash in
    its message as it quotes values in many of its own (e.g. "invalid input syntax")."""
    _, engine = api_database
    assert engine is not None
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            "CREATE FUNCTION refuse_user_updates() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refusing %', NEW.password_hash; END $$"
        )
        await connection.exec_driver_sql(
            "CREATE TRIGGER refuse_user_updates BEFORE UPDATE ON users "
            "FOR EACH ROW EXECUTE FUNCTION refuse_user_updates()"
        )
    yield
    async with engine.begin() as connection:
        await connection.exec_driver_sql("DROP TRIGGER refuse_user_updates ON users")
        await connection.exec_driver_sql("DROP FUNCTION refuse_user_updates()")


@pytest.mark.parametrize("api_backend", ["postgresql"], indirect=True)
async def test_a_database_error_is_logged_once_with_the_request_id_and_without_secrets(
    app: Litestar,
    api: httpx.AsyncClient,
    admin: Account,
    users_refuse_updates: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    old_hash = await stored_password_hash(app, admin.email)
    new_password = "the-new-secret-password"

    with caplog.at_level(logging.DEBUG):
        response = await api.patch(
            f"{USERS}/{admin.id}",
            json={"password": new_password},
            headers={**admin.headers, "X-Request-ID": "req-42"},
        )

    assert_problem(response, 500)
    assert response.headers["X-Request-ID"] == "req-42"
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1, [record.getMessage() for record in errors]
    line = errors[0].getMessage()
    assert "req-42" in line
    assert "UPDATE users" in line
    assert errors[0].exc_info is None  # one line, no traceback
    for secret in (new_password, admin.password, old_hash, "$argon2"):
        assert secret not in caplog.text
        assert secret not in response.text
    # The refused update changed nothing.
    assert await stored_password_hash(app, admin.email) == old_hash
