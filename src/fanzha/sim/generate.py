"""Generate a province into a directory of Parquet files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import numpy as np
import pyarrow as pa

from fanzha.sim import reference
from fanzha.sim.blocks import Block, concat, take
from fanzha.sim.broadcast import Broadcaster
from fanzha.sim.cases import CaseRunner
from fanzha.sim.config import SimConfig
from fanzha.sim.emit import by_day, emit, emit_money
from fanzha.sim.life import life_block
from fanzha.sim.lines import build_lines
from fanzha.sim.money import flow_blocks
from fanzha.sim.otc import Otc, build_otc
from fanzha.sim.truth import label_cases, label_groups, label_objects
from fanzha.sim.world import World, build_world
from fanzha.sim.writer import Sink, int_or_null, to_table

Progress = Callable[[int], None]
EVENT_TABLES = ("calls", "sms", "chats", "web_visits", "app_installs")


_DEFAULT = SimConfig()
# Settings a manifest names when they differ from the defaults (rates and shares, not size or seed).
_BEHAVIOUR = {f.name for f in fields(SimConfig) if f.type in ("float", "int")} - {
    "people",
    "days",
    "seed",
    "block_people",
}


def steps(cfg: SimConfig) -> int:
    """Progress steps of a run: the world, every block of every day, the fraud of each day, labels."""
    return 2 + cfg.days * (-(-cfg.people // cfg.block_people) + 1)


def _standing(w: World) -> list[tuple[str, pa.Table]]:
    """Reference and holdings tables."""
    r = w.regions
    wallets = to_table(
        "wallets",
        {"wallet_id": np.arange(len(w.wallets)), "address": w.wallets, "chain": ["TRON"] * len(w.wallets)},
    )
    return [
        ("regions", r.table),
        ("organisations", reference.organisation_table(r)),
        ("phone_segments", reference.segment_table()),
        ("bank_bins", reference.bin_table()),
        ("platforms", reference.platform_table()),
        ("scam_types", reference.scam_type_table()),
        ("people", w.pop.table(r)),
        ("businesses", w.biz.table(r)),
        ("phone_cards", w.phones.card_table(r, w.pop)),
        ("bank_cards", w.banks.table(r, w.pop, w.phones)),
        ("payment_accounts", w.pay.payment_table(w.banks, w.phones)),
        ("devices", w.phones.device_table()),
        ("internet_accounts", w.net.internet_table(w.phones)),
        ("urls", w.catalogue.urls),
        ("apps", w.catalogue.apps),
        ("wallets", wallets),
        ("atms", w.atms.table(r)),
    ]


def _fraud_day(sink: Sink, cfg: SimConfig, day: int, cases: dict[str, Block], money: tuple[Block, Block],
               daily: dict[str, Block]) -> None:  # fmt: skip
    """The day's scripted cases, broadcasts and hard negatives, and the day's fraud money."""
    for name in EVENT_TABLES:
        today: Block = take(cases[name], by_day(cases[name], cfg.t0, day)) if name in cases else {}
        emit(sink, name, concat([today, daily.get(name, {})]))
    txn, atm = money
    rows = by_day(txn, cfg.t0, day)
    day_txn = take(txn, rows)
    day_atm = take(atm, by_day(atm, cfg.t0, day))
    if day_atm:
        # An ATM event and its transaction share a time, hence a day: re-point into the day's slice.
        day_atm["_txn_row"] = np.searchsorted(rows, day_atm["_txn_row"])
    emit_money(sink, day_txn, day_atm)


def _extra_labels(lines: list[str], otc: Otc) -> pa.Table:
    """label_objects rows of the leased lines (Art 11) and the accounts that cashed out via OTC (Art 33)."""
    parts = [
        ("phone", lines, "line_records", "abnormal_line"),
        ("bank_card", [a for a in otc.fraud_accounts if a.isdigit()], "otc_trades", "otc_cashout_account"),
        (
            "payment_account",
            [a for a in otc.fraud_accounts if not a.isdigit()],
            "otc_trades",
            "otc_cashout_account",
        ),
    ]
    kinds = [k for k, ids, _, _ in parts for _ in ids]
    return to_table(
        "label_objects",
        {
            "object_kind": pa.array(kinds, pa.string()),
            "identifier": pa.array([i for _, ids, _, _ in parts for i in ids], pa.string()),
            "source_table": pa.array([t for _, ids, t, _ in parts for _ in ids], pa.string()),
            "object_id": int_or_null(np.full(len(kinds), -1)),
            "role": pa.array([r for _, ids, _, r in parts for _ in ids], pa.string()),
            "group_id": int_or_null(np.full(len(kinds), -1)),
        },
    )


def generate(cfg: SimConfig, out: Path, progress: Progress | None = None) -> dict[str, int]:
    """Write the whole province under `out`; returns rows per table."""
    tick = progress or (lambda _n: None)
    w = build_world(cfg)
    sink = Sink(out)
    for name, table in _standing(w):
        sink.write_whole(name, to_table(name, {c: table.column(c) for c in table.column_names}))
    run = CaseRunner(w)
    run.run()
    cases = run.blocks()
    money = flow_blocks(w, run.layer)
    broadcaster = Broadcaster(w, run.gear)
    lines = build_lines(cfg, w.biz.n)
    honest = np.ones(len(w.banks.number), dtype=bool)
    honest[w.banks.fraud] = False
    otc = build_otc(cfg, money[0], w.banks.number.filter(pa.array(honest)))
    sink.write_whole("line_records", lines.records)
    sink.write_whole("otc_trades", otc.trades)
    tick(1)
    for day in range(cfg.days):
        for lo in range(0, cfg.people, cfg.block_people):
            block = life_block(w, day, lo, min(cfg.people, lo + cfg.block_people))
            for name in EVENT_TABLES:
                emit(sink, name, block[name])
            emit_money(sink, block["transactions"], block["atm_events"])
            tick(1)
        _fraud_day(sink, cfg, day, cases, money, broadcaster.day(day))
        tick(1)
    for name, table in (
        ("label_groups", label_groups(w)),
        ("label_objects", pa.concat_tables([label_objects(w, run), _extra_labels(lines.leased, otc)])),
        ("label_cases", label_cases(w, run)),
    ):
        sink.write_whole(name, table)
    manifest: dict[str, object] = {
        "people": cfg.people,
        "days": cfg.days,
        "seed": cfg.seed,
        "start": cfg.start.isoformat(),
    }
    if cfg.with_extras:  # beside the contract tables; the default manifest keeps its keys
        from fanzha.sim.extras import write_extras

        manifest["extras"] = write_extras(out, w, run)
        manifest["leak_kind"] = cfg.leak_kind
    changed = {f.name: getattr(cfg, f.name) for f in fields(SimConfig) if f.name in _BEHAVIOUR}
    changed = {k: v for k, v in changed.items() if v != getattr(_DEFAULT, k)}
    if changed:  # settings given with `--set`: a training world must say how it differs
        manifest["settings"] = changed
    sink.close(manifest)
    tick(1)
    return dict(sink.rows)
