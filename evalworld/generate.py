"""Build a whole evaluation world and write it as Parquet files and manifest.json."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from evalworld import reference
from evalworld.fraud import Fraud
from evalworld.holdings import World, make_businesses, make_holdings, make_people, make_sites
from evalworld.life import Life
from evalworld.lines import Lines
from evalworld.otc import Otc
from evalworld.params import Params
from evalworld.store import EVENT_TRUTH, Rows, order_events, write_manifest, write_table
from fanzha.contracts import TABLES

HOLDINGS = (
    "people",
    "businesses",
    "phone_cards",
    "bank_cards",
    "payment_accounts",
    "devices",
    "internet_accounts",
    "urls",
    "apps",
    "wallets",
    "atms",
)


def _t0(start: dt.date) -> int:
    local = dt.datetime(start.year, start.month, start.day, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return int(local.timestamp() * 1000)


def build(p: Params) -> World:
    """Make the world in memory."""
    rng = np.random.default_rng(np.random.SeedSequence([p.seed, 0x2E7A1D]))
    w = World(p, rng, _t0(p.start))
    for name in HOLDINGS:
        w.tables[name] = Rows(name)
    for name, extra in EVENT_TRUTH.items():
        w.tables[name] = Rows(name, extra)
    w.tables["label_groups"] = Rows("label_groups")
    w.tables["label_cases"] = Rows("label_cases")
    make_people(w)
    make_businesses(w)
    make_holdings(w)
    make_sites(w)
    life = Life(w)
    fraud = Fraud(w, life)
    fraud.build()
    life.calls()
    life.sms()
    life.chats()
    life.money()
    life.web()
    fraud.broadcasts()
    fraud.run_cases()
    # Lines and OTC trades draw from their own random streams, so the rest of the world is unchanged.
    lines = Lines(w, fraud.groups)
    lines.build()
    w.tables["line_records"] = lines.records()
    lines.label(w.tables["line_records"])
    otc = Otc(w, fraud.groups)
    otc.build()
    otc.label()
    w.tables["otc_trades"] = otc.rows
    return w


def write(w: World, out: Path) -> dict[str, int]:
    """Write every table of the contracts; returns rows per table."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, rows in reference.tables().items():
        cols = {c: [r[c] for r in rows] for c in rows[0]}
        counts[name] = write_table(out, name, cols)
    for name in HOLDINGS:
        counts[name] = write_table(out, name, w.tables[name].cols)
    ordered: dict[str, tuple[dict[str, list[Any]], np.ndarray]] = {}
    for name in EVENT_TRUTH:
        ordered[name] = order_events(w.tables[name])
    txn_map = ordered["transactions"][1]
    atm_cols = ordered["atm_events"][0]
    atm_cols["txn_id"] = [int(txn_map[i]) for i in atm_cols["txn_id"]]
    for name in EVENT_TRUTH:
        counts[name] = write_table(out, name, ordered[name][0])
    calls = ordered["calls"][0]
    keep = [i for i, lab in enumerate(calls["_label"]) if lab is not None]
    counts["label_calls"] = write_table(
        out,
        "label_calls",
        {
            "call_id": [calls["call_id"][i] for i in keep],
            "label": [calls["_label"][i] for i in keep],
            "category": [calls["_category"][i] for i in keep],
            "case_id": [calls["_case"][i] for i in keep],
            "caller_kind": [calls["_caller_kind"][i] for i in keep],
        },
    )
    msg: dict[str, list[Any]] = {
        "channel": [],
        "message_id": [],
        "label": [],
        "category": [],
        "case_id": [],
        "stage": [],
    }
    for channel, name, key in (("sms", "sms", "sms_id"), ("chat", "chats", "chat_id")):
        cols = ordered[name][0]
        msg["channel"] += [channel] * len(cols[key])
        msg["message_id"] += cols[key]
        msg["label"] += cols["_label"]
        msg["category"] += cols["_category"]
        msg["case_id"] += cols["_case"]
        msg["stage"] += cols["_stage"]
    counts["label_messages"] = write_table(out, "label_messages", msg)
    tx = ordered["transactions"][0]
    keep = [i for i, c in enumerate(tx["_case"]) if c is not None]
    counts["label_money"] = write_table(
        out,
        "label_money",
        {
            "txn_id": [tx["txn_id"][i] for i in keep],
            "case_id": [tx["_case"][i] for i in keep],
            "payment_no": [tx["_payment_no"][i] for i in keep],
            "hop": [tx["_hop"][i] for i in keep],
            "pattern": [tx["_pattern"][i] for i in keep],
            "layering": [tx["_layering"][i] for i in keep],
            "terminal": [tx["_terminal"][i] for i in keep],
        },
    )
    lr = w.tables["line_records"].cols
    order = np.argsort(np.asarray([d.toordinal() for d in lr["day"]], dtype=np.int64), kind="stable").tolist()
    lines = {c: [v[i] for i in order] for c, v in lr.items()}
    lines["record_id"] = list(range(len(order)))
    counts["line_records"] = write_table(out, "line_records", lines)
    otc = w.tables["otc_trades"].cols
    order = np.argsort(np.asarray(otc["ts"], dtype=np.int64), kind="stable").tolist()
    trades = {c: [v[i] for i in order] for c, v in otc.items()}
    trades["trade_id"] = list(range(len(order)))
    counts["otc_trades"] = write_table(out, "otc_trades", trades)
    counts["label_groups"] = write_table(out, "label_groups", w.tables["label_groups"].cols)
    cases = w.tables["label_cases"].cols
    order = np.argsort(np.asarray(cases["case_id"]), kind="stable").tolist()
    counts["label_cases"] = write_table(
        out, "label_cases", {c: [v[i] for i in order] for c, v in cases.items()}
    )
    # Objects keyed by value are kept only when the events show them.
    present = {
        "calls": set(calls["caller"]),
        "chats": set(ordered["chats"][0]["sender_ip"]),
        "urls": set(w.tables["urls"].cols["domain"]),
        "line_records": set(lines["line_number"]),
        "otc_trades": set(trades["account"]),
    }
    seen: set[tuple[Any, ...]] = set()
    objs: dict[str, list[Any]] = {
        c: [] for c in ("object_kind", "identifier", "source_table", "object_id", "role", "group_id")
    }
    for row in w.labels:
        k = (row["object_kind"], row["identifier"], row["role"], row["group_id"])
        if k in seen or (row["object_id"] is None and row["identifier"] not in present[row["source_table"]]):
            continue
        seen.add(k)
        for c in objs:
            objs[c].append(row[c])
    counts["label_objects"] = write_table(out, "label_objects", objs)
    # Any contract table this world does not simulate is written empty, so every table exists.
    absent = sorted(set(TABLES) - set(counts))
    for name in absent:
        counts[name] = write_table(out, name, {c: [] for c in TABLES[name].names})
    write_manifest(
        out,
        {
            "days": w.p.days,
            "people": w.p.people,
            "seed": w.p.seed,
            "start": w.p.start.isoformat(),
            "params": w.p.as_dict(),
            "not_simulated": absent,
        },
        counts,
    )
    return counts


def generate(p: Params, out: Path) -> dict[str, int]:
    """Build and write a world."""
    return write(build(p), out)
