"""Time-ordered and random identifiers, as UUID text made without a `uuid.UUID` object per id."""

from __future__ import annotations

import os
import time

_RANDOM_BITS = 74  # 12 + 62 bits around the version and variant fields
_V4_CLEAR = ~(0xF << 76 | 0b11 << 62)  # the version and variant fields of a random 128-bit value
_V4_SET = 0x4 << 76 | 0b10 << 62


def _text(value: int) -> str:
    """A 128-bit value in the canonical 8-4-4-4-12 form (what `str(uuid.UUID(int=value))` gives)."""
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid7(at_ns: int | None = None) -> str:
    """A UUID version 7 (RFC 9562): the Unix time in milliseconds, then 74 random bits.

    Ids made later sort after earlier ones, so a unique index on them grows at its end instead of
    touching a random page for every new row, as random (version 4) UUIDs do. `at_ns`: the time, for tests.
    """
    millis = (time.time_ns() if at_ns is None else at_ns) // 1_000_000 & (1 << 48) - 1
    rand = int.from_bytes(os.urandom(10), "big") & (1 << _RANDOM_BITS) - 1
    return _text(millis << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | rand & (1 << 62) - 1)


def uuid4() -> str:
    """A random UUID version 4 (RFC 9562) as text."""
    return _text(int.from_bytes(os.urandom(16), "big") & _V4_CLEAR | _V4_SET)


def uuid4_many(count: int) -> list[str]:
    """`count` random UUIDs version 4 from one read of the system's randomness (a bulk import's ids)."""
    pool = os.urandom(16 * count)
    return [
        _text(int.from_bytes(pool[i : i + 16], "big") & _V4_CLEAR | _V4_SET) for i in range(0, 16 * count, 16)
    ]


def uuid7_many(count: int, at_ns: int | None = None) -> list[str]:
    """`count` UUIDs version 7 of one moment, from one read of the system's randomness."""
    millis = (time.time_ns() if at_ns is None else at_ns) // 1_000_000 & (1 << 48) - 1
    high = millis << 80 | 0x7 << 76
    pool = os.urandom(10 * count)
    out = []
    for i in range(0, 10 * count, 10):
        rand = int.from_bytes(pool[i : i + 10], "big") & (1 << _RANDOM_BITS) - 1
        out.append(_text(high | (rand >> 62) << 64 | 0b10 << 62 | rand & (1 << 62) - 1))
    return out
