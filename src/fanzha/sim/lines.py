"""Voice lines, trunks and SMS ports with the operators' daily records (Art 11), some leased to fraud.

An independent random stream: adding the lines leaves every other table as it was. A leased line
starts as declared and, from a day of its own, dials or texts strangers nationwide far beyond what
was declared, with content other than the declared scenario. Hard negatives: honest lines with sales
peaks above the declaration, national-scope lines, marketing ports with a few complaints, notification
ports whose bank reminders read as financial content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pyarrow as pa

from fanzha.sim.config import SimConfig
from fanzha.sim.reference import OPERATORS
from fanzha.sim.rng import stream
from fanzha.sim.writer import to_table

KINDS = ("voice_line", "trunk", "sms_port")
SCENARIOS = ("customer_service", "notification", "marketing")
SCOPES = ("local", "province", "national")
FRAUD_CONTENT = ("financial", "impersonation")
LEASED_SHARE = 0.15  # share of lines leased out to fraud groups over the window


@dataclass(frozen=True)
class Lines:
    """The province's lines: the records table and the leased lines' numbers (the truth)."""

    records: pa.Table
    leased: list[str]


def _number(rng: np.random.Generator, kind: str) -> str:
    if kind == "sms_port":
        return "1069" + "".join(str(d) for d in rng.integers(0, 10, 10))
    return "+86731" + str(int(rng.integers(2, 9))) + "".join(str(d) for d in rng.integers(0, 10, 7))


def build_lines(cfg: SimConfig, n_businesses: int) -> Lines:
    """Lines held by the province's businesses and their daily records over the simulated window."""
    rng = stream(cfg.seed, "lines")
    n = max(100, cfg.people // 30)
    rows: dict[str, list[object]] = {k: [] for k in (
        "day", "line_number", "line_kind", "operator_code", "holder_business_id", "declared_scenario",
        "declared_daily_volume", "declared_scope", "volume", "destinations", "out_of_scope_share",
        "short_share", "content_class", "complaints",
    )}  # fmt: skip
    leased: list[str] = []
    numbers: set[str] = set()
    for _ in range(n):
        kind = KINDS[int(rng.integers(0, 3))]
        number = _number(rng, kind)
        while number in numbers:
            number = _number(rng, kind)
        numbers.add(number)
        scenario = SCENARIOS[int(rng.integers(0, 3))]
        scope = SCOPES[int(rng.choice(3, p=[0.4, 0.35, 0.25]))]
        declared = int(rng.choice([200, 500, 1000, 2000, 5000]))
        operator = OPERATORS[int(rng.integers(0, len(OPERATORS)))][0]
        holder = int(rng.integers(0, max(1, n_businesses)))
        is_leased = rng.random() < LEASED_SHARE
        # Subtle leases stay within the declared volume; only scope, strangers and content give them away.
        subtle = is_leased and rng.random() < 0.3
        start = int(rng.integers(0, max(1, cfg.days // 2))) if is_leased else cfg.days
        peaky = not is_leased and rng.random() < 0.25  # an honest line with sales peaks
        if is_leased:
            leased.append(number)
        for day in range(cfg.days):
            abused = day >= start
            if abused:
                factor = rng.uniform(0.5, 0.95) if subtle else rng.uniform(2.0, 6.0)
                volume = int(declared * factor)
                destinations = int(volume * rng.uniform(0.85, 1.0))
                oos = float(rng.uniform(0.6, 0.95)) if scope != "national" else 0.0
                short = float(rng.uniform(0.6, 0.9)) if kind != "sms_port" else 0.0
                # Subtle leases dress the pitch as marketing on some days and draw few complaints.
                disguised = subtle and rng.random() < 0.6
                content = "marketing" if disguised else FRAUD_CONTENT[int(rng.integers(0, 2))]
                complaints = int(rng.poisson(0.8 if subtle else 3.0))
            else:
                factor = rng.uniform(1.1, 1.8) if peaky and rng.random() < 0.2 else rng.uniform(0.3, 0.9)
                volume = int(declared * factor)
                destinations = int(volume * rng.uniform(0.3, 0.7))
                oos = float(rng.uniform(0.0, 0.08)) if scope != "national" else 0.0
                short = float(rng.uniform(0.05, 0.35)) if kind != "sms_port" else 0.0
                # Now and then a notification port carries a marketing message: not a fraud sign alone.
                content = scenario if rng.random() < 0.92 else SCENARIOS[int(rng.integers(0, 3))]
                if scenario == "notification" and rng.random() < 0.03:
                    content = "financial"  # a bank's repayment reminder reads as financial content
                complaints = int(rng.poisson(0.3 if scenario == "marketing" else 0.05))
            for key, value in (
                ("day", cfg.start + timedelta(days=day)), ("line_number", number), ("line_kind", kind),
                ("operator_code", operator), ("holder_business_id", holder), ("declared_scenario", scenario),
                ("declared_daily_volume", declared), ("declared_scope", scope), ("volume", volume),
                ("destinations", destinations), ("out_of_scope_share", round(oos, 4)),
                ("short_share", round(short, 4)), ("content_class", content), ("complaints", complaints),
            ):  # fmt: skip
                rows[key].append(value)
    order = sorted(range(len(rows["day"])), key=lambda i: (rows["day"][i], rows["line_number"][i]))
    cols: dict[str, object] = {"record_id": np.arange(len(order), dtype=np.int64)}
    for key, values in rows.items():
        cols[key] = [values[i] for i in order]
    return Lines(to_table("line_records", cols), leased)
