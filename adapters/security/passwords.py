import asyncio

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

# An argon2id hash or verification with the default parameters holds 64 MiB while it runs; two at a
# time bound that at 128 MiB however many sign-ins arrive together (sixteen unbounded ones took
# the server from about 106 to 490 MiB). The others wait their turn.
DEFAULT_CONCURRENCY = 2


class Argon2PasswordHasher:
    """argon2id (RFC 9106) through argon2-cffi, run in a worker thread: a hash takes tens of ms.

    argon2-cffi releases the GIL while hashing, so up to `concurrency` hashes run in parallel on
    other threads; further ones wait (without a thread) until one finishes.
    """

    def __init__(
        self, hasher: argon2.PasswordHasher | None = None, concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        self._hasher = hasher or argon2.PasswordHasher(type=argon2.Type.ID)
        self._slots = asyncio.Semaphore(concurrency)

    @classmethod
    def fast_for_tests(cls) -> "Argon2PasswordHasher":
        """Still argon2id, with minimal cost: for test suites only, never for stored accounts."""
        return cls(argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        try:
            async with self._slots:
                return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
