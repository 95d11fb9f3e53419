"""Helpers for the HTTP tests: accounts made through the app's own container, with tokens minted by
the app's token issuer (sign-in itself is tested over HTTP in test_auth.py)."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from dishka import AsyncContainer
from litestar import Litestar

from adapters.http.problems import Source, problem_type
from adapters.settings import Settings
from application.ports import TokenIssuer
from application.users.register_user import RegisterUser, RegisterUserCommand
from domain.users import Actor, User, UserRole
from tests.factories import UserCreateFactory

PROBLEM_JSON = "application/problem+json"
SOURCES = {source.value for source in Source}
# An id no object has. Fixed rather than random where it names a parametrised case: every
# pytest-xdist worker must collect the same test ids.
NOBODY = UUID("9d3f6c1e-4b2a-4c8e-9f1d-000000000000")

# The main flows run on both databases (or on every backend); the rest on SQLite only (the `api`
# fixture's default). The app is built once per module and backend, so tests are grouped by backend.
on_both_databases = pytest.mark.parametrize("api_backend", ["sqlite", "postgresql"], indirect=True)
on_every_backend = pytest.mark.parametrize("api_backend", ["memory", "sqlite", "postgresql"], indirect=True)


@dataclass(frozen=True, slots=True)
class Account:
    id: UUID
    email: str
    password: str
    headers: dict[str, str]


def container_of(app: Litestar) -> AsyncContainer:
    container: AsyncContainer = app.state.dishka_container
    return container


async def settings_of(app: Litestar) -> Settings:
    return await container_of(app).get(Settings)


async def register(app: Litestar, role: UserRole = UserRole.MEMBER) -> tuple[UUID, str, str]:
    """Create a user as the operator does from the CLI; returns (id, email, password)."""
    user, password = await _register(app, role)
    return user.id, user.email, password


async def _register(app: Litestar, role: UserRole) -> tuple[User, str]:
    body = UserCreateFactory.build(role=role)
    async with container_of(app)() as request_container:
        use_case = await request_container.get(RegisterUser)
        user = await use_case.execute(
            RegisterUserCommand(
                actor=Actor.operator(),
                email=body.email,
                full_name=body.full_name,
                password=body.password,
                role=role,
            )
        )
    return user, body.password


async def sign_in(api: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await api.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def bearer_for(app: Litestar, user: User) -> dict[str, str]:
    """The headers of a signed-in user, with a token from the app's own issuer (no sign-in request)."""
    tokens = await container_of(app).get(TokenIssuer)
    return {"Authorization": f"Bearer {tokens.issue(user.as_actor(), user.password_hash).access_token}"}


async def new_account(app: Litestar, api: httpx.AsyncClient, role: UserRole = UserRole.MEMBER) -> Account:
    user, password = await _register(app, role)
    return Account(id=user.id, email=user.email, password=password, headers=await bearer_for(app, user))


@pytest.fixture
async def admin(app: Litestar, api: httpx.AsyncClient) -> Account:
    return await new_account(app, api, UserRole.ADMIN)


@pytest.fixture
async def member(app: Litestar, api: httpx.AsyncClient) -> Account:
    return await new_account(app, api, UserRole.MEMBER)


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """An RFC 9457 problem with this status and the type URI of its kind, about the path that was
    requested, each offending input said where it was, naming the request's id as its X-Request-ID
    header does; returns its body but for that id, which differs from one request to the next."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["type"] == problem_type(status)
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == response.request.url.path
    assert body.pop("request_id") == response.headers["X-Request-ID"]
    if status < 500 and status != 503:
        assert all(error["source"] in SOURCES for error in body.get("errors", [])), body
    return body


def fields_at_fault(problem: dict[str, Any]) -> set[str]:
    return {error["field"] for error in problem.get("errors", [])}
