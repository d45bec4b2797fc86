"""The simulated banks' answers to stop-payment (issue 22 item 10), and the whole path scored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from fanzha.sim.bank_answers import SimBank, play


def test_unknown_account_is_not_found(province: Path) -> None:
    bank = SimBank.open(province)
    now = datetime(2025, 3, 3, tzinfo=UTC)
    assert bank.answer("6200000000000000000", now, now, 100).outcome == "not_found"


def test_answer_at_the_payment_holds_it_and_later_reports_onward(province: Path) -> None:
    con = duckdb.connect()
    pay = con.execute(
        f"SELECT t.dst_account, t.ts, t.amount_fen FROM '{province}/label_money.parquet' l "
        f"JOIN '{province}/transactions.parquet' t USING (txn_id) WHERE l.hop = 0 ORDER BY t.ts LIMIT 1"
    ).fetchone()
    assert pay
    acct, ts, amount = pay
    bank = SimBank.open(province)
    at_once = bank.answer(acct, ts, ts, amount)
    assert at_once.outcome in ("held", "moved") and 0 < at_once.held_fen <= amount
    assert at_once.balance_fen >= at_once.held_fen
    later = bank.answer(acct, ts + timedelta(days=3), ts, amount)
    assert later.outcome == "moved" and later.onward
    assert all(o.at >= ts for o in later.onward)
    assert [o.at for o in later.onward] == sorted(o.at for o in later.onward)


def test_whole_path_scored_against_the_truth(province: Path) -> None:
    """Reported 30 minutes after each payment, three levels of leads: most of the money is held."""
    s = play(province, delay_min=30, step_min=5, levels=3)
    assert s.payments > 0 and s.stops >= s.payments
    assert s.held_on_truth_fen <= s.held_fen
    assert s.held_on_truth_fen <= s.truth_in_accounts_fen <= s.paid_fen
    assert s.recall >= 0.5 and s.precision >= 0.5
