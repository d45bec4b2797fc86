"""A block is one batch of rows of one table: numpy or Arrow columns of equal length."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

Block = dict[str, Any]
DAY = 86_400
I64A = npt.NDArray[np.int64]

# Hourly weights of activity, midnight first.
CALL_HOURS = np.array(
    [
        0.2,
        0.1,
        0.05,
        0.05,
        0.05,
        0.1,
        0.4,
        1.0,
        2.0,
        3.0,
        3.5,
        3.2,
        2.5,
        2.6,
        3.0,
        3.2,
        3.3,
        3.0,
        2.8,
        3.0,
        3.0,
        2.5,
        1.5,
        0.6,
    ]
)
WEB_HOURS = np.array(
    [
        0.8,
        0.4,
        0.2,
        0.1,
        0.1,
        0.2,
        0.6,
        1.5,
        2.0,
        2.0,
        2.0,
        2.2,
        2.6,
        2.2,
        2.0,
        2.0,
        2.0,
        2.2,
        2.6,
        3.0,
        3.4,
        3.4,
        2.8,
        1.6,
    ]
)
PAY_HOURS = np.array(
    [
        0.1,
        0.05,
        0.02,
        0.02,
        0.02,
        0.1,
        0.5,
        2.0,
        2.5,
        1.5,
        1.5,
        3.0,
        3.5,
        2.0,
        1.5,
        1.5,
        1.8,
        3.0,
        3.5,
        3.0,
        2.5,
        2.0,
        1.0,
        0.4,
    ]
)
WORK_HOURS = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0.5, 3, 3, 3, 1, 2, 3, 3, 3, 3, 1, 0.2, 0, 0, 0, 0], float)


def time_of_day(rng: np.random.Generator, n: int, hours: npt.NDArray[np.float64]) -> I64A:
    """Seconds after midnight following an hourly profile."""
    cdf = np.cumsum(hours) / hours.sum()
    h = np.searchsorted(cdf, rng.random(n), side="right").clip(0, 23)
    return (h * 3600 + rng.integers(0, 3600, n)).astype(np.int64)


def length(block: Block) -> int:
    """Number of rows of a block."""
    for v in block.values():
        return len(v)
    return 0


def concat(blocks: list[Block]) -> Block:
    """Row-wise concatenation of blocks with the same columns."""
    blocks = [b for b in blocks if b and length(b)]
    if not blocks:
        return {}
    if len(blocks) == 1:
        return blocks[0]
    out: Block = {}
    for k in blocks[0]:
        parts = [b[k] for b in blocks]
        if isinstance(parts[0], pa.Array | pa.ChunkedArray):
            out[k] = pa.concat_arrays(
                [p.combine_chunks() if isinstance(p, pa.ChunkedArray) else p for p in parts]
            )
        else:
            out[k] = np.concatenate(parts)
    return out


def take(block: Block, idx: I64A) -> Block:
    """Rows idx of a block."""
    arr = pa.array(idx)
    return {
        k: (v.take(arr) if isinstance(v, pa.Array | pa.ChunkedArray) else v[idx]) for k, v in block.items()
    }
