"""Line records (Art 11) and OTC trades (Art 33): simulated, consistent, labelled."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd

from evalworld.generate import generate
from evalworld.params import Params

LINE_KINDS = {"voice_line", "trunk", "sms_port"}
SCENARIOS = {"customer_service", "notification", "marketing"}
SCOPES = {"local", "province", "national"}
CONTENT = {"customer_service", "notification", "marketing", "financial", "impersonation"}
PER_LINE = [
    "line_kind",
    "operator_code",
    "holder_business_id",
    "declared_scenario",
    "declared_daily_volume",
    "declared_scope",
]


def _t(world: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(world / f"{name}.parquet")


def test_manifest_lists_nothing_unsimulated(world: Path) -> None:
    m = json.loads((world / "manifest.json").read_text())
    assert m["not_simulated"] == []
    assert m["tables"]["line_records"] > 0 and m["tables"]["otc_trades"] > 0


def test_line_records_are_consistent(world: Path) -> None:
    lr = _t(world, "line_records")
    assert lr.record_id.tolist() == list(range(len(lr)))
    assert lr.day.is_monotonic_increasing
    first = dt.date(2025, 6, 2)
    assert lr.day.min() >= first and lr.day.max() < first + dt.timedelta(days=5)
    assert not lr.duplicated(["line_number", "day"]).any()
    assert set(lr.line_kind) <= LINE_KINDS and set(lr.declared_scenario) <= SCENARIOS
    assert set(lr.declared_scope) <= SCOPES and set(lr.content_class) <= CONTENT
    assert (lr.volume > 0).all() and (lr.destinations >= 1).all() and (lr.destinations <= lr.volume).all()
    for c in ("out_of_scope_share", "short_share"):
        assert lr[c].between(0, 1).all(), c
    assert (lr[lr.line_kind == "sms_port"].short_share == 0).all()
    assert (lr[lr.declared_scope == "national"].out_of_scope_share == 0).all()
    assert (lr.complaints >= 0).all()
    # What was declared at access does not change from day to day.
    assert (lr.groupby("line_number")[PER_LINE].nunique() == 1).all().all()
    ports = lr[lr.line_kind == "sms_port"].line_number
    assert ports.str.fullmatch(r"106\d{8}").all()
    assert lr[lr.line_kind != "sms_port"].line_number.str.fullmatch(r"\+86\d{8,11}").all()
    assert set(lr.holder_business_id) <= set(_t(world, "businesses").business_id)


def test_abnormal_lines_are_labelled_with_their_group(world: Path) -> None:
    lr = _t(world, "line_records")
    lo = _t(world, "label_objects")
    ab = lo[lo.role == "abnormal_line"]
    assert len(ab) > 0
    assert (ab.object_kind == "phone").all() and (ab.source_table == "line_records").all()
    assert ab.object_id.isna().all() and ab.identifier.is_unique
    assert set(ab.identifier) <= set(lr.line_number)
    assert set(ab.group_id.astype(int)) <= set(_t(world, "label_groups").group_id)
    ordinary = set(lr.line_number) - set(ab.identifier)
    assert len(ordinary) > len(ab)  # most lines are ordinary business use
    # Fraud lines are not all blatant: some stay within their declared scope.
    fraud = lr[lr.line_number.isin(ab.identifier)]
    assert (fraud.out_of_scope_share == 0).any()


def test_otc_trades_are_consistent(world: Path) -> None:
    ot = _t(world, "otc_trades")
    assert ot.trade_id.tolist() == list(range(len(ot)))
    assert ot.ts.is_monotonic_increasing
    assert set(ot.side) == {"buy", "sell"}
    assert set(ot.account_kind) <= {"bank_card", "payment_account"}
    assert (ot.merchant.str.split(":").str[0] == ot.exchange).all()
    assert (ot.amount_fen > 0).all()
    pay = ot[ot.account_kind == "payment_account"].account
    assert pay.str.contains(":").all()
    assert set(ot.wallet) <= set(_t(world, "wallets").address)


def test_every_bank_transfer_to_a_wallet_is_a_buy(world: Path) -> None:
    tx = _t(world, "transactions")
    crypto = tx[tx.channel == "crypto_otc"]
    buys = _t(world, "otc_trades").query("side == 'buy'")
    keys = set(zip(buys.account, buys.wallet, buys.amount_fen, strict=True))
    end = pd.Timestamp("2025-06-07", tz="Asia/Shanghai")
    late = crypto.ts > end - pd.Timedelta(minutes=15)  # released after the window closes
    missing = [
        r for r in crypto[~late].itertuples() if (r.src_account, r.dst_account, r.amount_fen) not in keys
    ]
    assert not missing, missing[:3]


def test_cashout_accounts_are_the_groups_crypto_payers(world: Path) -> None:
    lo = _t(world, "label_objects")
    cash = lo[lo.role == "otc_cashout_account"]
    assert len(cash) > 0
    money = _t(world, "label_money")
    tx = _t(world, "transactions").set_index("txn_id")
    crypto = tx.loc[money[money.pattern == "crypto"].txn_id]
    ot = _t(world, "otc_trades")
    traded = set(ot.account)
    assert set(crypto.src_account) & traded <= set(cash.identifier)
    assert set(cash.identifier) <= traded
    assert set(cash.object_kind) <= {"bank_card", "payment_account"}
    # Accounts of ordinary traders are not labelled.
    ordinary = traded - set(cash.identifier)
    assert len(ordinary) > 0


def _digest(d: Path, names: tuple[str, ...]) -> dict[str, str]:
    return {n: hashlib.sha256((d / f"{n}.parquet").read_bytes()).hexdigest() for n in names}


def test_lines_and_trades_deterministic_by_seed(tmp_path: Path) -> None:
    names = ("line_records", "otc_trades", "label_objects", "businesses", "wallets")
    generate(Params(people=400, days=4, seed=21), tmp_path / "a")
    generate(Params(people=400, days=4, seed=21), tmp_path / "b")
    generate(Params(people=400, days=4, seed=22), tmp_path / "c")
    a, b, c = (_digest(tmp_path / x, names) for x in "abc")
    assert a == b
    assert a["line_records"] != c["line_records"] and a["otc_trades"] != c["otc_trades"]
