"""Hashed character 1-3-grams of normalised text, computed for a whole batch at once in numpy."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

N_BUCKETS = 1 << 18  # hashing trick: no vocabulary file, collisions are rare at this size
MAX_N = 3
MAX_CHARS = 2_000  # a longer message adds nothing for the classifier and would slow the batch
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9._~:/?#@!$&'*+,;=%-]*", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
URL_MARK = "㊀"  # links become one mark: the model must read the words, not a campaign's domain
_P1, _P2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)


def normalise(text: str) -> str:
    """NFKC, lower case, links → one mark, digit runs → "0" (amounts and case numbers vary)."""
    folded = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()
    return _DIGITS.sub("0", _URL.sub(URL_MARK, folded))


@dataclass(frozen=True)
class Grams:
    """The n-grams of a batch: message row, bucket, length and start of each, plus the texts."""

    row: npt.NDArray[np.int64]
    bucket: npt.NDArray[np.int64]
    n: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]  # offset of the n-gram in its normalised text
    value: npt.NDArray[np.float32]  # 1/sqrt(number of n-grams of the message): length-neutral
    texts: list[str]  # normalised

    def gram(self, i: int) -> str:
        """The text of n-gram `i`."""
        s = int(self.start[i])
        return self.texts[int(self.row[i])][s : s + int(self.n[i])]


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit finaliser (splitmix64): spreads near-identical code-point sums over the buckets."""
    h = (h ^ (h >> np.uint64(30))) * _P1
    h = (h ^ (h >> np.uint64(27))) * _P2
    return h ^ (h >> np.uint64(31))


def grams(raw: Sequence[str]) -> Grams:
    """Hashed 1..MAX_N-grams of every text; deterministic across processes and platforms."""
    texts = [normalise(t) for t in raw]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    total = int(ends[-1]) if len(ends) else 0
    row_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    rows, buckets, ns, offs = [], [], [], []
    h = np.zeros(total, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in range(1, MAX_N + 1):
            valid = total - n + 1
            if valid <= 0:
                break
            h = h[:valid] * np.uint64(1_000_003) + codes[n - 1 : n - 1 + valid] + np.uint64(n)
            pos = np.arange(valid, dtype=np.int64)
            keep = pos + n <= ends[row_of[:valid]]  # the n-gram stays inside its own message
            rows.append(row_of[:valid][keep])
            buckets.append((_mix(h[keep]) % np.uint64(N_BUCKETS)).astype(np.int64))
            ns.append(np.full(int(keep.sum()), n, dtype=np.int64))
            offs.append(pos[keep] - starts[row_of[:valid][keep]])
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    count = np.bincount(row, minlength=len(texts)).astype(np.float32)
    value = (1.0 / np.sqrt(np.maximum(count, 1.0)))[row].astype(np.float32)
    return Grams(
        row=row,
        bucket=np.concatenate(buckets) if buckets else row.copy(),
        n=np.concatenate(ns) if ns else row.copy(),
        start=np.concatenate(offs) if offs else row.copy(),
        value=value,
        texts=texts,
    )
