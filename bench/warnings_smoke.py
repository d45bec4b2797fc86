"""A small smoke of warnings on SQLite (issue 23 speed, not the full benchmark); the last line is JSON.

Single signals one request each (signal → SMS queued or call task created, in the service), then one
12381 contact list. The issue's targets (100,000 signals an hour with bursts of 500/s, p99 < 1 s; 50,000
contacts queued in 10 s) are not measured here.

    PYTHONPATH=src .venv/bin/python bench/warnings_smoke.py            # 1,000 signals, 2,000 contacts
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from fanzha.bootstrap import build_platform
from fanzha.core.settings import Settings
from fanzha.db.migrate import upgrade
from fanzha.identity.domain import OrgKind, Principal, Role
from fanzha.identity.tables import Organisation, User
from fanzha.warnings.admin import ContactRow
from fanzha.warnings.domain import SignalKind
from fanzha.warnings.service import SignalInput
from fanzha.warnings.sms import MemorySender


def main() -> None:
    """Set up a county with one grid and N residents, send signals, print figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--signals", type=int, default=1_000)
    ap.add_argument("--contacts", type=int, default=2_000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fanzha-bench-warnings-") as tmp:
        settings = Settings(
            environment="test",
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/f.db",
            token_key_hex="ab" * 32,
            encryption_key_hex="cd" * 16,
        )  # type: ignore[call-arg]
        platform = build_platform(settings)
        upgrade(platform.engine)
        now = platform.clock.now()
        with platform.sessions() as s:
            county = Organisation(
                code="cx",
                name_zh="县",
                name_en="x",
                kind=str(OrgKind.POLICE_COUNTY),
                region_code="430104",
                active=True,
                created_at=now,
            )
            s.add(county)
            s.flush()
            user = User(
                username="desk",
                display_name="d",
                org_id=county.id,
                role=str(Role.DESK_OFFICER),
                password_hash="x",
                failed_logins=0,
                active=True,
                created_at=now,
            )
            s.add(user)
            s.commit()
            desk = Principal(user.id, "desk", county.id, OrgKind.POLICE_COUNTY, Role.DESK_OFFICER)
        service = platform.warnings
        assert service is not None
        service.sender = MemorySender()
        service.add_grid(desk, "430104001001", "网格")
        vault = service.vault
        tokens = [vault.derive("bench", str(i)).hex() for i in range(a.signals + a.contacts)]
        rows = [(t, f"139{i:08d}", "430104001001") for i, t in enumerate(tokens[: a.signals])]
        t0 = time.perf_counter()
        service.register(desk, rows)
        t_register = time.perf_counter() - t0
        lat = []
        for i, token in enumerate(tokens[: a.signals]):
            t = time.perf_counter()
            service.ingest(
                desk,
                [
                    SignalInput(
                        SignalKind.SAMPLE_CONTACT, f"s{i}", person_token=token, fraud_number="+8617012345678"
                    )
                ],
            )
            lat.append(time.perf_counter() - t)
        contacts = [ContactRow(t, None, f"137{i:08d}") for i, t in enumerate(tokens[a.signals :])]
        t0 = time.perf_counter()
        actions = service.contacts(desk, "+8617099990000", "other", None, contacts)  # type: ignore[arg-type]
        t_contacts = time.perf_counter() - t0
        t0 = time.perf_counter()
        sent = service.deliver(limit=a.signals + a.contacts)
        t_deliver = time.perf_counter() - t0
        platform.close()
    lat.sort()
    out = {
        "signals": a.signals,
        "signal_p50_ms": round(statistics.median(lat) * 1000, 2),
        "signal_p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 2),
        "register_rows_per_s": round(a.signals / t_register),
        "contacts": a.contacts,
        "contacts_s": round(t_contacts, 2),
        "contacts_actions": actions,
        "sms_delivered": sent,
        "deliver_s": round(t_deliver, 2),
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
