"""Time-ordered identifiers (UUIDv7, RFC 9562): new rows land at the right edge of B-tree indexes."""

import os
import time
import uuid


def new_id() -> uuid.UUID:
    """A UUIDv7 of this moment, with 62 random bits.

    The sub-millisecond fraction (RFC 9562 section 6.2, method 3) keeps ids made by one process
    in creation order at about 250 ns resolution.
    """
    return uuid7(time.time_ns(), int.from_bytes(os.urandom(8), "big"))


def uuid7(unix_nanoseconds: int, random_bits: int) -> uuid.UUID:
    """The UUIDv7 of a moment: 48 bits of Unix milliseconds, 12 bits of sub-millisecond time, then
    the low 62 of `random_bits`. Demo data passes its own moments and bits, to be reproducible."""
    milliseconds, remainder = divmod(unix_nanoseconds, 1_000_000)
    sub_millisecond = remainder * 4096 // 1_000_000
    value = (milliseconds & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76 | sub_millisecond << 64
    value |= 0b10 << 62 | random_bits & ((1 << 62) - 1)
    return uuid.UUID(int=value)
