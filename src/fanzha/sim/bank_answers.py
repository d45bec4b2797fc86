"""The banks' answers to stop-payment, from the simulated transactions (issue 22 item 10).

A bank asked at time `at` to stop the money of a case on an account answers from its own ledger:
`not_found` (no such account in the data), `nothing_left` (balance 0 and nothing moved since the
money arrived), `held` (the balance, up to the money traced there, held), or `moved` (the transfers
out since the money arrived: next account, amount, time; with what is still held). Balances start
at the smallest opening balance that keeps the account's ledger non-negative (the simulator writes
no opening balances), as in `fanzha.funds.trace`. `play` runs the whole path — stop-payment on the
collection account some minutes after each payment, leads on the next accounts for up to three
levels, amounts split by `fanzha.funds.domain.follow` — and scores it against `label_money`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from fanzha.funds.domain import Onward, follow

ACCOUNT_KINDS = ("bank_card", "payment_account")


@dataclass(frozen=True)
class OnwardTransfer:
    """One transfer out of the stopped account after the victims' money arrived."""

    account: str
    kind: str
    amount_fen: int
    at: datetime


@dataclass(frozen=True)
class BankAnswer:
    """A bank's receipt: outcome, balance at the time, amount held, onward transfers."""

    outcome: str  # held | not_found | nothing_left | moved
    balance_fen: int
    held_fen: int
    onward: tuple[OnwardTransfer, ...] = ()


@dataclass
class SimBank:
    """Every bank of the province at once, answering from the transactions file."""

    con: duckdb.DuckDBPyConnection
    _opening: dict[str, int] = field(default_factory=dict)

    @classmethod
    def open(cls, directory: Path | str) -> SimBank:
        """The province's transactions as the banks' ledgers."""
        con = duckdb.connect()
        path = str(Path(directory) / "transactions.parquet")
        con.execute(
            "CREATE TABLE t AS SELECT txn_id, epoch_ms(ts) AS ms, src_account, dst_account, dst_kind, "
            "amount_fen FROM read_parquet(?) WHERE amount_fen > 0",
            [path],
        )
        con.execute(
            "CREATE TABLE ev AS SELECT src_account AS account, txn_id, ms, 1 AS d, -amount_fen AS delta "
            "FROM t UNION ALL SELECT dst_account, txn_id, ms, 0, amount_fen FROM t "
            "WHERE dst_kind IN ('bank_card', 'payment_account')"
        )
        con.execute("CREATE INDEX ev_account ON ev(account)")
        return cls(con)

    def opening(self, account: str) -> int | None:
        """The account's opening balance (None: the account is not in the data)."""
        if account not in self._opening:
            row = self.con.execute(
                "SELECT count(*), coalesce(max(-bal), 0) FROM (SELECT sum(delta) OVER "
                "(ORDER BY ms, d, txn_id ROWS UNBOUNDED PRECEDING) AS bal FROM ev WHERE account = ?)",
                [account],
            ).fetchone()
            if not row or not row[0]:
                return None
            self._opening[account] = max(0, int(row[1]))
        return self._opening[account]

    def answer(self, account: str, at: datetime, since: datetime, traced_fen: int) -> BankAnswer:
        """The bank's answer at `at` to a stop-payment of `traced_fen` that arrived at `since`."""
        opening = self.opening(account)
        if opening is None:
            return BankAnswer("not_found", 0, 0)
        at_ms, since_ms = _ms(at), _ms(since)
        row = self.con.execute(
            "SELECT coalesce(sum(delta), 0) FROM ev WHERE account = ? AND ms <= ?", [account, at_ms]
        ).fetchone()
        balance = opening + int(row[0] if row else 0)
        onward = tuple(
            OnwardTransfer(dst, kind, int(amt), datetime.fromtimestamp(ms / 1000, UTC))
            for dst, kind, amt, ms in self.con.execute(
                "SELECT dst_account, dst_kind, amount_fen, ms FROM t WHERE src_account = ? AND ms >= ? "
                "AND ms <= ? ORDER BY ms, txn_id",
                [account, since_ms, at_ms],
            ).fetchall()
        )
        held = max(0, min(balance, traced_fen))
        if onward:
            return BankAnswer("moved", balance, held, onward)
        return BankAnswer("held" if held else "nothing_left", balance, held)


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


