"""Rate limits: sign-in failures per account, sign-ins per client address, writes per caller.

Counted by the `limits` package (moving windows), in Redis when TASKBOARD_REDIS_URL is set, so that
every worker process shares the counters, else in this process's memory. A refusal is a 429 problem
with Retry-After: the seconds until the oldest counted event leaves the window.
"""

import hashlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from litestar import Request
from litestar.exceptions import TooManyRequestsException

from adapters.http.auth import is_public
from adapters.settings import Settings
from domain.errors import AuthenticationFailed
from domain.users import Actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KEY_PREFIX = "taskboard"
logger = logging.getLogger(__name__)
T = TypeVar("T")


def limit_storage(redis_url: str | None) -> Storage:
    if redis_url is None:
        return MemoryStorage()
    # wrap_exceptions: any Redis failure arrives as limits' StorageError, handled below.
    storage = storage_from_string(f"async+{redis_url}", key_prefix=KEY_PREFIX, wrap_exceptions=True)
    assert isinstance(storage, Storage), "an async+ URL gives an asyncio storage"
    return storage


class RateLimits:
    """The three limits of the settings; a limit set to None is not counted at all.

    When the counters cannot be reached (Redis down), requests are let through and a warning logged:
    a limit protects the service, and refusing everyone would be the outage it guards against.
    """

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.storage = storage if storage is not None else limit_storage(settings.redis_url)
        self._window = MovingWindowRateLimiter(self.storage)
        self._failures = _item(settings.sign_in_failures_per_account)
        self._sign_ins = _item(settings.sign_ins_per_address)
        self._writes = _item(settings.writes_per_caller)

    @asynccontextmanager
    async def signing_in(self, address: str, email: str) -> AsyncIterator[None]:
        """Around one sign-in: refused when the address tried too often or the account failed too
        often; a failure inside counts against the account, a success clears its failures."""
        account = _account_key(email)
        await self._hit_or_refuse(self._sign_ins, "too many sign-ins from this address", "address", address)
        if self._failures is not None and not await self._safely(
            self._window.test, self._failures, "account", account, default=True
        ):
            self._refuse(
                await self._retry_after(self._failures, "account", account),
                "too many failed sign-ins for this account",
            )
        try:
            yield
        except AuthenticationFailed:
            if self._failures is not None:
                await self._safely(self._window.hit, self._failures, "account", account, default=True)
            raise
        if self._failures is not None:
            await self._safely(self._window.clear, self._failures, "account", account, default=None)

    async def count_write(self, actor: Actor) -> None:
        await self._hit_or_refuse(self._writes, "too many changes from this caller", "writes", str(actor.id))

    async def _hit_or_refuse(self, item: RateLimitItem | None, message: str, *identifiers: str) -> None:
        if item is None:
            return
        if not await self._safely(self._window.hit, item, *identifiers, default=True):
            self._refuse(await self._retry_after(item, *identifiers), message)

    async def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        stats = await self._safely(self._window.get_window_stats, item, *identifiers, default=None)
        reset_at = time.time() + item.get_expiry() if stats is None else stats.reset_time
        return max(1, math.ceil(reset_at - time.time()))

    @staticmethod
    def _refuse(retry_after: int, message: str) -> None:
        raise TooManyRequestsException(
            detail=f"{message}; try again in {retry_after} s", headers={"Retry-After": str(retry_after)}
        )

    @staticmethod
    async def _safely(operation: Callable[..., Awaitable[T]], *arguments: Any, default: T) -> T:
        try:
            return await operation(*arguments)
        except StorageError as error:
            logger.warning("rate limits not counted: %s", type(error.storage_error).__name__)
            return default


def counts_as_write(method: str, path: str) -> bool:
    """Whether a request counts against its caller's write limit: every change of a signed-in
    caller, which is every change but to the public paths (sign-in has limits of its own)."""
    return method not in SAFE_METHODS and not is_public(path)


async def limit_writes(request: Request[Any, Any, Any]) -> None:
    """Before every handler: a signed-in caller's change counts against their write limit."""
    actor = request.scope.get("user")
    if not counts_as_write(request.method, request.scope["path"]) or not isinstance(actor, Actor):
        return
    limits: RateLimits = await request.state.dishka_container.get(RateLimits)
    await limits.count_write(actor)


def _item(limit: str | None) -> RateLimitItem | None:
    return None if limit is None else parse(limit)


def _account_key(email: str) -> str:
    # The counters name accounts by a digest: an email address has no business in Redis.
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()
