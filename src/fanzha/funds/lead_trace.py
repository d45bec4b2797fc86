"""A case's transfers traced through a transactions dataset: the rows the victims paid, and where the
FIFO trace (`fanzha.funds.trace_fast`) still locates their money, per account (Art 35¶2)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fanzha.core.clock import as_utc
from fanzha.core.errors import ValidationFailed
from fanzha.detect.uploads import dataset_name
from fanzha.funds.trace_fast import FastTracer

# A victim's reported time is approximate: the data's row must lie this close to it (same payee, amount).
MATCH_WINDOW = timedelta(minutes=10)
COLUMNS = ("txn_id", "ts", "src_account", "dst_kind", "dst_account", "amount_fen", "channel")


@dataclass(frozen=True)
class Located:
    """Victims' money the trace locates at one account (held there, within the hops)."""

    account: str
    kind: str
    hop: int
    money: dict[int, tuple[int, datetime]]  # victim → (fen, first arrival)

    @property
    def amount(self) -> int:
        """All the victims' money there, in fen."""
        return sum(fen for fen, _ in self.money.values())


def load(root: Path, dataset: str) -> pa.Table:
    """The transactions of a dataset under `root` (refused, naming the field, when there are none)."""
    path = root / dataset_name(dataset) / "transactions.parquet"
    if not path.is_file():
        raise ValidationFailed(
            f"数据集 {dataset} 没有交易数据（transactions.parquet）",
            f"Dataset {dataset} holds no transactions (transactions.parquet)",
            field="dataset",
        )
    try:
        return pq.read_table(path, columns=list(COLUMNS))
    except (pa.ArrowInvalid, OSError, KeyError):
        raise ValidationFailed(
            f"数据集 {dataset} 的交易数据无法读取，或缺少数据契约要求的列",
            f"Dataset {dataset}: the transactions cannot be read or lack the contract's columns",
            field="dataset",
        ) from None


def match_seeds(table: pa.Table, transfers: list[tuple[int, str, int, datetime]]) -> list[tuple[int, int]]:
    """(victim, txn_id) for each reported transfer (victim, payee, fen, time): the row paying that payee
    that amount nearest in time, within MATCH_WINDOW, each row used once."""
    seeds: list[tuple[int, int]] = []
    used: set[int] = set()
    for victim, payee, fen, at in transfers:
        rows = table.filter(
            pc.and_(pc.equal(table["dst_account"], payee), pc.equal(table["amount_fen"], fen))
        ).select(["txn_id", "ts"])
        best: tuple[timedelta, int] | None = None
        for r in rows.to_pylist():
            gap = abs(as_utc(r["ts"]) - as_utc(at))
            if gap <= MATCH_WINDOW and r["txn_id"] not in used and (best is None or gap < best[0]):
                best = (gap, int(r["txn_id"]))
        if best is not None:
            used.add(best[1])
            seeds.append((victim, best[1]))
    return seeds


def locate(table: pa.Table, seeds: list[tuple[int, int]], hops: int, as_of: datetime) -> list[Located]:
    """Where the victims' money is still held (FIFO trace, `fanzha.funds.trace_fast`), per account."""
    if not seeds:
        return []
    # One hop more than asked: money held at the last hop's account is known held only once its onward
    # transfers were looked at.
    try:
        result = FastTracer(table, as_of=as_of).trace(seeds, hops + 1)
    except ValueError as error:  # amounts or a time span beyond what the composite keys hold
        raise ValidationFailed(
            "交易数据超出追踪引擎的范围",
            f"The transactions exceed the engine's range: {error}",
            field="dataset",
        ) from None
    first: dict[tuple[int, str], datetime] = {}
    for r in result.arrivals.to_pylist():
        key = (int(r["victim_id"]), str(r["account"]))
        at = as_utc(r["first_ts"])
        first[key] = min(first.get(key, at), at)
    money: dict[str, dict[int, tuple[int, datetime]]] = defaultdict(dict)
    hop: dict[str, int] = {}
    for r in result.located.to_pylist():
        if r["kind"] != "account" or r["status"] != "held" or r["hop"] > hops:
            continue  # cashed out, or beyond the hops: not stoppable at an account
        a, v = str(r["account"]), int(r["victim_id"])
        fen, _ = money[a].get(v, (0, first[(v, a)]))
        money[a][v] = (fen + int(r["amount_fen"]), first[(v, a)])
        hop[a] = min(hop.get(a, hops), int(r["hop"]))
    kinds = _kinds(table, list(money))
    return [Located(a, kinds.get(a, ""), hop[a], m) for a, m in money.items()]


def _kinds(table: pa.Table, accounts: list[str]) -> dict[str, str]:
    """Each account's kind as the data gives it when paid into."""
    if not accounts:
        return {}
    rows = table.filter(pc.is_in(table["dst_account"], value_set=pa.array(accounts, pa.string())))
    names = rows["dst_account"].to_pylist()
    kinds = rows["dst_kind"].cast(pa.string()).to_pylist()
    return dict(zip(names, kinds, strict=True))