@dataclass(frozen=True)
class PathScore:
    """The whole stop-payment path against the truth: money held of what was still in accounts."""

    payments: int
    stops: int
    held_fen: int
    held_on_truth_fen: int  # held where the truth says that payment's money was at that moment
    truth_in_accounts_fen: int  # the payments' money still in accounts at the moments of the stops
    paid_fen: int

    @property
    def precision(self) -> float:
        return self.held_on_truth_fen / self.held_fen if self.held_fen else 1.0

    @property
    def recall(self) -> float:
        return self.held_on_truth_fen / self.truth_in_accounts_fen if self.truth_in_accounts_fen else 1.0


def play(directory: Path | str, delay_min: int = 30, step_min: int = 5, levels: int = 3) -> PathScore:
    """Each payment reported `delay_min` after it was made; a lead answered every `step_min`."""
    bank = SimBank.open(directory)
    con = bank.con
    con.execute(
        "CREATE TABLE lm AS SELECT * FROM read_parquet(?)", [str(Path(directory) / "label_money.parquet")]
    )
    pays = con.execute(
        "SELECT lm.case_id, lm.payment_no, t.dst_account, t.amount_fen, t.ms FROM lm JOIN t USING (txn_id) "
        "WHERE lm.hop = 0 ORDER BY t.ms, lm.txn_id"
    ).fetchall()
    stops = held = on_truth = truth_total = paid = 0
    for case, pno, acct, amount, ms in pays:
        paid += int(amount)
        arrived = datetime.fromtimestamp(ms / 1000, UTC)
        at = arrived + timedelta(minutes=delay_min)
        truth = _truth_at(con, int(case), int(pno), _ms(at) + levels * step_min * 60_000)
        truth_total += sum(truth.values())
        frontier = [(str(acct), arrived, int(amount))]
        for level in range(levels + 1):
            nxt: list[tuple[str, datetime, int]] = []
            asked = at + timedelta(minutes=step_min * level)
            for account, since, traced in frontier:
                stops += 1
                ans = bank.answer(account, asked, since, traced)
                held += ans.held_fen
                on_truth += min(ans.held_fen, truth.get(account, 0))
                if ans.outcome != "moved" or level == levels:
                    continue
                left = traced - ans.held_fen
                onward = [
                    Onward(f"{o.account}|{i}", o.at, o.amount_fen)
                    for i, o in enumerate(ans.onward)
                    if o.kind in ACCOUNT_KINDS
                ]
                for key, by_victim in follow({0: left}, since, onward).items():
                    o = ans.onward[int(key.rsplit("|", 1)[1])]
                    nxt.append((o.account, o.at, sum(by_victim.values())))
            frontier = nxt
    return PathScore(len(pays), stops, held, on_truth, truth_total, paid)


def _truth_at(con: duckdb.DuckDBPyConnection, case: int, pno: int, until_ms: int) -> dict[str, int]:
    """The payment's money in each account at `until_ms`, by its labelled flows."""
    rows = con.execute(
        "SELECT place, sum(fen) FROM (SELECT t.dst_account AS place, t.amount_fen AS fen, t.dst_kind AS k "
        "FROM lm JOIN t USING (txn_id) WHERE case_id = ? AND payment_no = ? AND t.ms <= ? "
        "UNION ALL SELECT t.src_account, -t.amount_fen, 'bank_card' FROM lm JOIN t USING (txn_id) "
        "WHERE case_id = ? AND payment_no = ? AND t.ms <= ?) WHERE k IN ('bank_card', 'payment_account') "
        "GROUP BY place HAVING sum(fen) > 0",
        [case, pno, until_ms, case, pno, until_ms],
    ).fetchall()
    return {str(p): int(f) for p, f in rows}


def main(argv: list[str] | None = None) -> None:
    """`python -m fanzha.sim.bank_answers DIR [--delay 30] [--step 5] [--levels 3]`: one JSON line."""
    import argparse
    import json

    ap = argparse.ArgumentParser(
        description="Stop-payment on every simulated payment, scored against the truth."
    )
    ap.add_argument("directory")
    ap.add_argument("--delay", type=int, default=30, help="minutes from the payment to the report")
    ap.add_argument("--step", type=int, default=5, help="minutes between levels of leads")
    ap.add_argument("--levels", type=int, default=3)
    a = ap.parse_args(argv)
    s = play(a.directory, a.delay, a.step, a.levels)
    print(json.dumps(s.__dict__ | {"precision": round(s.precision, 4), "recall": round(s.recall, 4)}))


if __name__ == "__main__":
    main()
