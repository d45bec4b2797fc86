"""A small engine and a hand-made data directory for testing detection runs without the simulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.detect.frame import Engine, as_alerts, clip01, reasons_of
from fanzha.detect.province import Province
from fanzha.identifiers import luhn_check_digit


def card(prefix: str) -> str:
    """A bank card number with a valid Luhn digit."""
    return prefix + luhn_check_digit(prefix)


CARDS = [card("622202000012345"), card("622202000054321"), card("621700000011111")]


class BigPayeeTestV1(Engine):
    """Test engine: cards receiving much money (high above 1,000,000 fen, medium above 500,000)."""

    name = "BigPayeeTestV1"
    version = 3
    articles = "18"
    title_zh = "大额收款（测试）"
    title_en = "Big payee (test)"
    inputs = ("transactions",)

    def alerts(self, p: Province) -> ir.Table:
        t = p["transactions"]
        cards = t.filter(t.dst_kind == "bank_card")
        g = cards.group_by(account=cards.dst_account).aggregate(
            total=cards.amount_fen.sum(), n=cards.count(), last=cards.ts.max()
        )
        return as_alerts(
            g,
            object_kind="bank_card",
            identifier=g.account,
            score=clip01(g.total / 1_000_000),
            reasons=reasons_of((g.total >= 1_000_000, "收款超过一万元"), (g.n >= 2, "多笔收款")),
            last_seen=g.last,
        )


class BrokenTestV1(BigPayeeTestV1):
    """Test engine that reads a column the data does not have."""

    name = "BrokenTestV1"

    def alerts(self, p: Province) -> ir.Table:
        t = p["transactions"]
        return t.select(ibis.literal("x").name("object_kind"), t.no_such_column)


def write_province(directory: Path) -> Path:
    """A hand-made data directory: one big payee (two payments), one medium, one small."""
    directory.mkdir(parents=True, exist_ok=True)
    ts = datetime(2026, 11, 1, 12, tzinfo=UTC)
    rows = [(CARDS[0], 700_000), (CARDS[0], 600_000), (CARDS[1], 600_000), (CARDS[2], 1_000)]
    table = pa.table(
        {
            "txn_id": pa.array(range(len(rows)), pa.int64()),
            "ts": pa.array([ts + timedelta(hours=i) for i in range(len(rows))], pa.timestamp("us", "UTC")),
            "src_kind": ["bank_card"] * len(rows),
            "src_account": ["6222020000000000"] * len(rows),
            "dst_kind": ["bank_card"] * len(rows),
            "dst_account": [r[0] for r in rows],
            "amount_fen": pa.array([r[1] for r in rows], pa.int64()),
            "channel": ["transfer"] * len(rows),
            "device_imei": pa.array([None] * len(rows), pa.string()),
        }
    )
    pq.write_table(table, directory / "transactions.parquet")
    (directory / "manifest.json").write_text(json.dumps({"days": 1, "people": 3, "seed": 0}))
    return directory
