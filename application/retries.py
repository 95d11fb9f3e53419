"""Running a use case again when its transaction collided with concurrent ones: the one retry rule."""

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from application.use_case import UseCase
from domain.errors import TransientConflict

MAX_ATTEMPTS = 3
# The first pause; each next one doubles. Collisions clear within milliseconds, and a request
# should not wait long before a 503 tells its client to come back.
FIRST_PAUSE_SECONDS = 0.02

U = TypeVar("U", bound=UseCase)


class RetryTransientConflicts:
    """Runs a use case again from the start, up to MAX_ATTEMPTS in all, when its unit of work raised
    TransientConflict (a serialization failure, a deadlock, a lock held too long).

    Safe for writes because the unit of work of the failed attempt was rolled back whole before the
    error left it: an attempt never continues half a transaction. The pauses grow and are jittered,
    so that the requests that collided do not collide again in step. After the last attempt the
    conflict goes to the caller (a 503 over HTTP).

    One per process: `retried` and `gave_up` count what happened, and `on_retry` / `on_give_up`
    tell whoever reports it (the composition root hands in the metrics' counters).
    """

    def __init__(
        self,
        *,
        attempts: int = MAX_ATTEMPTS,
        first_pause: float = FIRST_PAUSE_SECONDS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        on_retry: Callable[[], object] = lambda: None,
        on_give_up: Callable[[], object] = lambda: None,
    ) -> None:
        self._attempts = attempts
        self._first_pause = first_pause
        self._sleep = sleep
        self._jitter = jitter
        self._on_retry = on_retry
        self._on_give_up = on_give_up
        self.retried = 0  # attempts that ran again after a conflict
        self.gave_up = 0  # use cases whose last attempt still conflicted

    def around(self, use_case: U) -> U:
        """The same use case, its `execute` now run through `run`."""
        execute = use_case.execute

        async def retried(command: Any) -> Any:
            return await self.run(execute, command)

        use_case.execute = retried
        return use_case

    async def run(self, execute: Callable[[Any], Awaitable[Any]], command: Any) -> Any:
        attempt = 1
        while True:
            try:
                return await execute(command)
            except TransientConflict as conflict:
                if attempt == self._attempts:
                    self.gave_up += 1
                    self._on_give_up()
                    raise TransientConflict(
                        f"{conflict.message}; gave up after {attempt} attempts, try again"
                    ) from conflict
            self.retried += 1
            self._on_retry()
            # Between half and one and a half times the doubling pause.
            await self._sleep(self._first_pause * 2 ** (attempt - 1) * (0.5 + self._jitter()))
            attempt += 1
