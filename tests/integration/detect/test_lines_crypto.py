"""Art 11 lines and Art 33 crypto cash-out: each ground as a table test (the article cited in every reason,
in Chinese and English), the backtests on the simulated province, and the sample and tracing lists."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fanzha.contracts import TABLES
from fanzha.detect.backtest import backtest
from fanzha.detect.engines import crypto, lines
from fanzha.detect.engines.crypto import SAMPLE_WALLETS, TRACED_FILE, CryptoCashoutV1
from fanzha.detect.engines.lines import LineAbuseV1
from fanzha.detect.frame import REASON_SEP
from fanzha.detect.province import Province
from fanzha.detect.runner import run

DAY = date(2025, 3, 1)
T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def _write(tmp: Path, tables: dict[str, list[dict[str, Any]]]) -> Province:
    for name, contract in TABLES.items():
        pq.write_table(
            pa.Table.from_pylist(tables.get(name, []), schema=contract.schema), tmp / f"{name}.parquet"
        )
    (tmp / "manifest.json").write_text(json.dumps({"days": 3, "people": 10, "seed": 0}))
    return Province.open(tmp, "duckdb")


HONEST: dict[str, Any] = {
    "line_kind": "voice_line",
    "operator_code": "CMCC",
    "holder_business_id": 1,
    "declared_scenario": "customer_service",
    "declared_daily_volume": 1000,
    "declared_scope": "province",
    "volume": 600,
    "destinations": 300,
    "out_of_scope_share": 0.02,
    "short_share": 0.2,
    "content_class": "customer_service",
    "complaints": 0,
}
# line → (changes to an honest day, expected level or None, grounds expected among the reasons)
LINE_CASES: dict[str, tuple[dict[str, Any], str | None, set[str]]] = {
    "+8673100000001": ({}, None, set()),
    # a sales peak above the declaration alone is not abuse
    "+8673100000002": ({"volume": 1700}, None, set()),
    # a bank's reminder read as financial content on a notification port: one ground, below medium
    "10690000000003": (
        {
            "line_kind": "sms_port",
            "short_share": 0.0,
            "declared_scenario": "notification",
            "content_class": "financial",
        },
        None,
        set(),
    ),
    # leased: strangers nationwide far beyond the declaration with impersonation content
    "+8673100000004": (
        {
            "volume": 4000,
            "destinations": 3900,
            "out_of_scope_share": 0.8,
            "short_share": 0.8,
            "content_class": "impersonation",
            "complaints": 5,
        },
        "high",
        {"content", "volume", "strangers", "scope", "short", "complaints"},
    ),
    # a subtle lease: within the declared volume, but strangers outside the scope, short calls, pitched as
    # marketing on a customer-service line
    "+8673100000005": (
        {
            "volume": 900,
            "destinations": 880,
            "out_of_scope_share": 0.7,
            "short_share": 0.7,
            "content_class": "marketing",
        },
        "medium",
        {"strangers", "scope", "short", "mismatch"},
    ),
    # a national-scope line reaching every province is what it declared
    "+8673100000006": (
        {"declared_scope": "national", "out_of_scope_share": 0.0, "destinations": 500},
        None,
        set(),
    ),
}


@pytest.fixture
def line_world(tmp_path: Path) -> Province:
    rows = []
    standing = ("declared_scope", "declared_scenario", "line_kind")  # what the line is, every day
    for number, (change, _, _) in LINE_CASES.items():
        base = {**HONEST, **{k: v for k, v in change.items() if k in standing}}
        for d in range(3):
            day = {**base, **change} if d == 2 else base  # the ground shows on the last day only
            rows.append(
                {**day, "record_id": len(rows), "day": DAY + timedelta(days=d), "line_number": number}
            )
    return _write(tmp_path, {"line_records": rows})


def test_each_line_ground_as_a_table(line_world: Province) -> None:
    table = run(LineAbuseV1(), line_world)
    got = {r["identifier"]: r for r in table.to_pylist()}
    for number, (_, level, grounds) in LINE_CASES.items():
        if level is None:
            assert number not in got, (number, got.get(number))
            continue
        assert got[number]["level"] == level, number
        parts = got[number]["reasons"].split(REASON_SEP)
        assert {k for k, (zh, _) in lines.REASONS.items() if zh in parts} == grounds, number
        assert all("第十一条" in p for p in parts), parts  # the article in every reason
        english = lines.reasons_en(got[number]["reasons"]).split("; ")
        assert len(english) == len(parts) and all("(Art 11)" in e for e in english)
        assert got[number]["object_kind"] == "phone"


def test_every_reason_cites_its_article_in_both_languages() -> None:
    for module, zh_art, en_art in ((lines, "第十一条", "Art 11"), (crypto, "第三十三条", "Art 33")):
        for zh, en in module.REASONS.values():
            assert zh_art in zh and en_art in en, (zh, en)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in en)


def _txn(i: int, minutes: float, src: str, dst: str, fen: int, channel: str = "transfer") -> dict[str, Any]:
    ts = T0 + timedelta(minutes=minutes)
    return {"txn_id": i, "ts": ts, "src_kind": "bank_card", "src_account": src, "dst_kind": "bank_card"} | {
        "dst_account": dst,
        "amount_fen": fen,
        "channel": channel,
        "device_imei": None,
    }


def _trade(
    i: int, minutes: float, account: str, wallet: str, fen: int, merchant: str = "otc-hb:m000"
) -> dict[str, Any]:
    ts, exchange = T0 + timedelta(minutes=minutes), merchant.split(":")[0]
    return {"trade_id": i, "ts": ts, "exchange": exchange, "merchant": merchant, "side": "buy"} | {
        "account_kind": "bank_card",
        "account": account,
        "wallet": wallet,
        "amount_fen": fen,
    }


MULE_A, MULE_B, HONEST_BUYER, SALARIED, TIED_BUYER = (
    "6217000000000001",
    "6217000000000002",
    "6217000000000003",
    "6217000000000004",
    "6217000000000005",
)
GROUP_WALLET, OWN_WALLET, OWN_WALLET_2, SAMPLE_WALLET = (
    "TGroupWallet1",
    "TOwnWallet1",
    "TOwnWallet2",
    "TSampleWallet1",
)


@pytest.fixture
def otc_world(tmp_path: Path) -> Province:
    txn = [
        # two mule cards: victims' money arrives and is bought into one group wallet within minutes
        _txn(0, 0, "6222000000000010", MULE_A, 300_000), _txn(1, 5, "6222000000000011", MULE_A, 200_000),
        _txn(2, 6, "6222000000000012", MULE_A, 100_000),
        _txn(3, 0, "6222000000000013", MULE_B, 500_000),
        # a salaried buyer: the salary does not count as money passing through
        _txn(4, 0, "6222000000000099", SALARIED, 800_000, "salary"),
    ]  # fmt: skip
    trades = [
        _trade(0, 10, MULE_A, GROUP_WALLET, 600_000), _trade(1, 12, MULE_B, GROUP_WALLET, 500_000),
        # an honest buyer with savings, same merchant, own wallet
        _trade(2, 30, HONEST_BUYER, OWN_WALLET, 100_000),
        _trade(3, 40, SALARIED, OWN_WALLET_2, 500_000, "otc-ok:m001"),
        # a buyer paying into a wallet the police published as a sample
        _trade(4, 50, TIED_BUYER, SAMPLE_WALLET, 100_000, "otc-ok:m001"),
    ]  # fmt: skip
    p = _write(tmp_path, {"transactions": txn, "otc_trades": trades})
    pq.write_table(pa.table({"identifier": [SAMPLE_WALLET]}), tmp_path / SAMPLE_WALLETS)
    return p


def test_each_crypto_ground_as_a_table(otc_world: Province) -> None:
    got = {r["identifier"]: r for r in run(CryptoCashoutV1(), otc_world).to_pylist()}
    expected = {
        MULE_A: ("bank_card", {"passing", "sources", "collecting", "merchant"}),
        MULE_B: ("bank_card", {"passing", "collecting", "merchant"}),
        TIED_BUYER: ("bank_card", {"tied"}),
        GROUP_WALLET: ("wallet", {"w_collecting", "w_passing"}),
        SAMPLE_WALLET: ("wallet", {"w_tied"}),
    }
    assert set(got) == set(expected), got  # the honest buyers and their own wallets raise nothing
    for ident, (kind, grounds) in expected.items():
        parts = got[ident]["reasons"].split(REASON_SEP)
        assert got[ident]["object_kind"] == kind
        assert {k for k, (zh, _) in crypto.REASONS.items() if zh in parts} == grounds, ident
        assert all("第三十三条" in p for p in parts)
        assert all("(Art 33)" in e for e in crypto.reasons_en(got[ident]["reasons"]).split("; "))


def test_the_tracing_list_ties_a_wallet_like_a_sample(otc_world: Province, tmp_path: Path) -> None:
    (tmp_path / SAMPLE_WALLETS).unlink()
    assert TIED_BUYER not in {r["identifier"] for r in run(CryptoCashoutV1(), otc_world).to_pylist()}
    pq.write_table(pa.table({"identifier": [SAMPLE_WALLET, "6217999999999999"]}), tmp_path / TRACED_FILE)
    assert TIED_BUYER in {r["identifier"] for r in run(CryptoCashoutV1(), otc_world).to_pylist()}


def test_backtests_on_the_simulated_province(duckdb_province: Province) -> None:
    for engine, precision, recall in ((LineAbuseV1(), 0.9, 0.9), (CryptoCashoutV1(), 0.9, 0.5)):
        scores = backtest(engine, duckdb_province, run(engine, duckdb_province)).all_levels
        assert scores.truth > 0, engine.name
        assert scores.precision >= precision and scores.recall >= recall, (engine.name, scores)
