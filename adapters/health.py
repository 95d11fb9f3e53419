"""Readiness, as the health endpoint asks it: can the service reach its store, is the schema current?

The port lives here, apart from any database code, so that the HTTP adapter depends on the question
and the composition root picks the answer (the SQL probe or the memory one).
"""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)


class ReadinessProbe(Protocol):
    async def check(self) -> Readiness: ...


class MemoryReadinessProbe:
    """The memory store lives in the process: if the process answers, it is ready."""

    async def check(self) -> Readiness:
        return Readiness(ready=True, checks={"database": "ok", "schema": "ok"})
