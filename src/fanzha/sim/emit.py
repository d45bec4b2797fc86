"""Turn event blocks into rows: order by time, number them, split off the ground truth."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from fanzha.contracts import contract
from fanzha.sim import encode
from fanzha.sim.blocks import Block, length, take
from fanzha.sim.vocab import (
    CALL_CATEGORIES,
    CALLER_KINDS,
    LABELS,
    LAYERINGS,
    MESSAGE_CATEGORIES,
    MONEY_PATTERNS,
    TERMINALS,
)
from fanzha.sim.writer import Sink, int_or_null


def _col(block: Block, name: str, n: int) -> np.ndarray:
    """A ground-truth column, -1 where the block does not carry it."""
    v = block.get(name)
    return np.full(n, -1, dtype=np.int64) if v is None else np.asarray(v, dtype=np.int64)


def _main(name: str, block: Block, ids: np.ndarray) -> dict[str, object]:
    """The contract's columns of a block, with the key column set to ids."""
    c = contract(name)
    out: dict[str, object] = {k: block[k] for k in c.names if k in block}
    assert c.key is not None
    out[c.key] = ids
    return out


def emit(sink: Sink, name: str, block: Block) -> np.ndarray:
    """Write one block of events sorted by time; returns the id given to each input row."""
    n = length(block)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(block["ts"], kind="stable")
    b = take(block, order)
    ids = sink.reserve(name, n) + np.arange(n, dtype=np.int64)
    sink.write(name, _main(name, b, ids))
    if name in ("sms", "chats"):
        lab = _col(b, "_label", n)
        sink.write(
            "label_messages",
            {
                "channel": encode.take_strings(["sms" if name == "sms" else "chat"], np.zeros(n, np.int64)),
                "message_id": ids,
                "label": encode.take_strings(LABELS, lab.clip(0)),
                "category": encode.take_strings(MESSAGE_CATEGORIES, _col(b, "_category", n)),
                "case_id": int_or_null(_col(b, "_case", n)),
                "stage": pa.array(_col(b, "_stage", n).astype(np.int8), mask=_col(b, "_stage", n) < 0),
            },
        )
    elif name == "calls":
        catg = _col(b, "_category", n)
        m = np.flatnonzero(catg >= 0)
        if len(m):
            sink.write(
                "label_calls",
                {
                    "call_id": ids[m],
                    "label": encode.take_strings(LABELS, _col(b, "_label", n)[m].clip(0)),
                    "category": encode.take_strings(CALL_CATEGORIES, catg[m]),
                    "case_id": int_or_null(_col(b, "_case", n)[m]),
                    "caller_kind": encode.take_strings(CALLER_KINDS, _col(b, "_kind", n)[m]),
                },
            )
    elif name == "transactions":
        case = _col(b, "_case", n)
        m = np.flatnonzero(case >= 0)
        if len(m):
            sink.write(
                "label_money",
                {
                    "txn_id": ids[m],
                    "case_id": case[m],
                    "payment_no": _col(b, "_payment_no", n)[m].astype(np.int8),
                    "hop": _col(b, "_hop", n)[m].astype(np.int8),
                    "pattern": encode.take_strings(MONEY_PATTERNS, _col(b, "_pattern", n)[m]),
                    "layering": encode.take_strings(LAYERINGS, _col(b, "_layering", n)[m]),
                    "terminal": encode.take_strings(TERMINALS, _col(b, "_terminal", n)[m]),
                },
            )
    out = np.empty(n, dtype=np.int64)
    out[order] = ids
    return out


def emit_money(sink: Sink, txn: Block, atm: Block) -> None:
    """Transactions, then the ATM events that point at them."""
    ids = emit(sink, "transactions", txn)
    if length(atm):
        atm = dict(atm)
        atm["txn_id"] = ids[np.asarray(atm["_txn_row"], dtype=np.int64)]
        emit(sink, "atm_events", atm)


def by_day(block: Block, t0: int, day: int) -> np.ndarray:
    """Rows of a block that fall on a day."""
    if not length(block):
        return np.zeros(0, dtype=np.int64)
    d = (np.asarray(block["ts"]) - t0) // 86_400
    return np.flatnonzero(d == day)
