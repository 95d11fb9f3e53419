"""Password stamps: what a token carries of the password hash it was issued under."""

import base64
import hashlib

_LABEL = b"taskboard password stamp v1\x00"
# 96 bits: telling one stored hash from the next, not resisting a search (nothing can be searched).
_STAMP_BYTES = 12


def password_stamp(password_hash: str) -> str:
    """A short digest of a stored password hash; a token holds it, and stops working once the
    account's hash differs (a password change or reset, which always draws a new salt).

    Unkeyed on purpose, and safe so: the digest covers the whole argon2 string, random salt
    included, so it lets nobody test a password guess, and the token that carries it is signed,
    so nobody can put another stamp in one. The check then needs no key where it runs (the unit of
    work's caller check).
    """
    digest = hashlib.sha256(_LABEL + password_hash.encode()).digest()[:_STAMP_BYTES]
    return base64.urlsafe_b64encode(digest).decode()
