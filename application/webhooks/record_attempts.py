from collections.abc import Sequence
from dataclasses import dataclass

from application.ports import Clock
from application.use_case import UseCase
from domain.unit_of_work import UnitOfWork
from domain.webhooks import AttemptOutcome, ClaimedDelivery, after_attempt


@dataclass(frozen=True, slots=True)
class RecordAttemptsCommand:
    attempts: Sequence[tuple[ClaimedDelivery, AttemptOutcome]]


class RecordAttempts(UseCase):
    """What a dispatcher does last in each round: store what each attempt got, in one transaction.

    Rules: a 2xx answer delivers; anything else (another status, no answer within 10 s, no
    connection, a refused address) is tried again on the schedule of domain/webhooks.py, for 24
    hours from the first attempt, then has failed for good. The attempt of a dispatcher whose
    lease ran out (another took the delivery over) is not recorded.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: RecordAttemptsCommand) -> None:
        now = self._clock.now()
        records = [after_attempt(claimed, outcome, now) for claimed, outcome in command.attempts]
        async with self._uow:
            await self._uow.deliveries.record(records)
