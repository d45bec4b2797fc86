"""Vectorised building of identifier strings and their check digits (no per-row Python)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

U8 = npt.NDArray[np.uint8]
I64A = npt.NDArray[np.int64]

_ZERO = ord("0")
# GB 11643 weights for the 17 body digits of a resident ID (2^(17-i) mod 11).
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_LOWER_ALNUM = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def digit_matrix(values: npt.NDArray[np.integer], width: int) -> U8:
    """Decimal digits of each value, left-padded with zeros, as an (n, width) matrix."""
    v = values.astype(np.uint64)
    out = np.empty((len(v), width), dtype=np.uint8)
    for k in range(width - 1, -1, -1):
        out[:, k] = (v % np.uint64(10)).astype(np.uint8)
        v //= np.uint64(10)
    return out


def luhn_digits(payload: U8) -> U8:
    """Luhn check digit (0-9) for each row of payload digits (rightmost digit is doubled)."""
    d = payload.astype(np.int64)
    width = d.shape[1]
    doubled = (np.arange(width)[::-1] % 2) == 0
    dd = d[:, doubled] * 2
    total = d[:, ~doubled].sum(axis=1) + (dd - 9 * (dd > 9)).sum(axis=1)
    out: U8 = ((10 - total % 10) % 10).astype(np.uint8)
    return out


def id_check_chars(body: U8) -> U8:
    """ASCII check character ('0'-'9' or 'X') of 17-digit resident ID bodies."""
    s = (body.astype(np.int64) * _ID_WEIGHTS).sum(axis=1) % 11
    out: U8 = _ID_CHECK[s]
    return out


def ascii_digits(d: U8) -> U8:
    """Digit values to ASCII bytes."""
    return (d + _ZERO).astype(np.uint8)


def const(text: str, n: int) -> U8:
    """A fixed ASCII prefix repeated for n rows."""
    row = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.broadcast_to(row, (n, len(row)))


def rows_to_strings(mat: U8) -> pa.StringArray:
    """Each row of an ASCII byte matrix as one string, built from buffers without copying rows."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    n, width = mat.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(mat.tobytes()))


def fixed_strings(*parts: U8) -> pa.StringArray:
    """Concatenate ASCII matrices side by side into one string per row."""
    return rows_to_strings(np.hstack(parts))


def random_alnum(rng: np.random.Generator, n: int, width: int) -> U8:
    """Random lower-case letters and digits, (n, width)."""
    return _LOWER_ALNUM[rng.integers(0, len(_LOWER_ALNUM), size=(n, width))]


def random_digits(rng: np.random.Generator, n: int, width: int, *, first_nonzero: bool) -> U8:
    """Random ASCII digits, (n, width); the first digit 1-9 when asked."""
    d = rng.integers(0, 10, size=(n, width), dtype=np.uint8)
    if first_nonzero and width:
        d[:, 0] = rng.integers(1, 10, size=n, dtype=np.uint8)
    return ascii_digits(d)


def ipv4_strings(addr: npt.NDArray[np.uint32]) -> pa.Array:
    """Dotted IPv4 text of 32-bit addresses."""
    a = addr.astype(np.uint32)
    octets = [pa.array(((a >> s) & 255).astype(np.int64)).cast(pa.string()) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*octets, ".")


def unique_ints(
    rng: np.random.Generator, n: int, low: int, high: int, taken: npt.NDArray[np.int64] | None = None
) -> I64A:
    """n distinct random integers in [low, high), none of them in `taken`, in drawn order."""
    if high - low < n + (0 if taken is None else len(taken)):
        raise ValueError("range too small for distinct draws")
    got = np.empty(0, dtype=np.int64)
    while len(got) < n:
        draw = rng.integers(low, high, size=int((n - len(got)) * 1.05) + 16, dtype=np.int64)
        cand = np.concatenate([got, draw])
        _, first = np.unique(cand, return_index=True)
        cand = cand[np.sort(first)]
        if taken is not None and len(taken):
            cand = cand[~np.isin(cand, taken)]
        got = cand
    return got[:n]


def take_strings(pool: Sequence[str] | pa.Array, idx: npt.NDArray[np.integer]) -> pa.Array:
    """pool[idx] as an Arrow string array (C++ gather, no Python loop)."""
    arr = pool if isinstance(pool, pa.Array) else pa.array(list(pool), type=pa.string())
    return arr.take(pa.array(np.asarray(idx, dtype=np.int64)))


def tron_address(payload20: bytes) -> str:
    """TRON base58check address of a 20-byte account payload (0x41 version byte)."""
    import hashlib

    raw = b"\x41" + payload20
    check = hashlib.sha256(hashlib.sha256(raw).digest()).digest()[:4]
    num = int.from_bytes(raw + check, "big")
    out = ""
    while num:
        num, r = divmod(num, 58)
        out = _B58[r] + out
    return out
