"""Check digits and checksums used by identifier kinds (pure, stdlib only)."""

from __future__ import annotations

import hashlib

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {ch: i for i, ch in enumerate(B58)}
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {ch: i for i, ch in enumerate(BECH32)}
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32M_CONST = 0x2BC830A3  # BIP 350: witness v1+ (taproot) use bech32m


def luhn_check_digit(digits: str) -> str:
    """The digit that makes `digits` + it pass the Luhn check (ISO/IEC 7812)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these are in odd positions once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Whether an all-digit number passes the Luhn check."""
    return number.isdigit() and len(number) >= 2 and luhn_check_digit(number[:-1]) == number[-1]


def imei_check_digit(first14: str) -> str:
    """The 15th digit of an IMEI (Luhn over the first 14)."""
    return luhn_check_digit(first14)


def resident_id_check_char(first17: str) -> str:
    """The 18th character of a resident ID (GB 11643-1999, ISO 7064 MOD 11-2)."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def base58check_payload(text: str) -> bytes | None:
    """The version byte and payload of a Base58Check string, or None when the checksum fails."""
    number = 0
    for ch in text:
        index = _B58_INDEX.get(ch)
        if index is None:
            return None
        number = number * 58 + index
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(text) - len(text.lstrip("1"))) + raw  # each leading '1' is a zero byte
    if len(raw) < 5:
        return None
    body, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] != checksum:
        return None
    return body


def base58check_valid(text: str) -> bool:
    """Base58Check: the last 4 bytes are the double SHA-256 of the rest (Bitcoin and TRON)."""
    return base58check_payload(text) is not None


def _bech32_polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(_BECH32_GEN):
            if (top >> i) & 1:
                chk ^= gen
    return chk


def segwit_address_valid(address: str, hrp: str = "bc") -> bool:
    """A lower-case SegWit address: checksum (BIP 173 / BIP 350), witness version and program length."""
    prefix, sep, data = address.rpartition("1")
    if not sep or prefix != hrp or len(data) < 8:
        return False
    values = [_BECH32_INDEX.get(ch, -1) for ch in data]
    if -1 in values or values[0] > 16:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    const = 1 if values[0] == 0 else _BECH32M_CONST
    if _bech32_polymod(expanded + values) != const:
        return False
    # The witness program: 5-bit groups between the version and the 6-character checksum.
    groups = values[1:-6]
    size, pad = divmod(len(groups) * 5, 8)
    if pad >= 5 or groups[-1] & ((1 << pad) - 1):
        return False  # more than 4 padding bits, or padding that is not zero
    return 2 <= size <= 40 and (values[0] != 0 or size in (20, 32))
