"""Extra outputs beside the contract tables: case stages, dealings and the planted leak.

Written only when asked (SimConfig.extras or a planted leak), as files outside the data contracts,
so the default province and its manifest stay exactly as they were.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.sim.cases import CaseRunner
from fanzha.sim.dealings import PARTY_KINDS, dealings_table
from fanzha.sim.world import World

EXTRA_FILES = ("case_stages", "dealings", "label_leaks")
_TS = pa.timestamp("ms", tz="UTC")
_LEAK_SCHEMA = (
    ("party_id", pa.string()),
    ("party_kind", pa.string()),
    ("party_name", pa.string()),
    ("customers", pa.int64()),
    ("targets_among_customers", pa.int64()),
    ("leak_share", pa.float64()),
)


def case_stages_table(run: CaseRunner) -> pa.Table:
    """case_stages: every stage of every case, in time order within the case."""
    rows = sorted(run.stages)
    cols: list[tuple[object, ...]] = list(zip(*rows, strict=True)) if rows else [() for _ in range(6)]
    return pa.table(
        {
            "case_id": pa.array(cols[0], pa.int64()),
            "stage_no": pa.array(cols[1], pa.int16()),
            "ts": pa.array(np.array(cols[2], dtype=np.int64) * 1000, pa.int64()).cast(_TS),
            "channel": pa.array(cols[3], pa.string()),
            "action": pa.array(cols[4], pa.string()),
            "amount_fen": pa.array(cols[5], pa.int64()),
        }
    )


def leak_table(w: World) -> pa.Table:
    """label_leaks: the planted leak (no rows when there is none), with its customers and targets."""
    d, key = w.dealings, w.leak
    if d is None or not key:
        return pa.table({n: pa.array([], t) for n, t in _LEAK_SCHEMA})
    customers = d.customers(key)
    targets = np.intersect1d(np.unique(w.plan.case_person), customers)
    kind = PARTY_KINDS.index(key.split(":")[0])
    return pa.table(
        {
            "party_id": [key],
            "party_kind": [PARTY_KINDS[kind]],
            "party_name": [d.names[key]],
            "customers": pa.array([len(customers)], pa.int64()),
            "targets_among_customers": pa.array([len(targets)], pa.int64()),
            "leak_share": pa.array([w.cfg.leak_share], pa.float64()),
        }
    )


def write_extras(out: Path, w: World, run: CaseRunner) -> dict[str, int]:
    """Write the extra files under `out`; returns rows per file."""
    tables = {"case_stages": case_stages_table(run), "label_leaks": leak_table(w)}
    if w.dealings is not None:
        tables["dealings"] = dealings_table(w.dealings, w.pop)
    for name, t in tables.items():
        pq.write_table(t, out / f"{name}.parquet", compression="zstd")
    return {k: t.num_rows for k, t in tables.items()}
