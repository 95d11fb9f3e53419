"""A repeat of an Idempotency-Key while its first request still runs is refused at once, with 409.

The first request is held mid-way (its password hash waits on a gate), so "still running" is a
fact of the test, not a race; the same on every backend.
"""

import asyncio
from collections.abc import AsyncIterator

import argon2
import httpx
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.security.passwords import Argon2PasswordHasher
from application.ports import PasswordHasher
from domain.users import UserRole
from tests.conftest import settings_for, start_app, stop_app
from tests.factories import UserCreateFactory
from tests.http.conftest import Account, assert_problem, fields_at_fault, new_account, on_every_backend

USERS = "/api/v1/users"
KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


class GatedHasher(Argon2PasswordHasher):
    """The tests' fast argon2id, whose next hash waits until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__(argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        self.waiting = asyncio.Event()
        self.gate: asyncio.Event | None = None

    async def hash(self, password: str) -> str:
        if self.gate is not None:
            self.waiting.set()
            await self.gate.wait()
        return await super().hash(password)


@pytest.fixture(scope="module")
def hasher() -> GatedHasher:
    return GatedHasher()


@pytest.fixture(scope="module")
async def module_app(
    api_database: tuple[str, AsyncEngine | None], hasher: GatedHasher
) -> AsyncIterator[Litestar]:
    class GatedHashingProvider(Provider):
        @provide(scope=Scope.APP)
        def password_hasher(self) -> PasswordHasher:
            return hasher

    url, _ = api_database
    application = create_app(settings_for(url), GatedHashingProvider())
    await start_app(application)
    yield application
    await stop_app(application)


@pytest.fixture
async def admin(app: Litestar, api: httpx.AsyncClient, hasher: GatedHasher) -> AsyncIterator[Account]:
    account = await new_account(app, api, UserRole.ADMIN)
    yield account
    hasher.gate = None


@on_every_backend
async def test_a_repeat_while_the_first_runs_is_a_409_then_replays_once_it_is_done(
    api: httpx.AsyncClient, admin: Account, hasher: GatedHasher
) -> None:
    new = UserCreateFactory.build()
    body = {"email": new.email, "full_name": new.full_name, "password": new.password, "role": "member"}
    headers = {**admin.headers, KEY: "create-carol"}
    gate = asyncio.Event()
    hasher.waiting.clear()
    hasher.gate = gate
    first = asyncio.create_task(api.post(USERS, json=body, headers=headers))
    await asyncio.wait_for(hasher.waiting.wait(), timeout=10)
    hasher.gate = None  # only the first waits

    # The first is inside its use case now; the repeat does not wait for it.
    repeat = await asyncio.wait_for(api.post(USERS, json=body, headers=headers), timeout=5)
    assert fields_at_fault(assert_problem(repeat, 409)) == {KEY}
    assert not first.done()

    gate.set()
    created = await first
    assert created.status_code == 201, created.text
    assert REPLAYED not in created.headers
    after = await api.post(USERS, json=body, headers=headers)
    assert after.status_code == 201
    assert after.headers[REPLAYED] == "true"
    assert after.json() == created.json()
    listed = await api.get(USERS, headers=admin.headers, params={"limit": 100})
    assert [user["email"] for user in listed.json()["items"]].count(new.email) == 1
