"""The webhook rules of the domain: URLs, secrets, who wants which event, and the retry schedule."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Conflict, ValidationFailed
from domain.events import EventType, RecordedEvent
from domain.ids import new_id
from domain.webhooks import (
    AttemptOutcome,
    ClaimedDelivery,
    Delivery,
    DeliveryStatus,
    Webhook,
    after_attempt,
    clean_secret,
    clean_url,
    masked_secret,
    new_secret,
    signing_key,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/taskboard",
        "http://10.0.0.5:8080/in?token=abc",
        "https://hooks.example.com:65535/most",
    ],
)
def test_absolute_http_and_https_urls_are_accepted(url: str) -> None:
    assert clean_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "javascript:alert(1)",
        "hooks.example.com/x",
        "https:///no-host",
        "https://hooks.example.com:99999/x",
        "https://[::1/x",
        # What the document's pattern refuses, the service refuses too: no IPv6 literal, no user
        # info, no white space around it.
        "https://[2001:db8::1]/hook",
        "https://user:secret@hooks.example.com/x",
        "  https://hooks.example.com/padded  ",
        "https://hooks.example.com/" + "x" * 2000,
        "",
    ],
    ids=[
        "ftp",
        "javascript",
        "no-scheme",
        "no-host",
        "bad-port",
        "bad-brackets",
        "ipv6",
        "user-info",
        "padded",
        "too-long",
        "empty",
    ],
)
def test_other_urls_are_refused_naming_the_url(url: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_url(url)
    assert refused.value.field == "url"


def test_a_new_secret_is_32_random_bytes_in_the_standard_webhooks_form() -> None:
    secret = new_secret()

    assert secret.startswith("whsec_")
    assert len(signing_key(secret)) == 32
    assert clean_secret(secret) == secret
    assert new_secret() != secret


@pytest.mark.parametrize(
    "secret",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_not base64!",
        "whsec_c2hvcnQ=",
        "whsec_" + "A" * 88 + "==",
        "",
    ],
    ids=["no-prefix", "not-base64", "too-short", "too-long", "empty"],
)
def test_a_given_secret_must_be_whsec_and_24_to_64_bytes(secret: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_secret(secret)
    assert refused.value.field == "secret"


def test_a_masked_secret_keeps_only_its_last_four_characters() -> None:
    assert masked_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == "whsec_********LaSw"


def webhook(**fields: object) -> Webhook:
    made = Webhook.create(
        project_id=new_id(),
        url="https://hooks.example.com/x",
        events={EventType.TASK_CREATED, EventType.COMMENT_CREATED},
        secret=None,
        active=True,
        now=T0,
    )
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def event(kind: EventType = EventType.TASK_CREATED, at: datetime = T0) -> RecordedEvent:
    return RecordedEvent(
        position=1, id=new_id(), type=kind, occurred_at=at, project_id=new_id(), task_id=new_id()
    )


def test_a_webhook_wants_the_events_it_subscribed_to_from_its_creation_on_while_active() -> None:
    assert webhook().wants(event())
    assert webhook().wants(event(EventType.COMMENT_CREATED, T0 + timedelta(days=1)))
    assert not webhook().wants(event(EventType.TASK_UPDATED))
    assert not webhook().wants(event(at=T0 - timedelta(microseconds=1)))
    assert not webhook(active=False).wants(event())


def test_a_webhook_needs_an_event_and_a_change_that_changes_nothing_says_so() -> None:
    with pytest.raises(ValidationFailed) as refused:
        webhook().change(events=set(), now=T0)
    assert refused.value.field == "events"
    made = webhook()
    assert not made.change(url=made.url, active=True, now=T0 + timedelta(hours=1))
    assert made.updated_at == T0


def claimed(attempts: int = 0, first_attempt_at: datetime | None = None) -> ClaimedDelivery:
    return ClaimedDelivery(
        id=new_id(),
        claim_id=new_id(),
        url="https://hooks.example.com/x",
        secret=new_secret(),
        event_id=new_id(),
        payload=b"{}",
        attempts=attempts,
        first_attempt_at=first_attempt_at,
    )


def test_failed_attempts_wait_10_s_tripling_to_6_h_and_stop_after_24_h() -> None:
    now, delivery, waits = T0, claimed(), []
    while True:
        record = after_attempt(delivery, AttemptOutcome(503, "answered 503 Service Unavailable"), now)
        if record.status is not DeliveryStatus.PENDING:
            break
        assert record.next_attempt_at is not None
        waits.append(int((record.next_attempt_at - now).total_seconds()))
        now = record.next_attempt_at
        delivery = claimed(record.attempts, record.first_attempt_at)

    assert waits == [10, 30, 90, 270, 810, 2430, 7290, 21600, 21600, 21600]
    assert (record.status, record.attempts, record.next_attempt_at) == (DeliveryStatus.FAILED, 11, None)
    assert now - T0 < timedelta(hours=24) < now + timedelta(hours=6) - T0


def test_a_2xx_delivers_at_any_attempt_and_anything_else_does_not() -> None:
    later = T0 + timedelta(minutes=5)
    success = after_attempt(claimed(3, T0), AttemptOutcome(202), later)
    assert (success.status, success.attempts, success.delivered_at, success.first_attempt_at) == (
        DeliveryStatus.DELIVERED,
        4,
        later,
        T0,
    )
    for outcome in (AttemptOutcome(302), AttemptOutcome(404), AttemptOutcome(None, "x" * 500)):
        record = after_attempt(claimed(), outcome, T0)
        assert (record.status, record.delivered_at) == (DeliveryStatus.PENDING, None)
    assert len(after_attempt(claimed(), AttemptOutcome(None, "x" * 500), T0).error or "") == 200


def test_a_delivery_being_attempted_cannot_be_retried_by_hand_until_its_lease_ends() -> None:
    delivery = Delivery.of(event(), webhook(), T0)
    delivery.status, delivery.attempts, delivery.claimed_until = (
        DeliveryStatus.FAILED,
        11,
        T0 + timedelta(minutes=1),
    )

    with pytest.raises(Conflict):
        delivery.retry(T0)
    delivery.retry(T0 + timedelta(minutes=1))

    assert (delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.first_attempt_at) == (
        DeliveryStatus.PENDING,
        0,
        T0 + timedelta(minutes=1),
        None,
    )
