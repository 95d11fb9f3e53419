"""Sign-in and bearer tokens over HTTP: what a token must be to open /api/v1, and when it stops working."""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from litestar import Litestar
from litestar.exceptions import NotAuthorizedException
from litestar.routes import HTTPRoute

from adapters.http.auth import VerifiedOnceToken
from adapters.security.stamps import password_stamp
from adapters.settings import Settings
from domain.unit_of_work import UnitOfWork
from tests.factories import unique_email
from tests.http.conftest import (
    Account,
    assert_problem,
    container_of,
    on_both_databases,
    register,
    settings_of,
    sign_in,
)

TOKEN_URL = "/api/v1/auth/token"


def assert_unauthorized(response: httpx.Response) -> dict[str, Any]:
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    return body


async def stored_stamp(app: Litestar, account: Account) -> str:
    """The password stamp a token for the account must carry: of the hash stored now."""
    async with container_of(app)() as request_container:
        uow: UnitOfWork = await request_container.get(UnitOfWork)
        async with uow.read_only():
            user = await uow.users.get_by_id(account.id)
    assert user is not None
    return password_stamp(user.password_hash)


def claims(settings: Settings, account: Account, stamp: str, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "sub": str(account.id),
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "role": "member",
        "pwd": stamp,
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@on_both_databases
async def test_sign_in_returns_a_bearer_token_that_opens_the_api(
    app: Litestar, api: httpx.AsyncClient
) -> None:
    user_id, email, password = await register(app)

    response = await api.post(TOKEN_URL, json={"email": email, "password": password})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == (await settings_of(app)).token_lifetime_seconds
    me = await api.get("/api/v1/users/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == str(user_id)


async def test_sign_in_accepts_the_email_in_any_case(app: Litestar, api: httpx.AsyncClient) -> None:
    _, email, password = await register(app)

    response = await api.post(TOKEN_URL, json={"email": f"  {email.upper()} ", "password": password})

    assert response.status_code == 200


@on_both_databases
async def test_wrong_password_and_unknown_email_get_the_same_401(
    app: Litestar, api: httpx.AsyncClient
) -> None:
    _, email, password = await register(app)

    wrong_password = await api.post(TOKEN_URL, json={"email": email, "password": password + "x"})
    unknown_email = await api.post(TOKEN_URL, json={"email": unique_email(), "password": password})

    first, second = assert_unauthorized(wrong_password), assert_unauthorized(unknown_email)
    assert first["detail"] == second["detail"]
    assert "access_token" not in first


async def test_token_route_refuses_a_role_in_the_body(app: Litestar, api: httpx.AsyncClient) -> None:
    _, email, password = await register(app)

    response = await api.post(TOKEN_URL, json={"email": email, "password": password, "role": "admin"})

    body = assert_problem(response, 422)
    assert [error["field"] for error in body["errors"]] == ["role"]


@on_both_databases
async def test_deactivated_users_token_stops_working_at_once(
    api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    assert (await api.get("/api/v1/users/me", headers=member.headers)).status_code == 200

    deactivate = await api.patch(
        f"/api/v1/users/{member.id}", json={"is_active": False}, headers=admin.headers
    )
    assert deactivate.status_code == 200

    assert_unauthorized(await api.get("/api/v1/users/me", headers=member.headers))
    assert_unauthorized(await api.post(TOKEN_URL, json={"email": member.email, "password": member.password}))


@on_both_databases
async def test_deleted_users_token_stops_working_at_once(
    api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    assert (await api.delete(f"/api/v1/users/{member.id}", headers=admin.headers)).status_code == 204

    assert_unauthorized(await api.get("/api/v1/users/me", headers=member.headers))


async def test_reactivated_users_token_works_again(
    api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    url = f"/api/v1/users/{member.id}"
    await api.patch(url, json={"is_active": False}, headers=admin.headers)
    await api.patch(url, json={"is_active": True}, headers=admin.headers)

    assert (await api.get("/api/v1/users/me", headers=member.headers)).status_code == 200


async def test_a_promoted_or_demoted_users_token_stops_working_until_they_sign_in_again(
    api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    """A token names the role it was issued for; a role change revokes it rather than stretch it."""
    promote = await api.patch(f"/api/v1/users/{member.id}", json={"role": "admin"}, headers=admin.headers)
    assert promote.status_code == 200, promote.text
    assert_unauthorized(await api.get("/api/v1/users/me", headers=member.headers))
    promoted = await sign_in(api, member.email, member.password)
    assert (await api.get("/api/v1/users", headers=promoted)).status_code == 200

    demote = await api.patch(f"/api/v1/users/{admin.id}", json={"role": "member"}, headers=promoted)
    assert demote.status_code == 200, demote.text
    # The old admin token cannot reach what only admins see.
    assert_unauthorized(await api.get("/api/v1/users", headers=admin.headers))


async def test_a_token_made_like_the_services_own_is_accepted(app: Litestar, api: httpx.AsyncClient) -> None:
    """The control for the refusals below: only the one thing each of them changes is wrong."""
    settings = await settings_of(app)
    user_id, email, password = await register(app)
    account = Account(id=user_id, email=email, password=password, headers={})

    stamp = await stored_stamp(app, account)
    token = jwt.encode(claims(settings, account, stamp), settings.secret_key, algorithm="HS256")

    assert (await api.get("/api/v1/users/me", headers=bearer(token))).status_code == 200


async def test_a_token_accepted_before_is_refused_once_it_has_expired(
    app: Litestar, api: httpx.AsyncClient, member: Account
) -> None:
    """Tokens are verified once per process (adapters/http/auth.py); expiry is checked at each use."""
    settings = await settings_of(app)
    stamp = await stored_stamp(app, member)
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    token = jwt.encode(claims(settings, member, stamp, exp=expires), settings.secret_key, algorithm="HS256")
    assert (await api.get("/api/v1/users/me", headers=bearer(token))).status_code == 200

    await asyncio.sleep((expires - datetime.now(UTC)).total_seconds() + 0.1)

    assert_unauthorized(await api.get("/api/v1/users/me", headers=bearer(token)))


async def test_a_token_accepted_before_is_checked_afresh_under_another_key(member: Account) -> None:
    """The same token, remembered as verified under one secret, is refused under another."""
    settings = Settings(secret_key="a" * 48)
    token = jwt.encode(claims(settings, member, "stamp"), settings.secret_key, algorithm="HS256")
    other = Settings(secret_key="b" * 48)

    def decode(secret: str) -> VerifiedOnceToken:
        return VerifiedOnceToken.decode(
            token,
            secret,
            "HS256",
            audience=settings.token_audience,
            issuer=settings.token_issuer,
            require_claims=["exp", "sub"],
        )

    assert decode(settings.secret_key).sub == str(member.id)

    with pytest.raises(NotAuthorizedException):
        decode(other.secret_key)


@pytest.mark.parametrize(
    ("case", "overrides", "key", "algorithm"),
    [
        ("expired", {"exp": datetime.now(UTC) - timedelta(seconds=30)}, None, "HS256"),
        ("another key", {}, "another-key-" + "k" * 40, "HS256"),
        ("wrong issuer", {"iss": "someone-else"}, None, "HS256"),
        ("wrong audience", {"aud": "another-api"}, None, "HS256"),
        ("no audience", {"aud": None}, None, "HS256"),
        ("no expiry", {"exp": None}, None, "HS256"),
        ("another algorithm, same key", {}, None, "HS512"),
        ("unsigned", {}, "", "none"),
        ("unknown user", {"sub": str(uuid4())}, None, "HS256"),
        ("subject not a user id", {"sub": "admin"}, None, "HS256"),
        ("no role", {"role": None}, None, "HS256"),
        ("a role the account does not hold", {"role": "admin"}, None, "HS256"),
        ("not a role", {"role": "owner"}, None, "HS256"),
        ("no password stamp", {"pwd": None}, None, "HS256"),
        ("the stamp of another password", {"pwd": password_stamp("$argon2id$another")}, None, "HS256"),
    ],
)
async def test_forged_or_stale_tokens_are_refused(
    app: Litestar,
    api: httpx.AsyncClient,
    member: Account,
    case: str,
    overrides: dict[str, Any],
    key: str | None,
    algorithm: str,
) -> None:
    settings = await settings_of(app)
    signing_key = settings.secret_key if key is None else key
    stamp = await stored_stamp(app, member)
    token = jwt.encode(claims(settings, member, stamp, **overrides), signing_key, algorithm=algorithm)

    assert_unauthorized(await api.get("/api/v1/users/me", headers=bearer(token)))


@pytest.mark.parametrize(
    "authorization", ["", "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNzd29yZA==", "Token abc"]
)
async def test_malformed_authorization_headers_are_refused(
    api: httpx.AsyncClient, authorization: str
) -> None:
    assert_unauthorized(await api.get("/api/v1/users/me", headers={"Authorization": authorization}))


async def test_every_api_route_but_sign_in_needs_a_token(app: Litestar, api: httpx.AsyncClient) -> None:
    checked = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/v1/"):
            continue
        path = re.sub(r"\{\w+\}", str(uuid4()), route.path_format)  # every id placeholder
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            response = await api.request(method, path, json={})
            if route.path == TOKEN_URL:
                assert response.status_code != 401, f"{method} {path} should be public"
            else:
                assert_unauthorized(response)
            checked.append(f"{method} {route.path_format}")
    # The walk above must really have found the routes the issue lists.
    assert set(checked) >= {
        "POST /api/v1/auth/token",
        "GET /api/v1/users/me",
        "GET /api/v1/users",
        "POST /api/v1/users",
        "GET /api/v1/users/{user_id}",
        "PATCH /api/v1/users/{user_id}",
        "DELETE /api/v1/users/{user_id}",
        "POST /api/v1/users/{user_id}/restore",
    }


@on_both_databases
async def test_changing_ones_password_revokes_every_token_issued_before(
    app: Litestar, api: httpx.AsyncClient
) -> None:
    user_id, email, password = await register(app)
    phone, laptop = await sign_in(api, email, password), await sign_in(api, email, password)

    changed = await api.patch(f"/api/v1/users/{user_id}", json={"password": "a-brand-new-one"}, headers=phone)

    assert changed.status_code == 200, changed.text
    for old_token in (phone, laptop):
        assert_unauthorized(await api.get("/api/v1/users/me", headers=old_token))
    fresh = await sign_in(api, email, "a-brand-new-one")
    assert (await api.get("/api/v1/users/me", headers=fresh)).status_code == 200


async def test_an_admin_resetting_a_password_revokes_that_users_tokens_only(
    app: Litestar, api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    reset = await api.patch(
        f"/api/v1/users/{member.id}", json={"password": "reset-by-the-admin"}, headers=admin.headers
    )

    assert reset.status_code == 200, reset.text
    assert_unauthorized(await api.get("/api/v1/users/me", headers=member.headers))
    assert (await api.get("/api/v1/users/me", headers=admin.headers)).status_code == 200
    await sign_in(api, member.email, "reset-by-the-admin")


async def test_changing_anything_but_the_password_keeps_tokens_working(
    api: httpx.AsyncClient, member: Account
) -> None:
    renamed = await api.patch(
        f"/api/v1/users/{member.id}", json={"full_name": "Someone Else"}, headers=member.headers
    )

    assert renamed.status_code == 200, renamed.text
    assert (await api.get("/api/v1/users/me", headers=member.headers)).status_code == 200
