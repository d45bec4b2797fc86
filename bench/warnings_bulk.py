"""Warnings at speed (issue 23): a 12381 contact list set-based, and signal bursts in micro-batches.

1. A new sample number with N contacts (default 50,000; --quick 10,000): one `contacts` call on the
   bulk path; the figure is the time until every contact's text is queued (committed in warn_sms).
   Target: 50,000 in 10 s. Baseline in the same process: the one-by-one path on a sample of the list
   (another number, other people), as a rate; the ratio is bulk rate / one-by-one rate.
2. Bursts of signals at 500/s (PotentialVictim alerts low/medium/high and 12381 contacts): every
   50 ms the signals that arrived are taken in one set-based batch, then the queued texts are handed
   to the gateway (a fake). Latency per signal: arrival → its task committed or its text handed over.
   Target: p99 < 1 s. Baseline: the same arrivals one signal per transaction. Nine signals in ten
   name a new person with a phone, one in ten a registered person (joins go the one-by-one way).

Runs on SQLite and PostgreSQL (FANZHA_TEST_PG_URL, a throw-away schema); the last line is JSON.

    PYTHONPATH=src:clients/python/src:. .venv/bin/python bench/warnings_bulk.py --quick   # under a minute
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text, update

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade
from fanzha.identity.domain import OrgKind, Principal, Role
from fanzha.identity.tables import Organisation, User
from fanzha.samples.domain import FraudType
from fanzha.warnings.admin import ContactRow, Warnings
from fanzha.warnings.domain import Level, SignalKind
from fanzha.warnings.service import SignalInput
from fanzha.warnings.sms import MemorySender
from fanzha.warnings.tables import WarnSms

PG_URL = os.environ.get("FANZHA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
GRID = "430104001001"
TICK_S = 0.05


@contextmanager
def platform_on(kind: str, tmp: str) -> Iterator[Platform]:
    """A migrated platform on a fresh SQLite file or a throw-away PostgreSQL schema."""
    settings = Settings(
        environment="test", data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/f.db",
        token_key_hex="ab" * 32, encryption_key_hex="cd" * 16,
    )  # type: ignore[call-arg]  # fmt: skip
    if kind == "sqlite":
        platform = build_platform(settings)
        upgrade(platform.engine)
        try:
            yield platform
        finally:
            platform.close()
        return
    schema = f"fz_bench_{uuid.uuid4().hex[:8]}"
    admin = build_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = build_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        platform = build_platform(settings, engine=engine)
        upgrade(platform.engine)
        try:
            yield platform
        finally:
            platform.close()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def desk_of(platform: Platform) -> tuple[Warnings, Principal]:
    """A county centre with a desk officer and one grid."""
    now = platform.clock.now()
    with platform.sessions() as s:
        county = Organisation(
            code="cx", name_zh="县", name_en="x", kind=str(OrgKind.POLICE_COUNTY), region_code="430104",
            active=True, created_at=now,
        )  # fmt: skip
        s.add(county)
        s.flush()
        user = User(
            username="desk", display_name="d", org_id=county.id, role=str(Role.DESK_OFFICER),
            password_hash="x", failed_logins=0, active=True, created_at=now,
        )  # fmt: skip
        s.add(user)
        s.commit()
        desk = Principal(user.id, "desk", county.id, OrgKind.POLICE_COUNTY, Role.DESK_OFFICER)
    service = platform.warnings
    assert service is not None
    service.sender = MemorySender()
    service.add_grid(desk, GRID, "网格")
    return service, desk


def contact_list(service: Warnings, desk: Principal, n: int, sample: int) -> dict[str, Any]:
    """Bulk: n contacts of one new number; baseline: `sample` other people one by one."""
    rows = [
        ContactRow(service.vault.derive("bench-c", str(i)).hex(), None, f"137{i:08d}", calls=1 + i % 2)
        for i in range(n + sample)
    ]
    t0 = time.perf_counter()
    base = service.contacts(desk, "+8617000001111", FraudType.OTHER, None, rows[n:], one_by_one=True)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    actions = service.contacts(desk, "+8617099990000", FraudType.FAKE_POLICE, None, rows[:n])
    t_bulk = time.perf_counter() - t0
    assert actions.get("sms", 0) == n, actions  # each person once, every one texted
    bulk_rate, base_rate = n / t_bulk, sample / t_base
    return {
        "contacts": n, "contacts_s": round(t_bulk, 2), "contacts_per_s": round(bulk_rate),
        "contacts_actions": actions, "baseline_one_by_one_contacts": sample,
        "baseline_one_by_one_s": round(t_base, 2), "baseline_per_s": round(base_rate),
        "baseline_actions": base, "ratio": round(bulk_rate / base_rate, 1),
    }  # fmt: skip


def _signals(n: int, people: list[str], tag: str, vault_key: Any) -> list[SignalInput]:
    """Alerts and contacts; one in ten for a registered person (who may already have an episode)."""
    rnd = random.Random(7)
    out = []
    for i in range(n):
        if rnd.random() < 0.1:
            token, phone = rnd.choice(people), None
        else:
            token, phone = vault_key("bench-" + tag, str(i)).hex(), f"136{i:08d}"
        if rnd.random() < 0.5:
            level = rnd.choice([Level.LOW, Level.LOW, Level.MEDIUM, Level.HIGH])
            out.append(
                SignalInput(SignalKind.PV_ALERT, f"{tag}{i}", person_token=token, phone=phone, level=level)
            )
        else:
            out.append(
                SignalInput(
                    SignalKind.SAMPLE_CONTACT, f"{tag}{i}", person_token=token, phone=phone,
                    fraud_number="+8617012345678",
                )
            )  # fmt: skip
    return out


def burst(
    service: Warnings, desk: Principal, signals: list[SignalInput], rate: float, batched: bool
) -> dict[str, Any]:
    """Arrivals at `rate`/s; each tick takes what arrived (batched) or one at a time; latency to hand-over."""
    lat: list[float] = []
    start = time.perf_counter()
    arrive = [start + i / rate for i in range(len(signals))]
    k = 0
    while k < len(signals):
        now = time.perf_counter()
        if arrive[k] > now:
            time.sleep(min(arrive[k] - now, TICK_S))
            continue
        j = k + 1
        if batched:
            while j < len(signals) and arrive[j] <= now and j - k < 1000:
                j += 1
            service.ingest_bulk(desk, signals[k:j])
        else:
            service.ingest(desk, signals[k:j])
        service.deliver(limit=1000)  # the texts just queued go to the gateway
        done = time.perf_counter()
        lat.extend(done - a for a in arrive[k:j])
        k = j
        if batched:
            time.sleep(max(0.0, TICK_S - (time.perf_counter() - now)))
    lat.sort()
    wall = time.perf_counter() - start
    return {
        "signals": len(signals), "rate_per_s": rate, "wall_s": round(wall, 2),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 1),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 1),
        "max_ms": round(lat[-1] * 1000, 1),
    }  # fmt: skip


def run(kind: str, contacts: int, sample: int, burst_s: float, base_s: float, rate: float) -> dict[str, Any]:
    """Both parts on one database."""
    with tempfile.TemporaryDirectory(prefix="fanzha-bench-warnings-") as tmp, platform_on(kind, tmp) as p:
        service, desk = desk_of(p)
        figures = contact_list(service, desk, contacts, sample)
        with p.sessions() as s:  # the list's texts count as handed over: the burst measures its own
            s.execute(update(WarnSms).where(WarnSms.sent_at.is_(None)).values(sent_at=p.clock.now()))
            s.commit()
        people = [service.vault.derive("bench-r", str(i)).hex() for i in range(2_000)]
        service.register(desk, [(t, f"139{i:08d}", GRID) for i, t in enumerate(people)])
        n = int(rate * burst_s)
        figures["burst"] = burst(
            service, desk, _signals(n, people, "b", service.vault.derive), rate, batched=True
        )
        m = int(rate * base_s)
        figures["baseline_burst_one_per_transaction"] = burst(
            service, desk, _signals(m, people, "o", service.vault.derive), rate, batched=False
        )
        figures["burst_p99_ratio"] = round(
            figures["baseline_burst_one_per_transaction"]["p99_ms"] / figures["burst"]["p99_ms"], 1
        )
        return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10,000 contacts, 2 s of burst, both databases")
    ap.add_argument("--contacts", type=int, default=50_000)
    ap.add_argument("--sample", type=int, default=500, help="one-by-one baseline contacts")
    ap.add_argument("--burst-s", type=float, default=10.0)
    ap.add_argument("--baseline-s", type=float, default=2.0)
    ap.add_argument("--rate", type=float, default=500.0)
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    a = ap.parse_args()
    if a.quick:
        a.contacts, a.burst_s, a.baseline_s, a.sample = 10_000, 2.0, 0.4, 200
    # Figures taken with a load average above the cores are noise: the run says what it had.
    out: dict[str, Any] = {
        "bench": "warnings_bulk",
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg()[0],
    }
    for kind in ("sqlite", "postgresql") if a.db == "both" else (a.db,):
        out[kind] = run(kind, a.contacts, a.sample, a.burst_s, a.baseline_s, a.rate)
        out[kind]["load_after"] = round(os.getloadavg()[0], 2)
        print(f"# {kind}: {json.dumps(out[kind], ensure_ascii=False)}", flush=True)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
