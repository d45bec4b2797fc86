"""Finance engines on hand-made cases (a mule chain, a casher, a card trader) and their backtests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fanzha.contracts import TABLES
from fanzha.detect.backtest import backtest
from fanzha.detect.engines.finance import AtmCashoutV1, CustomerRiskV1, MuleAccountV1
from fanzha.detect.engines.finance_features import PASS_WINDOW_S, arrivals, departures, passed_on
from fanzha.detect.province import Province
from fanzha.detect.runner import run

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
COLLECT, LAYER_A, LAYER_B, CASHOUT = (
    "6222020000000000001",
    "6222020000000000002",
    "6222020000000000003",
    "6222020000000000004",
)
MERCHANT = "alipay:merchant-busy"
SALARIED = "6222020000000000009"


def _province(tmp: Path, tables: dict[str, list[dict[str, Any]]]) -> Province:
    """A data directory holding `tables` (every other contract table empty) and a manifest."""
    for name, contract in TABLES.items():
        pq.write_table(
            pa.Table.from_pylist(tables.get(name, []), schema=contract.schema), tmp / f"{name}.parquet"
        )
    (tmp / "manifest.json").write_text(json.dumps({"days": 30, "people": 4, "seed": 0}))
    return Province.open(tmp, "duckdb")


class Ledger:
    """Transactions written the way the simulator writes them."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def pay(self, minutes: float, src: str, dst: str, yuan: int, channel: str = "transfer") -> None:
        kind = "payment_account" if ":" in src else "bank_card"
        dst_kind = {"atm": "cash", "crypto_otc": "wallet"}.get(
            channel, "payment_account" if ":" in dst else "bank_card"
        )
        self.rows.append(
            {
                "txn_id": len(self.rows),
                "ts": T0 + timedelta(minutes=minutes),
                "src_kind": kind,
                "src_account": src,
                "dst_kind": dst_kind,
                "dst_account": dst,
                "amount_fen": yuan * 100,
                "channel": channel,
                "device_imei": None,
            }
        )


def _mule_chain(ledger: Ledger) -> None:
    """A victim pays a collection account; the money fans out, hops on and leaves through an ATM."""
    ledger.pay(0, "6222029999999999999", COLLECT, 50_000)
    ledger.pay(4, COLLECT, LAYER_A, 30_000)
    ledger.pay(6, COLLECT, LAYER_B, 19_900)
    ledger.pay(12, LAYER_A, CASHOUT, 29_900)
    for n in range(14):
        ledger.pay(70 + n, CASHOUT, "atm:ATM-ICBC-000001", 2_000, "atm")
    ledger.pay(30, LAYER_B, "TXyz", 19_800, "crypto_otc")


def _hard_negatives(ledger: Ledger) -> None:
    """A merchant paid by 300 customers who banks its takings days later; a salaried worker paying rent."""
    for n in range(300):
        ledger.pay(n * 20, f"wechatpay:customer-{n}", MERCHANT, 30 + n % 50, "qr")
    ledger.pay(60 * 24 * 7, MERCHANT, "6222020000000000777", 9_000)
    ledger.pay(60 * 24 * 9, "6222020000000000888", SALARIED, 8_000, "salary")
    ledger.pay(60 * 24 * 12, SALARIED, "6222020000000000999", 2_500, "rent")
    ledger.pay(60 * 24 * 9 + 30, SALARIED, "alipay:topup-self", 150, "topup")


def test_a_mule_chain_is_found_and_a_busy_merchant_is_not(tmp_path: Path) -> None:
    ledger = Ledger()
    _mule_chain(ledger)
    _hard_negatives(ledger)
    alerts = run(MuleAccountV1(), _province(tmp_path, {"transactions": ledger.rows})).to_pylist()
    found = {a["identifier"]: a for a in alerts}
    assert set(found) == {COLLECT, LAYER_A, LAYER_B, CASHOUT}
    assert found[COLLECT]["level"] == "high" and "资金快进快出" in found[COLLECT]["reasons"]
    assert "资金分散转出（2个收款方）" not in found[COLLECT]["reasons"]  # fan-out needs three payees
    assert "ATM取现" in found[CASHOUT]["reasons"] and "购买虚拟币" in found[LAYER_B]["reasons"]


def test_money_that_waits_is_not_pass_through(tmp_path: Path) -> None:
    ledger = Ledger()
    ledger.pay(0, "6222029999999999999", COLLECT, 50_000)
    ledger.pay(60 * 5, COLLECT, LAYER_A, 49_000)  # five hours later: beyond the pass-through window
    alerts = run(MuleAccountV1(), _province(tmp_path, {"transactions": ledger.rows}))
    assert alerts.num_rows == 0


def _atm(
    event: int, minutes: float, card: str, *, covered: bool, face: int | None, matches: bool | None
) -> dict[str, Any]:
    return {
        "event_id": event,
        "ts": T0 + timedelta(minutes=minutes),
        "atm_id": "ATM-ICBC-000001" if event < 100 else "ATM-CCB-000002",
        "card_number": card,
        "amount_fen": 200_000,
        "txn_id": event,
        "face_covered": covered,
        "face_id": face,
        "face_matches_holder": matches,
    }


