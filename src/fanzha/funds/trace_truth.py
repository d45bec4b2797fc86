"""The trace scored against the simulator's truth (`label_money`): how much money it locates."""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from fanzha.detect.province import Province
from fanzha.funds.trace import DEFAULT_HOPS, Method, Tracer, TraceResult

TERMINAL_PATTERNS = ("atm_cashout", "crypto")


def victim_seeds(p: Province) -> ir.Table:
    """The victims' payments (hop 0 of `label_money`) as seeds: victim_id is the case."""
    lm = p["label_money"]
    return lm.filter(lm.hop == 0).select(victim_id=lm.case_id.cast("int64"), txn_id=lm.txn_id)


def truth_places(p: Province) -> dict[tuple[int, str], int]:
    """Where each case's money truly is at the end of the data: cash-out points, and what the
    labelled flows left in an account (the mules' cuts, money still held)."""
    lm, t = p["label_money"], p["transactions"]
    j = lm.join(t, lm.txn_id == t.txn_id).select(
        case=lm.case_id.cast("int64"),
        pattern=lm.pattern,
        src=t.src_account,
        dst=t.dst_account,
        amt=t.amount_fen,
    )
    cash = j.filter(j.pattern.isin(TERMINAL_PATTERNS))
    ends = cash.group_by("case", place=cash.dst).aggregate(fen=cash.amt.sum())
    inflow = j.filter(~j.pattern.isin(TERMINAL_PATTERNS)).select("case", place=j.dst, fen=j.amt)
    outflow = j.select("case", place=j.src, fen=-j.amt)
    u = ibis.union(inflow, outflow)
    left = u.group_by("case", "place").aggregate(fen=u.fen.sum())
    left = left.filter(left.fen > 0)
    out: dict[tuple[int, str], int] = {}
    for r in ibis.union(ends, left).to_pyarrow().to_pylist():
        key = (int(r["case"]), str(r["place"]))
        out[key] = out.get(key, 0) + int(r["fen"])
    return out


@dataclass(frozen=True)
class TraceScore:
    """Money located: Σ min(estimate, truth) over (victim, place), as a share of the truth."""

    truth_fen: int
    estimated_fen: int
    located_fen: int
    cashout_truth_fen: int
    cashout_located_fen: int

    @property
    def located_share(self) -> float:
        return self.located_fen / self.truth_fen if self.truth_fen else 1.0

    @property
    def cashout_share(self) -> float:
        return self.cashout_located_fen / self.cashout_truth_fen if self.cashout_truth_fen else 1.0


def score(result: TraceResult, truth: dict[tuple[int, str], int]) -> TraceScore:
    """Compare a trace's money_at with the truth places."""
    est = result.money_at()
    located = sum(min(est.get(k, 0), v) for k, v in truth.items())
    cash = {k: v for k, v in truth.items() if not _is_account(k[1])}
    return TraceScore(
        truth_fen=sum(truth.values()),
        estimated_fen=sum(est.values()),
        located_fen=located,
        cashout_truth_fen=sum(cash.values()),
        cashout_located_fen=sum(min(est.get(k, 0), v) for k, v in cash.items()),
    )


def _is_account(place: str) -> bool:
    """Bank cards (digits) and payment accounts (platform:id, not atm:) are accounts."""
    return place.isdigit() or (":" in place and not place.startswith("atm:"))


def trace_and_score(p: Province, hops: int = 8, method: Method = "fifo") -> TraceScore:
    """Trace every victim of a province and score it (hops default 8: the longest simulated path is 7)."""
    with Tracer(p.con, p["transactions"]) as tr:
        return score(tr.trace(victim_seeds(p), hops, method), truth_places(p))


__all__ = ["DEFAULT_HOPS", "TraceScore", "score", "trace_and_score", "truth_places", "victim_seeds"]


def main(argv: list[str] | None = None) -> None:
    """`python -m fanzha.funds.trace_truth DIR [--hops 8] [--backend duckdb]`: one JSON line per method."""
    import argparse
    import json
    import time

    ap = argparse.ArgumentParser(description="Trace every victim of a simulated province and score it.")
    ap.add_argument("directory")
    ap.add_argument("--hops", type=int, default=8)
    ap.add_argument("--backend", choices=("duckdb", "pyspark"), default="duckdb")
    a = ap.parse_args(argv)
    p = Province.open(a.directory, a.backend)
    for method in ("fifo", "proportional"):
        t0 = time.perf_counter()
        s = trace_and_score(p, a.hops, method)
        out = {
            "method": method,
            "hops": a.hops,
            "seconds": round(time.perf_counter() - t0, 2),
            "truth_fen": s.truth_fen,
            "located_share": round(s.located_share, 4),
            "cashout_share": round(s.cashout_share, 4),
        }
        print(json.dumps(out))


if __name__ == "__main__":
    main()
