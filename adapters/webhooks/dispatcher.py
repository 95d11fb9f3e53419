"""The dispatcher: rounds of route, claim, send and record, until it is stopped.

It runs in each `taskboard serve` worker (TASKBOARD_WEBHOOK_IN_PROCESS, the default) or alone as
`taskboard worker`; any number of them share one database. Each round is two short transactions
(TakeDueDeliveries, then RecordAttempts) around the HTTP attempts, which run concurrently and hold
no connection. A round that found work (deliveries to attempt, or more events than it routes at a
time) is followed by the next at once; an idle one waits for the poll interval or for `wake()`.

At least once: a claim is a lease (LEASE, well beyond the 10 s an attempt may take). A dispatcher
that dies between claim and record, mid-batch, leaves its claims to expire, and the next dispatcher
attempts those deliveries again: a receiver may see an event twice (same Webhook-Id), never zero
times.
"""

import asyncio
import contextlib
import logging
from datetime import timedelta

from dishka import AsyncContainer

from adapters.settings import Settings
from adapters.webhooks.sender import WebhookSender
from application.webhooks.record_attempts import RecordAttempts, RecordAttemptsCommand
from application.webhooks.take_due_deliveries import TakeDueDeliveries, TakeDueDeliveriesCommand

logger = logging.getLogger("taskboard.webhooks")
# Deliveries claimed per round, attempted concurrently.
BATCH_SIZE = 20
LEASE = timedelta(seconds=60)
# How long a stopping dispatcher lets its round finish (its attempts take at most 10 s).
STOP_GRACE_SECONDS = 15


class Dispatcher:
    def __init__(
        self,
        container: AsyncContainer,
        sender: WebhookSender,
        *,
        poll_interval: float,
        batch_size: int = BATCH_SIZE,
        lease: timedelta = LEASE,
    ) -> None:
        self._container = container
        self._sender = sender
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._lease = lease
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """One round; returns how many deliveries it attempted."""
        attempted, _more_to_route = await self._round()
        return attempted

    async def _round(self) -> tuple[int, bool]:
        async with self._container() as request:
            take = await request.get(TakeDueDeliveries)
            taken = await take.execute(TakeDueDeliveriesCommand(limit=self._batch_size, lease=self._lease))
            claimed = taken.claimed
            if not claimed:
                return 0, taken.more_to_route
            outcomes = await asyncio.gather(*(self._sender.send(delivery) for delivery in claimed))
            for delivery, outcome in zip(claimed, outcomes, strict=True):
                logger.info(
                    "delivery %s of event %s: %s",
                    delivery.id,
                    delivery.event_id,
                    "delivered" if outcome.succeeded else outcome.error,
                )
            record = await request.get(RecordAttempts)
            await record.execute(RecordAttemptsCommand(attempts=list(zip(claimed, outcomes, strict=True))))
        return len(claimed), taken.more_to_route

    async def run(self) -> None:
        """Rounds until `stop()`; a round that fails (the database away, say) is logged and the
        next one comes after the poll interval."""
        while not self._stopping:
            self._wake.clear()
            try:
                attempted, more_to_route = await self._round()
            except Exception as error:
                logger.warning("webhook round failed, trying again shortly: %s", error)
                attempted, more_to_route = 0, False
            if attempted == 0 and not more_to_route and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll_interval):
                        await self._wake.wait()

    def wake(self) -> None:
        """Start the next round now instead of at the end of the poll interval."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name="webhook dispatcher")

    async def stop(self) -> None:
        """Let the round under way finish (its claims recorded), then end; cancel it if it outlasts
        STOP_GRACE_SECONDS (its claims then expire and are attempted again elsewhere)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            async with asyncio.timeout(STOP_GRACE_SECONDS):
                await asyncio.shield(task)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def dispatcher_for(container: AsyncContainer, settings: Settings) -> Dispatcher:
    """The dispatcher of a container built by the composition root, polling as the settings say."""
    sender = await container.get(WebhookSender)
    return Dispatcher(container, sender, poll_interval=settings.webhook_poll_interval_ms / 1000)
