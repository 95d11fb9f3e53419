"""One attempt, as the sender makes it: what it refuses to reach, and what it does not follow."""

import dataclasses
from datetime import UTC, datetime

import httpx
import pytest

from adapters.webhooks.sender import WebhookSender
from adapters.webhooks.targets import AddressPolicy
from domain.errors import ValidationFailed
from domain.ids import new_id
from domain.webhooks import ClaimedDelivery, new_secret
from tests.unit.fakes import FakeClock
from tests.webhooks.receiver import Receiver

PAYLOAD = b'{"id": "x", "type": "task.created"}'


def delivery_to(url: str) -> ClaimedDelivery:
    return ClaimedDelivery(
        id=new_id(),
        claim_id=new_id(),
        url=url,
        secret=new_secret(),
        event_id=new_id(),
        payload=PAYLOAD,
        attempts=0,
        first_attempt_at=None,
    )


def resolving_to(*addresses: str) -> "FakeResolver":
    return FakeResolver(list(addresses))


@dataclasses.dataclass
class FakeResolver:
    """DNS, which the tests do not own: every name resolves to these addresses."""

    addresses: list[str]
    asked: list[tuple[str, int]] = dataclasses.field(default_factory=list)

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        return self.addresses


async def test_in_production_a_loopback_receiver_is_refused_at_delivery_and_never_reached(
    receiver: Receiver,
) -> None:
    sender = WebhookSender(FakeClock(), AddressPolicy(allow_private=False))
    named = receiver.url.replace("127.0.0.1", "hooks.example.com")
    try:
        by_address = await sender.send(delivery_to(receiver.url))
        by_name = await WebhookSender(
            FakeClock(),
            AddressPolicy(allow_private=False, resolve=resolving_to("93.184.215.14", "127.0.0.1")),
        ).send(delivery_to(named))
    finally:
        await sender.aclose()

    assert (by_address.status_code, by_address.error) == (
        None,
        "127.0.0.1 is or resolves to a loopback or private address, refused here",
    )
    assert (by_name.succeeded, by_name.error) == (
        False,
        "hooks.example.com is or resolves to a loopback or private address, refused here",
    )
    assert receiver.received == []


async def test_a_public_name_is_connected_to_at_the_address_that_was_checked() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202)

    resolver = resolving_to("93.184.215.14")
    sender = WebhookSender(
        FakeClock(datetime(2026, 12, 3, tzinfo=UTC)),
        AddressPolicy(allow_private=False, resolve=resolver),
        transport=httpx.MockTransport(answer),
    )
    outcome = await sender.send(delivery_to("https://hooks.example.com:8443/in?via=taskboard"))
    await sender.aclose()

    assert outcome.succeeded
    assert resolver.asked == [("hooks.example.com", 8443)]
    [request] = sent
    assert str(request.url) == "https://93.184.215.14:8443/in?via=taskboard"
    assert request.headers["host"] == "hooks.example.com:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.com"
    assert request.content == PAYLOAD
    assert request.headers["webhook-timestamp"] == str(int(datetime(2026, 12, 3, tzinfo=UTC).timestamp()))


async def test_a_redirect_is_a_failed_attempt_not_followed(receiver: Receiver) -> None:
    receiver.answer(307)
    sender = WebhookSender(FakeClock(), AddressPolicy(allow_private=True))
    outcome = await sender.send(delivery_to(receiver.url))
    await sender.aclose()

    assert (outcome.succeeded, outcome.status_code, outcome.error) == (
        False,
        307,
        "answered 307 Temporary Redirect",
    )
    assert len(receiver.received) == 1


async def test_no_answer_within_the_timeout_is_a_failed_attempt(receiver: Receiver) -> None:
    receiver.hold()
    sender = WebhookSender(FakeClock(), AddressPolicy(allow_private=True), timeout=0.2)
    outcome = await sender.send(delivery_to(receiver.url))
    await sender.aclose()

    assert (outcome.status_code, outcome.error) == (None, "no answer within 0.2 s")


async def test_nothing_listening_is_a_failed_attempt_that_says_why() -> None:
    sender = WebhookSender(FakeClock(), AddressPolicy(allow_private=True))
    outcome = await sender.send(delivery_to("http://127.0.0.1:9/hook"))
    await sender.aclose()

    assert outcome.status_code is None
    assert outcome.error is not None
    assert outcome.error.startswith("ConnectError")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/hook",
        "http://[::ffff:192.168.0.1]/hook",
        "http://localhost:8000/hook",
        "http://api.localhost/hook",
    ],
)
def test_urls_that_name_a_private_address_are_refused_when_given_in_production(url: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        AddressPolicy(allow_private=False).ensure_allowed(url)
    assert refused.value.field == "url"
    AddressPolicy(allow_private=True).ensure_allowed(url)


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/x", "http://93.184.215.14/x", "http://[2606:4700::1]/"]
)
def test_urls_that_name_a_public_host_are_accepted_when_given_in_production(url: str) -> None:
    AddressPolicy(allow_private=False).ensure_allowed(url)
