"""A webhook receiver for the tests: a Litestar app served by uvicorn on a loopback port, in the
test's own event loop, so a test can hold a request open or choose what it is answered."""

import asyncio
import base64
import hashlib
import hmac
import json
import socket
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, post

from domain.webhooks import signing_key


@dataclass(frozen=True, slots=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.body)
        return event

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def signed_with(self, secret: str) -> bool:
        """The Standard Webhooks check a receiver makes (the README's receiver does the same)."""
        signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}.".encode() + self.body
        expected = base64.b64encode(hmac.digest(signing_key(secret), signed, hashlib.sha256)).decode()
        given = [part.partition(",")[2] for part in self.headers["webhook-signature"].split()]
        return any(hmac.compare_digest(expected, signature) for signature in given)


class Receiver:
    """Records every request; answers 204 unless told otherwise; `hold()` keeps requests waiting."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/hook"
        self.received: list[Received] = []
        self._answers: deque[int] = deque()
        self._gate = asyncio.Event()
        self._gate.set()
        self._arrived = asyncio.Condition()

    def reset(self) -> None:
        self.received.clear()
        self._answers.clear()
        self._gate.set()

    def answer(self, *statuses: int) -> None:
        """The statuses the next requests get, in order; 204 once they are used up."""
        self._answers.extend(statuses)

    def hold(self) -> None:
        """Requests from now on wait, received but unanswered, until `release()`."""
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    async def wait_for(self, count: int) -> list[Received]:
        """Until `count` requests have arrived (a guard fails a test that would hang instead)."""
        async with asyncio.timeout(30), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return list(self.received)

    def events(self) -> list[dict[str, Any]]:
        return [received.event for received in self.received]

    async def _handle(self, request: Request[Any, Any, Any]) -> Response[None]:
        body = await request.body()
        async with self._arrived:
            self.received.append(Received(headers=dict(request.headers), body=body))
            self._arrived.notify_all()
        await self._gate.wait()
        return Response(None, status_code=self._answers.popleft() if self._answers else 204)

    def app(self) -> Litestar:
        @post("/hook", status_code=204)
        async def hook(request: Request[Any, Any, Any]) -> Response[None]:
            return await self._handle(request)

        return Litestar([hook])


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    # The socket listens before the server starts: a connection made meanwhile waits in its backlog.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    receiver = Receiver(listener.getsockname()[1])
    config = uvicorn.Config(receiver.app(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield receiver
    finally:
        receiver.release()
        server.should_exit = True
        await serving
        listener.close()
