"""Oversight indicators on DuckDB and the monthly notification PDF.

A synthetic province: 2,000 institutions (banks, payment institutions, telecoms, platforms) and a year
of orders (with their answer events), appeals, samples, sightings, detection runs with alerts and funds
answers, in DuckDB tables of the platform's names and columns. Timed: the indicators per institution for
each of the 12 months (target < 10 s), by city and province, from the same SQLAlchemy Core definitions
the platform runs on SQLite and PostgreSQL (fanzha.oversight.indicators); then the last month's
notification assembled, rendered to PDF and SM3-hashed (target < 5 s).

Baseline in the same run: the floor, one bare `GROUP BY org_id` count of the orders table.
Also checked: the orders and overdue orders counted equal what the generator planted.

    python bench/oversight.py --quick     # 200 institutions, ~60,000 orders
    python bench/oversight.py             # 2,000 institutions, ~600,000 orders
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from pypdf import PdfReader

from fanzha.core.sm import sm3_hex
from fanzha.oversight import indicators
from fanzha.oversight.domain import Grain, Rules, Span, month, trailing
from fanzha.oversight.notifications import STATUS_ZH, assemble
from fanzha.oversight.regions import region_name
from fanzha.oversight.report import html
from fanzha.oversight.runners import DuckRunner
from fanzha.oversight.service import Row
from fanzha.web.pdf import render_pdf

LAST = "2026-11"
KINDS = np.array(["bank", "payment", "telecom", "internet"])
CITIES = np.array([f"43{c:02d}00" for c in range(1, 14)] + ["433100"])  # the 14 cities (GB/T 2260 prefixes)
MINUTE = np.timedelta64(60, "s").astype("timedelta64[us]")


def _times(rng: np.random.Generator, n: int, start: datetime, end: datetime) -> np.ndarray:
    lo, hi = np.datetime64(start.replace(tzinfo=None), "us"), np.datetime64(end.replace(tzinfo=None), "us")
    span = (hi - lo).astype(np.int64)
    return lo + rng.integers(0, span, n).astype("timedelta64[us]")


def build(duck: Any, institutions: int, per_institution: int, seed: int = 7) -> dict[str, int]:
    """Create and fill the tables; return what was planted (orders, overdue) for the check."""
    rng = np.random.default_rng(seed)
    periods = trailing(Span.MONTH, month(LAST), 12)
    start, end = periods[0].start, periods[-1].end
    police = len(CITIES) + 1
    org_ids = np.arange(1, police + institutions + 1)
    kinds = np.concatenate(
        [np.array(["police_city"] * (police - 1) + ["police_province"]), rng.choice(KINDS, institutions)]
    )
    regions = np.concatenate([CITIES, ["430000"], np.full(institutions, "430000")])
    names = [f"机构{i}" for i in org_ids]
    orgs = pa.table({"id": org_ids, "kind": kinds, "region_code": regions, "name_zh": names})
    inst = org_ids[police:]
    # Orders: each institution's load varies; a few (2 %) are slow and often late.
    load = rng.poisson(per_institution, institutions).clip(1)
    n = int(load.sum())
    org_of = np.repeat(inst, load)
    slow = np.isin(org_of, rng.choice(inst, max(1, institutions // 50), replace=False))
    created = _times(rng, n, start, end)
    due = created + np.where(rng.random(n) < 0.5, 24 * 60, 60).astype("timedelta64[m]").astype(
        "timedelta64[us]"
    )
    minutes = np.where(slow, rng.exponential(600, n), rng.exponential(25, n)) + 1
    answered = rng.random(n) < 0.97
    at = created + (minutes * 60e6).astype("timedelta64[us]")
    status = rng.choice(["executed", "object_not_found", "refused"], n, p=[0.918, 0.08, 0.002])
    as_of = np.datetime64(end.replace(tzinfo=None), "us")
    late = np.where(answered, at > due, due < as_of)
    ids = np.arange(1, n + 1)
    issuer = rng.integers(1, police, n)
    measure = np.where(rng.random(n) < 0.02, "release", "suspend")
    appeal_n = int(n * 0.03)
    appeal_ids = np.arange(1, appeal_n + 1)
    order_appeal = np.full(n, None, dtype=object)
    releases = np.flatnonzero(measure == "release")[:appeal_n]
    order_appeal[releases] = appeal_ids[: len(releases)]
    orders = pa.table(
        {
            "id": ids,
            "org_id": org_of,
            "issuer_org_id": issuer,
            "created_at": created,
            "due_at": due,
            "measure": measure,
            "appeal_id": pa.array(order_appeal, type=pa.int64()),
        }
    )
    ans = np.flatnonzero(answered)
    events = pa.table(
        {
            "order_id": np.concatenate([ids, ids[ans]]),
            "at": np.concatenate([created, at[ans]]),
            "status_to": np.concatenate([np.full(n, "issued"), status[ans]]),
        }
    )
    a_created = _times(rng, appeal_n, start, end)
    appeals = pa.table(
        {
            "id": appeal_ids,
            "deciding_org_id": rng.integers(1, police, appeal_n),
            "status": rng.choice(["released", "rejected", "submitted"], appeal_n, p=[0.5, 0.4, 0.1]),
            "institutions_fulfilled": rng.random(appeal_n) < 0.8,
            "created_at": a_created,
            "decided_at": a_created + (rng.exponential(8, appeal_n) * 3600e6).astype("timedelta64[us]"),
        }
    )
    s_n = n // 6
    samples = pa.table(
        {
            "id": np.arange(1, s_n + 1),
            "status": rng.choice(["active", "pending", "rejected"], s_n),
            "region_code": rng.choice(CITIES, s_n),
        }
    )
    sources = pa.table(
        {
            "sample_id": np.arange(1, s_n + 1),
            "org_id": rng.choice(org_ids, s_n),
            "reported_at": _times(rng, s_n, start, end),
        }
    )
    sightings = pa.table({"org_id": rng.choice(inst, n // 2), "seen_at": _times(rng, n // 2, start, end)})
    r_n = institutions * 10
    runs = pa.table(
        {
            "id": np.arange(1, r_n + 1),
            "org_id": rng.choice(inst, r_n),
            "created_at": _times(rng, r_n, start, end),
        }
    )
    al_n = r_n * 20
    alerts = pa.table({"id": np.arange(1, al_n + 1), "run_id": rng.integers(1, r_n + 1, al_n)})
    # What policies made of alerts; false alarms fed back by warnings are outcomes but not confirmations.
    outcomes = pa.table(
        {
            "alert_id": rng.choice(np.arange(1, al_n + 1), al_n // 2),
            "outcome": rng.choice(["sample", "order", "warning", "false_alarm"], al_n // 2),
        }
    )
    f_n = n // 10
    funds = pa.table(
        {
            "org_id": rng.choice(inst, f_n),
            "issuer_org_id": rng.integers(1, police, f_n),
            "kind": rng.choice(["stop_payment", "freeze", "return"], f_n),
            "result_fen": rng.integers(0, 10_000_000, f_n),
            "answered_at": _times(rng, f_n, start, end),
        }
    )
    for name, table in {
        "organisations": orgs,
        "disposal_orders": orders,
        "disposal_order_events": events,
        "appeals": appeals,
        "samples": samples,
        "sample_sources": sources,
        "sample_sightings": sightings,
        "detect_runs": runs,
        "detect_alerts": alerts,
        "detect_outcomes": outcomes,
        "funds_instructions": funds,
    }.items():
        duck.register("incoming", table)
        duck.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        duck.unregister("incoming")
    return {"orders": n, "late": int(late.sum()), "events": len(events)}


def main() -> None:
    """Build, time, check, print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    institutions, per = (200, 300) if args.quick else (2_000, 300)
    duck = duckdb.connect()
    t0 = time.perf_counter()
    planted = build(duck, institutions, per)
    built = time.perf_counter() - t0
    runner = DuckRunner(duck)
    periods = trailing(Span.MONTH, month(LAST), 12)
    as_of = periods[-1].end

    t0 = time.perf_counter()
    duck.execute("SELECT org_id, count(*) FROM disposal_orders GROUP BY org_id").fetchall()
    baseline = time.perf_counter() - t0

    t0 = time.perf_counter()
    by_institution = indicators.compute(runner, indicators.Query(Grain.INSTITUTION, periods, as_of))
    institution_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    cities = indicators.compute(runner, indicators.Query(Grain.CITY, periods[-1:], as_of))
    province = indicators.compute(runner, indicators.Query(Grain.PROVINCE, periods, as_of))
    regions_s = time.perf_counter() - t0
    orders = sum(v["orders"] or 0 for v in province.values())
    late = sum(v["late"] or 0 for v in province.values())
    assert orders == planted["orders"] and late == planted["late"], (orders, late, planted)
    assert sum(v["orders"] or 0 for v in by_institution.values()) == planted["orders"]

    t0 = time.perf_counter()
    kinds = dict(duck.execute("SELECT CAST(id AS VARCHAR), kind FROM organisations").fetchall())
    last = len(periods) - 1
    rows = [Row(k, f"机构{k}", LAST, v, kinds[k]) for (k, p), v in by_institution.items() if p == last]
    city_rows = [Row(k, region_name(k), LAST, v) for (k, _), v in cities.items()]
    prov_rows = [Row(k, "全省", LAST, v) for (k, p), v in province.items() if p == last]
    content = assemble(LAST, prov_rows, city_rows, rows, Rules())
    pdf = render_pdf(html(content, STATUS_ZH["published"]))
    digest = sm3_hex(pdf)
    pdf_s = time.perf_counter() - t0
    criticised = sum(1 for r in content["ranking"] if r["criticism"])
    # Again in the same process: WeasyPrint's start-up (fonts, Pango) is paid once per process, and
    # the web process that publishes has usually paid it already.
    t0 = time.perf_counter()
    sm3_hex(render_pdf(html(assemble(LAST, prov_rows, city_rows, rows, Rules()), STATUS_ZH["published"])))
    pdf_warm_s = time.perf_counter() - t0

    result = {
        "bench": "oversight",
        "quick": args.quick,
        "institutions": institutions,
        "orders": planted["orders"],
        "order_events": planted["events"],
        "build_s": round(built, 2),
        "baseline_groupby_s": round(baseline, 4),
        "indicators_institution_12_months_s": round(institution_s, 3),
        "ratio_to_baseline": round(institution_s / baseline, 1) if baseline else None,
        "indicators_city_and_province_s": round(regions_s, 3),
        "target_indicators_s": 10,
        "pdf_s": round(pdf_s, 3),
        "pdf_warm_s": round(pdf_warm_s, 3),
        "pdf_pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "pdf_bytes": len(pdf),
        "pdf_sm3": digest[:16],
        "criticised": criticised,
        "target_pdf_s": 5,
        "checked_against_planted": True,
        "load_average_1min": round(os.getloadavg()[0], 1),  # the machine is shared: read times with it
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