def test_a_masked_casher_working_through_cards_is_found_but_a_relative_is_not(tmp_path: Path) -> None:
    casher = [
        _atm(i, i, f"62220200000000001{i:02d}", covered=True, face=None, matches=None) for i in range(4)
    ]
    relative = [_atm(100, 0, "6222020000000000500", covered=False, face=7, matches=False)]
    masked_passer_by = [_atm(101, 300, "6222020000000000501", covered=True, face=None, matches=None)]
    owner = [_atm(102, 2, "6222020000000000502", covered=False, face=8, matches=True)]
    p = _province(tmp_path, {"atm_events": casher + relative + masked_passer_by + owner})
    alerts = {a["identifier"]: a for a in run(AtmCashoutV1(), p).to_pylist()}
    assert set(alerts) == {row["card_number"] for row in casher}
    assert all(
        "取现时遮挡面部" in a["reasons"] and "连续使用多张银行卡" in a["reasons"] for a in alerts.values()
    )


def _card(card_id: int, number: str, rid: str, opened: datetime, bank: str = "ICBC") -> dict[str, Any]:
    return {
        "card_id": card_id,
        "card_number": number,
        "bank_code": bank,
        "bin": number[:6],
        "card_type": "debit",
        "holder_person_id": None,
        "holder_business_id": None,
        "holder_resident_id": rid,
        "opened_at": opened,
        "opened_region_code": "430102",
        "bound_phone": None,
    }


def test_card_traders_and_holders_of_mule_accounts_are_graded_up(tmp_path: Path) -> None:
    trader, mule, ordinary = "430102199001011234", "430102199202022345", "430102198503033456"
    banks = ("ICBC", "CCB", "ABC", "BOC", "CMB", "PSBC", "BCS")
    cards = [
        _card(i, f"62220211111111110{i:02d}", trader, T0 - timedelta(days=40 - i), banks[i]) for i in range(7)
    ]
    cards.append(_card(10, COLLECT, mule, T0 - timedelta(days=900)))
    cards.append(_card(11, "6222020000000000321", ordinary, T0 - timedelta(days=3000)))
    cards.append(_card(12, "6222020000000000322", ordinary, T0 - timedelta(days=20)))
    ledger = Ledger()
    _mule_chain(ledger)
    p = _province(tmp_path, {"bank_cards": cards, "transactions": ledger.rows})
    alerts = {a["identifier"]: a for a in run(CustomerRiskV1(), p).to_pylist()}
    assert set(alerts) == {trader, mule}
    assert alerts[trader]["level"] == "high" and "30天内开立7张银行卡" in alerts[trader]["reasons"]
    assert "资金快进快出" in alerts[mule]["reasons"]


@pytest.mark.parametrize(
    ("engine", "precision", "recall"),
    [(MuleAccountV1, 0.95, 0.95), (AtmCashoutV1, 0.95, 0.9), (CustomerRiskV1, 0.9, 0.75)],
)
def test_backtest_on_the_small_province(
    engine: type[MuleAccountV1 | AtmCashoutV1 | CustomerRiskV1],
    precision: float,
    recall: float,
    classic_province: Province,
) -> None:
    """Rule engines on the world they were tuned on; MuleAccountV2 is measured on the harder one."""
    e = engine()
    scores = backtest(e, classic_province, run(e, classic_province)).all_levels
    assert scores.precision >= precision and scores.recall >= recall, scores
    assert scores.false_alarm_rate is not None and scores.false_alarm_rate < 0.005


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from("ABC"),
            st.sampled_from("ABC"),
            st.integers(0, 48).map(lambda q: q * 900),
            st.integers(1, 9),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_pass_through_matches_a_brute_force_search(moves: list[tuple[str, str, int, int]]) -> None:
    """Money leaving within 3 hours after any arrival, found by bucket joins, equals brute force.

    Times on a 15-minute grid, so exact 3-hour gaps and bucket edges come up often.
    """
    rows = [
        {
            "txn_id": i,
            "ts": T0 + timedelta(seconds=s),
            "src_kind": "bank_card",
            "src_account": src,
            "dst_kind": "bank_card",
            "dst_account": dst,
            "amount_fen": fen,
            "channel": "transfer",
            "device_imei": None,
        }
        for i, (src, dst, s, fen) in enumerate(moves)
    ]
    expected: dict[str, int] = {}
    for src, _, s, fen in moves:
        if any(dst == src and s - PASS_WINDOW_S <= s_in <= s for _, dst, s_in, _ in moves):
            expected[src] = expected.get(src, 0) + fen
    table = ibis.memtable(pa.Table.from_pylist(rows, schema=TABLES["transactions"].schema))
    found = passed_on(arrivals(table), departures(table)).to_pyarrow().to_pylist()
    assert {r["account"]: r["pass_fen"] for r in found} == expected
