import asyncio

import argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """argon2id (RFC 9106) through argon2-cffi, run in a worker thread: a hash takes tens of ms.

    argon2-cffi releases the GIL while hashing, so sign-ins on other threads proceed in parallel.
    """

    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher(type=argon2.Type.ID)

    @classmethod
    def fast_for_tests(cls) -> "Argon2PasswordHasher":
        """Still argon2id, with minimal cost: for test suites only, never for stored accounts."""
        return cls(argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
