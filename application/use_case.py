"""What every use case is: one class, one public `execute(command)` that opens its own units of work."""

from collections.abc import Awaitable, Callable
from typing import Any


class UseCase:
    """Base of every use case.

    `execute` opens the use case's unit of work itself, so calling `execute` again runs the use case
    again from the start, in a new transaction; nothing of a failed attempt survives its rollback.
    The composition root relies on that to retry every use case (application/retries.py).
    """

    execute: Callable[[Any], Awaitable[Any]]
