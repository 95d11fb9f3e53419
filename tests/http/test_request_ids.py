"""Every response carries X-Request-ID: the client's own when it is sane, else a new UUID; problem
bodies name the same id."""

from uuid import UUID

import httpx
import pytest

from tests.http.conftest import NOBODY, PROBLEM_JSON, Account

HEADER = "X-Request-ID"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health/live", 200),
        ("GET", "/schema/openapi.json", 200),
        ("GET", "/metrics", 200),
        ("GET", "/api/v1/users/me", 401),  # refused by the authentication, before any handler
        ("GET", "/no/such/route", 404),  # refused by the router: no route, no handler
        ("DELETE", "/health/live", 405),
        ("POST", "/api/v1/auth/token", 422),
    ],
)
async def test_every_response_echoes_the_clients_request_id(
    api: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await api.request(method, path, headers={HEADER: "trace-me-42"})

    assert response.status_code == status
    assert response.headers.get_list(HEADER) == ["trace-me-42"]
    if response.headers["content-type"].startswith(PROBLEM_JSON):
        assert response.json()["request_id"] == "trace-me-42"


async def test_a_request_without_an_id_gets_a_new_uuid_each_time(
    api: httpx.AsyncClient, admin: Account
) -> None:
    answers = [
        await api.get("/health/live"),
        await api.get("/health/live"),
        await api.get(f"/api/v1/users/{NOBODY}", headers=admin.headers),
    ]

    ids = [answer.headers[HEADER] for answer in answers]
    assert len({UUID(request_id) for request_id in ids}) == 3
    assert answers[2].json()["request_id"] == ids[2]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (b"a", True),
        (b"x" * 128, True),
        (b"!\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`{|}~", True),
        (b"x" * 129, False),
        (b"two words", False),
        (b"tab\there", False),
        (b"caf\xc3\xa9", False),
        (b"", False),
    ],
    ids=["one-char", "128-chars", "punctuation", "129-chars", "space", "tab", "non-ascii", "empty"],
)
async def test_only_1_to_128_visible_ascii_characters_are_kept_as_the_request_id(
    api: httpx.AsyncClient, given: bytes, kept: bool
) -> None:
    response = await api.get("/api/v1/users/me", headers={HEADER.encode(): given})

    echoed = response.headers[HEADER]
    assert response.json()["request_id"] == echoed
    if kept:
        assert echoed == given.decode()
    else:
        assert UUID(echoed)
