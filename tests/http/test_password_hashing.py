"""Password hashing is bounded: a flood of sign-ins waits its turn instead of taking 64 MiB each."""

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Literal

import argon2
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.security.passwords import DEFAULT_CONCURRENCY, Argon2PasswordHasher
from application.ports import PasswordHasher
from domain.users import UserRole
from tests.conftest import http_client, settings_for, start_app, stop_app
from tests.http.conftest import assert_problem, register

TOKEN_URL = "/api/v1/auth/token"
FLOOD = 16


class CountingArgon2(argon2.PasswordHasher):
    """argon2id at minimal cost, counting how many hashes and verifications run at once."""

    def __init__(self) -> None:
        # Heavy enough (4 MiB) that unbounded calls would overlap, light enough to stay fast.
        super().__init__(time_cost=1, memory_cost=4096, parallelism=1)
        self._lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0
        self.calls = 0

    def _enter(self) -> None:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.most_at_once = max(self.most_at_once, self.running)

    def _leave(self) -> None:
        with self._lock:
            self.running -= 1

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._enter()
        try:
            return super().hash(password, salt=salt)
        finally:
            self._leave()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self._enter()
        try:
            return super().verify(hash, password)
        finally:
            self._leave()


@pytest.fixture
def counting() -> CountingArgon2:
    return CountingArgon2()


@pytest.fixture
async def counted_app(
    api_database: tuple[str, AsyncEngine | None], counting: CountingArgon2
) -> AsyncIterator[Litestar]:
    class CountingHashingProvider(Provider):
        @provide(scope=Scope.APP)
        def password_hasher(self) -> PasswordHasher:
            return Argon2PasswordHasher(counting)

    url, _ = api_database
    application = create_app(settings_for(url), CountingHashingProvider())
    await start_app(application)
    yield application
    await stop_app(application)


async def test_a_flood_of_sign_ins_is_answered_with_at_most_two_hashes_at_once(
    counted_app: Litestar, counting: CountingArgon2
) -> None:
    _, email, password = await register(counted_app, UserRole.MEMBER)
    attempts = [{"email": email, "password": f"wrong-{n}"} for n in range(FLOOD // 2)]
    attempts += [{"email": f"nobody-{n}@example.com", "password": password} for n in range(FLOOD // 2)]
    counting.calls = counting.most_at_once = 0

    async with http_client(counted_app) as api:
        responses = await asyncio.gather(*(api.post(TOKEN_URL, json=body) for body in attempts))
        signed_in = await api.post(TOKEN_URL, json={"email": email, "password": password})

    for response in responses:
        assert_problem(response, 401)
    assert signed_in.status_code == 200, signed_in.text
    assert counting.calls == FLOOD + 1  # every attempt was hashed or verified: none skipped
    assert counting.most_at_once <= DEFAULT_CONCURRENCY
