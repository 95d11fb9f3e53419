"""Cursors: keysets handed to clients as short, opaque, URL-safe tokens, signed and bound to a query."""

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec

from adapters.http.problems import UnreadableParameter
from domain.paging import Keyset

FIELD = "cursor"
# HMAC-SHA256 cut to 128 bits (RFC 2104 section 5 allows it): forging one still takes 2^128 tries,
# and the cursor stays short.
_MAC_BYTES = 16
# Only tells queries apart (the MAC protects it), so 64 bits of SHA-256 are plenty.
_SCOPE_BYTES = 8
# The alphabet of every cursor; the OpenAPI document states it (adapters/http/paging.py).
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
_BASE64URL = re.compile(CURSOR_PATTERN)
# msgpack keeps ids as 16 bytes and instants as timestamps: about half the size of JSON.
_encoder = msgspec.msgpack.Encoder(uuid_format="bytes")


class _Payload(msgspec.Struct, array_like=True):
    scope: bytes
    id: UUID
    # Read only once the scope is known to match, with the types of that query's sort fields.
    values: msgspec.Raw


class CursorCodec:
    """Encodes a keyset as a cursor for one query (its `scope`), and decodes only such cursors.

    A cursor is base64url(payload + MAC), the payload being msgpack [scope digest, id, sort values].
    The MAC is HMAC-SHA256 under a key derived from the service's secret key, so a client can
    neither forge a cursor nor edit one; the secret is never in it. The scope digest binds it to the
    query it was issued for (endpoint, filters and sort), so it is refused on any other. The values
    are not hidden: they are the sort values of a row the holder of the cursor was shown.
    """

    def __init__(self, secret_key: str) -> None:
        # A key of its own, so that nothing signed for cursors could pass for anything else signed
        # with the secret (the tokens), and the other way round.
        self._key = hmac.new(secret_key.encode(), b"taskboard cursor v1", hashlib.sha256).digest()

    def encode(self, keyset: Keyset, scope: str) -> str:
        values = msgspec.Raw(_encoder.encode(keyset.values))
        payload = _encoder.encode(_Payload(scope=_digest(scope), id=keyset.id, values=values))
        return _base64url(payload + self._mac(payload))

    def decode(self, cursor: str, scope: str, types: Sequence[Any]) -> Keyset:
        """The keyset in `cursor`, its values of `types`; UnreadableParameter unless this service
        issued the cursor, for this scope."""
        payload: _Payload = _read(self._verified(cursor), _Payload)
        if payload.scope != _digest(scope):
            raise UnreadableParameter(
                "was issued for another list, filter or sort; ask for the first page again", FIELD
            )
        values: tuple[object, ...] = _read(payload.values, tuple.__class_getitem__(tuple(types)))
        return Keyset(values=values, id=payload.id)

    def _verified(self, cursor: str) -> bytes:
        """The payload of a cursor this service signed, exactly as it encoded it."""
        refused = UnreadableParameter("is not a cursor this service issued, or it was altered", FIELD)
        if not _BASE64URL.fullmatch(cursor):
            raise refused
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except binascii.Error:
            raise refused from None
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        # Base64 has spare bits in its last character: a cursor counts only in the one spelling we
        # give out, so that no edit of it whatsoever is accepted.
        if not payload or not hmac.compare_digest(mac, self._mac(payload)) or _base64url(raw) != cursor:
            raise refused
        return payload

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _read(data: bytes | msgspec.Raw, shape: Any) -> Any:
    try:
        return msgspec.msgpack.decode(data, type=shape)
    except msgspec.MsgspecError:
        # Signed by this service, yet not of the shape this code reads: issued by an older version.
        raise UnreadableParameter("is no longer valid; ask for the first page again", FIELD) from None


def _digest(scope: str) -> bytes:
    return hashlib.sha256(scope.encode()).digest()[:_SCOPE_BYTES]


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
