"""Identifier makers: resident IDs, IMEIs, card numbers, phone numbers, TRON addresses, IPs."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def luhn_digit(body: str) -> str:
    """The Luhn check digit for `body`."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def resident_id(county: str, birth: dt.date, seq: int) -> str:
    """GB 11643 resident ID: county, birth date, 3-digit sequence (odd for men), check."""
    body = f"{county}{birth:%Y%m%d}{seq % 1000:03d}"
    s = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + _ID_CHECK[s % 11]


class Unique:
    """Draws identifiers until an unused one comes up."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def take(self, make: object) -> str:
        """Call `make()` until it returns a value not seen before."""
        assert callable(make)
        while True:
            v = make()
            if v not in self.seen:
                self.seen.add(v)
                return str(v)


def digits(rng: np.random.Generator, n: int) -> str:
    """`n` random decimal digits."""
    return "".join(str(int(d)) for d in rng.integers(0, 10, n))


def imei(rng: np.random.Generator, tac: str) -> str:
    """15-digit IMEI: 8-digit type allocation code, 6-digit serial, Luhn digit."""
    body = tac + digits(rng, 6)
    return body + luhn_digit(body)


def card_number(rng: np.random.Generator, bin_: str, length: int) -> str:
    """Luhn-valid card number under `bin_`."""
    body = bin_ + digits(rng, length - len(bin_) - 1)
    return body + luhn_digit(body)


def msisdn(rng: np.random.Generator, segment: str, in_province: bool) -> str:
    """E.164 mobile number; province numbers use HLR blocks 0000-4999, others 5000-9999."""
    national_len = 11
    block = int(rng.integers(0, 5000)) + (0 if in_province else 5000)
    if len(segment) == 3:
        rest = national_len - 3 - 4
        return f"+86{segment}{block:04d}{digits(rng, rest)}"
    # 4-digit virtual segments (1703 ...): the digit after the segment carries on the number.
    return f"+86{segment}{digits(rng, national_len - 4)}"


def tron_address(rng: np.random.Generator) -> str:
    """Base58check TRON address (0x41 + 20 bytes + 4-byte double-SHA256 checksum)."""
    payload = b"\x41" + bytes(int(b) for b in rng.integers(0, 256, 20))
    check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(payload + check, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return out


def ipv4(rng: np.random.Generator, prefix: str) -> str:
    """An address inside a /16 written as 'a.b'."""
    return f"{prefix}.{int(rng.integers(0, 256))}.{int(rng.integers(1, 255))}"
