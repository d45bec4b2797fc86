"""Identifier formats of the province: phones, cards, IMEIs, accounts, IPs (all vectorised)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim import encode

I64A = npt.NDArray[np.int64]

# Mobile numbers: digits 4-7 (the HLR block) below 5000 belong to the province; from 5000 up to
# numbers elsewhere in China, so the two never collide.
HOME_BLOCKS = 5000


def mobile_numbers(
    rng: np.random.Generator, prefixes: list[str], prefix_idx: I64A, *, home: bool, taken: I64A | None = None
) -> I64A:
    """Distinct 11-digit mobile numbers (as integers) under the given segments."""
    n = len(prefix_idx)
    out = np.empty(n, dtype=np.int64)
    base = np.array([int(p) * 10 ** (11 - len(p)) for p in prefixes], dtype=np.int64)
    span = np.array([10 ** (11 - len(p)) for p in prefixes], dtype=np.int64)
    # The home half of each segment's space; 4-digit segments split their 7 digits the same way.
    half = span // 2
    low = np.where(home, 0, half)
    # Draw an offset in [0, half) per row, then make the whole set distinct.
    off = (rng.random(n) * half[prefix_idx]).astype(np.int64)
    out = base[prefix_idx] + low[prefix_idx] + off
    taken_all = np.empty(0, np.int64) if taken is None else taken
    for _ in range(100):
        _, first = np.unique(out, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        dup |= np.isin(out, taken_all)
        if not dup.any():
            return out
        k = int(dup.sum())
        p = prefix_idx[dup]
        out[dup] = base[p] + low[p] + (rng.random(k) * half[p]).astype(np.int64)
    raise RuntimeError("could not draw distinct phone numbers")


def e164(numbers: I64A) -> pa.StringArray:
    """+86 and the 11-digit national number."""
    digits = encode.ascii_digits(encode.digit_matrix(numbers, 11))
    return encode.fixed_strings(encode.const("+86", len(numbers)), digits)


def bank_card_numbers(
    rng: np.random.Generator, bins: list[str], lengths: list[int], bin_idx: I64A
) -> pa.Array:
    """Distinct Luhn-valid card numbers under the given BINs."""
    n = len(bin_idx)
    pieces: list[pa.Array] = []
    order: list[I64A] = []
    for b in np.unique(bin_idx):
        rows = np.flatnonzero(bin_idx == b)
        body_len = lengths[b] - 7  # BIN (6) + body + check (1)
        body = encode.unique_ints(rng, len(rows), 0, 10**body_len)
        payload = encode.digit_matrix(np.int64(int(bins[b]) * 10**body_len) + body, lengths[b] - 1)
        pieces.append(
            encode.fixed_strings(
                encode.ascii_digits(payload), encode.ascii_digits(encode.luhn_digits(payload))[:, None]
            )
        )
        order.append(rows)
    if not pieces:
        return pa.array([], pa.string())
    cat = pa.concat_arrays(pieces)
    pos = np.empty(n, dtype=np.int64)
    pos[np.concatenate(order)] = np.arange(n)
    return cat.take(pa.array(pos))


def imeis(rng: np.random.Generator, tac2: npt.NDArray[np.int64]) -> pa.StringArray:
    """Distinct IMEIs: a 2-digit reporting body, 12 random digits, Luhn check digit."""
    n = len(tac2)
    low = encode.unique_ints(rng, n, 0, 10**12)
    payload = encode.digit_matrix(tac2 * 10**12 + low, 14)
    return encode.fixed_strings(
        encode.ascii_digits(payload), encode.ascii_digits(encode.luhn_digits(payload))[:, None]
    )


def numeric_accounts(rng: np.random.Generator, prefix: str, head: str, n: int, width: int) -> pa.StringArray:
    """'prefix:' + head + width distinct digits (first digit non-zero when there is no head)."""
    low = 10 ** (width - 1) if not head else 0
    nums = encode.unique_ints(rng, n, low, 10**width)
    return encode.fixed_strings(
        encode.const(prefix + ":" + head, n), encode.ascii_digits(encode.digit_matrix(nums, width))
    )


def alnum_accounts(rng: np.random.Generator, prefix: str, head: str, n: int, width: int) -> pa.StringArray:
    """'prefix:' + head + width random lower-case letters and digits (collisions negligible)."""
    return encode.fixed_strings(encode.const(prefix + ":" + head, n), encode.random_alnum(rng, n, width))


# Account formats per platform: (head, width, numeric).
ACCOUNT_FORMATS: dict[str, tuple[str, int, bool]] = {
    "alipay": ("2088", 12, True),
    "wechatpay": ("wxp", 14, False),
    "unionpay": ("up", 12, True),
    "jdpay": ("jd", 12, True),
    "wechat": ("wxid_", 14, False),
    "qq": ("", 10, True),
    "douyin": ("dy", 12, True),
    "taobao": ("tb", 11, True),
    "xianyu": ("xy", 11, True),
    "weibo": ("", 10, True),
    "netease": ("nt", 10, True),
    "jiayuan": ("", 9, True),
}


def platform_accounts(rng: np.random.Generator, platform: str, n: int) -> pa.StringArray:
    """n distinct account identifiers 'platform:id' in the platform's format."""
    head, width, numeric = ACCOUNT_FORMATS[platform]
    if numeric:
        return numeric_accounts(rng, platform, head, n, width)
    return alnum_accounts(rng, platform, head, n, width)


def overseas_numbers(rng: np.random.Generator, n: int) -> pa.Array:
    """E.164 numbers of South-East Asian and Gulf countries the groups call from."""
    cc = np.array([855, 95, 63, 856, 971, 60], dtype=np.int64)
    which = rng.integers(0, len(cc), n)
    body = rng.integers(10_000_000, 99_999_999, n)  # 8-digit subscriber numbers
    digits = np.where(cc[which] >= 100, 3, 2)
    strings: list[pa.Array] = []
    for w in (2, 3):
        m = digits == w
        if m.any():
            mat = encode.ascii_digits(encode.digit_matrix(cc[which][m] * 10**8 + body[m], w + 8))
            strings.append(encode.fixed_strings(encode.const("+", int(m.sum())), mat))
    cat = pa.concat_arrays(strings) if strings else pa.array([], pa.string())
    order = np.concatenate([np.flatnonzero(digits == w) for w in (2, 3)])
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    return cat.take(pa.array(pos))
