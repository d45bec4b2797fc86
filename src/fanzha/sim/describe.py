"""A short report on a generated province: counts, shares and fraud prevalence per table."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from fanzha.contracts import SCAM_TYPES, TABLES

# How to count the fraud rows of each table (DuckDB SQL over the Parquet files).
_FRAUD_SQL: dict[str, str] = {
    "calls": "SELECT count(*) FROM label_calls WHERE label <> 'normal'",
    "sms": "SELECT count(*) FROM label_messages WHERE channel = 'sms' AND label <> 'normal'",
    "chats": "SELECT count(*) FROM label_messages WHERE channel = 'chat' AND label <> 'normal'",
    "transactions": "SELECT count(*) FROM label_money",
    "atm_events": "SELECT count(*) FROM atm_events a JOIN label_money m USING (txn_id)",
    "web_visits": "SELECT count(*) FROM web_visits v JOIN (SELECT DISTINCT identifier FROM label_objects "
    "WHERE role = 'fraud_url') o ON v.url = o.identifier",
    "app_installs": "SELECT count(*) FROM app_installs i JOIN (SELECT DISTINCT identifier FROM label_objects "
    "WHERE role = 'fraud_app') o ON i.package = o.identifier",
    "people": "SELECT count(DISTINCT object_id) FROM label_objects WHERE source_table = 'people'",
    "phone_cards": "SELECT count(*) FROM label_objects WHERE source_table = 'phone_cards'",
    "bank_cards": "SELECT count(*) FROM label_objects WHERE source_table = 'bank_cards'",
    "payment_accounts": "SELECT count(*) FROM label_objects WHERE source_table = 'payment_accounts'",
    "internet_accounts": "SELECT count(*) FROM label_objects WHERE source_table = 'internet_accounts' "
    "AND object_kind = 'internet_account'",
    "devices": "SELECT count(*) FROM label_objects WHERE source_table = 'devices'",
    "urls": "SELECT count(*) FROM label_objects WHERE role = 'fraud_url'",
    "apps": "SELECT count(*) FROM label_objects WHERE role = 'fraud_app'",
    "wallets": "SELECT count(*) FROM label_objects WHERE role = 'fraud_wallet'",
}


@dataclass
class Report:
    """What `describe` found."""

    manifest: dict[str, object]
    rows: dict[str, int]
    fraud_rows: dict[str, int]
    shares: dict[str, list[tuple[str, int, float]]] = field(default_factory=dict)
    victims: dict[str, float] = field(default_factory=dict)

    def text(self) -> str:
        """The report as plain text (Chinese names where useful)."""
        m = self.manifest
        out = [
            f"省份 province: {m.get('people')} people × {m.get('days')} days, seed {m.get('seed')}, "
            f"from {m.get('start')}",
            "",
            f"{'table':<20}{'rows':>12}{'fraud rows':>12}{'fraud %':>9}",
        ]
        for name, n in self.rows.items():
            f = self.fraud_rows.get(name)
            pct = f"{100 * f / n:8.3f}%" if f is not None and n else ""
            out.append(f"{name:<20}{n:>12,}{'' if f is None else f'{f:,}':>12}{pct:>9}")
        v = self.victims
        out += [
            "",
            f"victims {int(v['victims'])}, engaged {int(v['engaged'])}, loss {v['loss_yuan']:,.0f} yuan; "
            f"age mean {v['age_mean']:.1f}, 18-40 {v['age_18_40']:.0%}, 41-65 {v['age_41_65']:.0%}",
        ]
        for title, rows in self.shares.items():
            out += ["", title]
            out += [f"  {_pad(k, 40)}{n:>10,}{s:>8.1%}" for k, n, s in rows]
        return "\n".join(line.rstrip() for line in out)


def _pad(text: str, width: int) -> str:
    """Left-align text in a terminal column, counting Chinese characters as two wide."""
    wide = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - wide)


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[object, ...]:
    """The first row of a query."""
    row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def _shares(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, int, float]]:
    rows = con.execute(sql).fetchall()
    total = sum(int(r[1]) for r in rows) or 1
    return [(str(k), int(n), int(n) / total) for k, n in rows]


def describe(path: Path) -> Report:
    """Read a generated province and summarise it."""
    con = duckdb.connect()
    for name in TABLES:
        f = path / f"{name}.parquet"
        if f.exists():
            con.read_parquet(f.as_posix()).create_view(name)
    manifest = json.loads((path / "manifest.json").read_text()) if (path / "manifest.json").exists() else {}
    present = [n for n in TABLES if (path / f"{n}.parquet").exists()]
    # Table names come from the contracts, never from the caller.
    rows = {n: int(str(_one(con, f"SELECT count(*) FROM {n}")[0])) for n in present}  # noqa: S608
    fraud = {n: int(str(_one(con, q)[0])) for n, q in _FRAUD_SQL.items() if n in rows}
    zh = {s[0]: s[1] for s in SCAM_TYPES}
    scam = _shares(
        con, "SELECT scam_type, count(*) FROM label_cases WHERE outcome = 'victim' GROUP BY 1 ORDER BY 2 DESC"
    )
    shares = {
        "scam types among victims (诈骗类型)": [(f"{k} {zh.get(k, '')}", n, s) for k, n, s in scam],
        "victim payments by layering (洗钱手法)": _shares(
            con, "SELECT layering, count(*) FROM label_money WHERE hop = 0 GROUP BY 1 ORDER BY 1"
        ),
        "victim payments by cash-out (取现方式)": _shares(
            con, "SELECT terminal, count(*) FROM label_money WHERE hop = 0 GROUP BY 1 ORDER BY 1"
        ),
        "fraud calls by caller (来电方式)": _shares(
            con,
            "SELECT caller_kind, count(*) FROM label_calls "
            "WHERE label <> 'normal' GROUP BY 1 ORDER BY 2 DESC",
        ),
        "phone cards by operator (运营商)": _shares(
            con, "SELECT operator_code, count(*) FROM phone_cards GROUP BY 1 ORDER BY 2 DESC"
        ),
        "bank cards by bank (银行)": _shares(
            con, "SELECT bank_code, count(*) FROM bank_cards GROUP BY 1 ORDER BY 2 DESC"
        ),
    }
    v = _one(
        con,
        "SELECT count(*) FILTER (outcome = 'victim'), count(*) FILTER (outcome = 'engaged'), "
        "coalesce(sum(loss_fen), 0) / 100.0, avg(age) FILTER (outcome = 'victim'), "
        "avg((age BETWEEN 18 AND 40)::int) FILTER (outcome = 'victim'), "
        "avg((age BETWEEN 41 AND 65)::int) FILTER (outcome = 'victim') FROM label_cases",
    )
    keys = ("victims", "engaged", "loss_yuan", "age_mean", "age_18_40", "age_41_65")
    victims = {k: float(str(x or 0)) for k, x in zip(keys, v, strict=True)}
    return Report(manifest, rows, fraud, shares, victims)
