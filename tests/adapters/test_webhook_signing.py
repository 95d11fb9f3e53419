"""Signatures are the Standard Webhooks scheme: its published test vector comes out exactly."""

from uuid import UUID

from adapters.webhooks.signing import signature, signed_headers

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'


def test_the_specification_s_test_vector_signs_as_published() -> None:
    assert signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_the_headers_carry_the_event_id_the_time_and_the_signature_over_both() -> None:
    event_id = UUID("01937f3a-0000-7000-8000-000000000001")

    headers = signed_headers(VECTOR_SECRET, event_id, VECTOR_TIMESTAMP, VECTOR_BODY)

    assert headers == {
        "Webhook-Id": str(event_id),
        "Webhook-Timestamp": "1614265330",
        "Webhook-Signature": signature(VECTOR_SECRET, str(event_id), VECTOR_TIMESTAMP, VECTOR_BODY),
    }
    assert headers["Webhook-Signature"] != signature(
        VECTOR_SECRET, str(event_id), VECTOR_TIMESTAMP + 1, VECTOR_BODY
    )
