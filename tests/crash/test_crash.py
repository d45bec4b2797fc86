"""SIGKILL in the middle of a bulk publish and of event delivery; restart; nothing acknowledged is lost.

Each round kills at a seeded random moment. The fast profile (what `pytest tests/crash` runs) does one round
per scenario and database; FANZHA_CRASH_ROUNDS=N does more.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pyarrow.parquet as pq
from sqlalchemy import func, select

from fanzha.appeals.tables import Appeal
from fanzha.bootstrap import Platform
from fanzha.demo_province import load_province
from fanzha.disposal.tables import Order, OrderEvent
from fanzha.events.tables import OutboxEvent
from fanzha.identity.domain import OrgKind, Principal, key_issuer
from fanzha.identity.tables import Organisation
from fanzha.samples.schemas import LookupItem
from fanzha.samples.tables import Sample
from fanzha.sim import SimConfig
from fanzha.sim.generate import generate
from tests.crash.conftest import ROUNDS, Deployment, _principal
from tests.receiver import Served

BULK_ROWS = 50_000


def _found(d: Deployment, values: list[str]) -> int:
    """How many of `values` are active samples now."""
    assert d.bank is not None
    found = 0
    for start in range(0, len(values), 50_000):
        items = [LookupItem(kind="phone", value=v) for v in values[start : start + 50_000]]
        found += sum(1 for r in d.platform.lookup.batch(d.bank, items) if r["found"])
    return found


def _csv(values: list[str]) -> bytes:
    return (
        "kind,value,fraud_type,confidence\n" + "".join(f"phone,{v},fake_loan,90\n" for v in values)
    ).encode()


def _import_file(
    d: Deployment, auth: dict[str, str], values: list[str], outcome: dict[str, int | str]
) -> None:
    """Upload one CSV; record the answer's status, or the error when the server died under it."""
    try:
        files = {"file": ("bulk.csv", _csv(values), "text/csv")}
        r = httpx.post(f"{d.base}/api/v1/samples/import", files=files, headers=auth, timeout=120)
        outcome["status"] = r.status_code
    except httpx.HTTPError as error:
        outcome["status"] = type(error).__name__


def _publish_singles(
    d: Deployment, auth: dict[str, str], prefix: str, acknowledged: list[str], stop: threading.Event
) -> None:
    """Publish one sample after another; keep those the server answered 201."""
    with httpx.Client(base_url=d.base, headers=auth, timeout=10) as client:
        for i in range(1_000_000):
            if stop.is_set():
                return
            body = {"kind": "phone", "value": f"{prefix}{i:06d}", "fraud_type": "fake_loan"}
            try:
                r = client.post("/api/v1/samples", json=body)
            except httpx.HTTPError:
                return
            if r.status_code == 201:
                acknowledged.append(body["value"])


def test_killed_server_keeps_every_acknowledged_publish_and_no_half_import(deployment: Deployment) -> None:
    d, auth = deployment, {"Authorization": f"Bearer {deployment.police_key}"}
    for round_ in range(ROUNDS):
        rng = random.Random(round_)
        d.start_server()
        bulk = [f"+86137{round_:02d}{i:06d}" for i in range(BULK_ROWS)]
        outcome: dict[str, int | str] = {}
        acknowledged: list[str] = []
        stop = threading.Event()

        workers = [
            threading.Thread(target=_import_file, args=(d, auth, bulk, outcome)),
            threading.Thread(
                target=_publish_singles, args=(d, auth, f"+86135{round_:02d}", acknowledged, stop)
            ),
        ]
        workers[1].start()
        time.sleep(0.5)  # some single publishes acknowledged before the import starts
        workers[0].start()
        time.sleep(rng.uniform(0.3, 3.0))
        d.kill("server")
        stop.set()
        for w in workers:
            w.join(timeout=130)

        d.start_server()  # recovery: SQLite rolls the journal back, PostgreSQL replays its WAL
        imported = _found(d, bulk)
        assert imported in (0, BULK_ROWS), f"half an import is visible: {imported} of {BULK_ROWS}"
        if outcome.get("status") == 201:
            assert imported == BULK_ROWS, "an acknowledged import was lost"
        assert _found(d, acknowledged) == len(acknowledged), "an acknowledged publish was lost"
        assert d.audit_verifies()
        d.kill("server")
        print(
            f"crash round {round_} ({d.url.split(':')[0]}): import answered {outcome.get('status')}, "
            f"{imported:,} rows visible; {len(acknowledged)} acknowledged publishes kept; audit verifies"
        )


def test_killed_dispatcher_delivers_every_event_once_after_dedup(deployment: Deployment) -> None:
    d = deployment
    assert d.bank is not None
    served = Served()
    try:
        url = served.url("bank")
        _subscription, secret = d.platform.subscriptions.create(d.bank, ["phone"], "", url)
        assert secret is not None
        served.receivers["bank"].secret = secret
        for round_ in range(ROUNDS):
            rng = random.Random(100 + round_)
            values = [f"+86136{round_:02d}{i:06d}" for i in range(10_000)]
            analyst = _analyst(d)
            report = d.platform.bulk.run(analyst, _csv(values), "round.csv")
            assert report.ok
            with d.platform.sessions() as session:
                expected = {
                    row.event_id: row.id
                    for row in session.scalars(
                        select(OutboxEvent).where(OutboxEvent.topic.startswith("samples."))
                    )
                    if row.topic != "samples.pending"
                }
            d.start("dispatcher", ["events", "dispatch"])
            time.sleep(rng.uniform(0.05, 0.6))
            d.kill("dispatcher")
            d.start("dispatcher", ["events", "dispatch"])
            received = served.receivers["bank"].received
            deadline = time.monotonic() + 90
            while {e["event_id"] for e in received} < set(expected) and time.monotonic() < deadline:
                time.sleep(0.2)
            d.kill("dispatcher")
            ids = {e["event_id"] for e in received}
            assert ids == set(expected), f"{len(set(expected) - ids)} events lost"
            positions: dict[str, set[int]] = defaultdict(set)
            for e in received:
                positions[e["event_id"]].add(e["position"])
            assert all(positions[i] == {expected[i]} for i in ids), "a redelivery changed an event's id"
            assert d.audit_verifies()
            print(
                f"dispatcher crash round {round_} ({d.url.split(':')[0]}): {len(expected):,} events, "
                f"{len(received) - len(ids):,} redeliveries with the same id, none lost"
            )
    finally:
        served.stop()


def _org_kind(platform: Platform, org_id: int) -> OrgKind:
    with platform.sessions() as session:
        return OrgKind(session.get_one(Organisation, org_id).kind)


def _analyst(d: Deployment) -> Principal:
    return _principal(d.platform, "analyst")


def test_killed_server_decides_an_appeal_all_or_nothing(deployment: Deployment, tmp_path: Path) -> None:
    d = deployment
    generate(SimConfig(people=600, days=3, seed=5), tmp_path / "province")
    assert load_province(d.platform, tmp_path / "province").appeals >= 1
    with d.platform.sessions() as session:
        appeals = [(a.id, a.deciding_org_id, a.object_token) for a in session.scalars(select(Appeal))]
    d.start_server()
    for round_, (appeal_id, org_id, token) in enumerate(appeals[:ROUNDS]):
        rng = random.Random(200 + round_)
        kind = _org_kind(d.platform, org_id)
        head = Principal(None, "crash-head", org_id, kind, key_issuer(kind))  # the unit's own commander
        key = d.platform.auth.create_api_key(head, org_id, f"decide-{round_}", 1)[1]
        auth = {"Authorization": f"Bearer {key}"}
        base = f"{d.base}/api/v1/appeals/{appeal_id}"
        assert httpx.post(f"{base}/review", headers=auth, timeout=10).status_code == 200
        answer: dict[str, int | str] = {}
        decision = {"upheld": True, "reason": "号码确为本人正常使用，撤销处置"}
        worker = threading.Thread(target=_post, args=(f"{base}/decision", auth, decision, answer))
        worker.start()
        time.sleep(rng.uniform(0.005, 0.2))  # one short transaction: rounds land before, in and after it
        d.kill("server")
        worker.join(timeout=30)
        d.start_server()
        with d.platform.sessions() as session:
            appeal = session.get_one(Appeal, appeal_id)
            releases = session.scalars(
                select(Order).where(Order.object_token == token, Order.measure == "release")
            ).all()
            samples = session.scalars(select(Sample).where(Sample.token == token)).all()
        if appeal.status == "released":
            assert releases and all(s.status == "revoked" for s in samples), "decided but not released"
        else:
            assert answer.get("status") != 200, "an acknowledged decision was lost"
            assert not releases, "releases without a decision"
        assert d.audit_verifies()
        print(
            f"appeal crash round {round_} ({d.url.split(':')[0]}): "
            f"answered {answer.get('status')}, appeal {appeal.status}"
        )
    d.kill("server")


def _post(url: str, auth: dict[str, str], body: dict[str, object], answer: dict[str, int | str]) -> None:
    """POST and keep the status, or the error when the server died under it."""
    try:
        answer["status"] = httpx.post(url, json=body, headers=auth, timeout=20).status_code
    except httpx.HTTPError as error:
        answer["status"] = type(error).__name__


def test_killed_server_mid_bulk_order_leaves_only_whole_orders(
    deployment: Deployment, tmp_path: Path
) -> None:
    d, auth = deployment, {"Authorization": f"Bearer {deployment.police_key}"}
    generate(SimConfig(people=2000, days=2, seed=6), tmp_path / "province")
    load_province(d.platform, tmp_path / "province")
    numbers = pq.read_table(tmp_path / "province" / "phone_cards.parquet", columns=["msisdn"])["msisdn"]
    d.start_server()
    for round_ in range(ROUNDS):
        rng = random.Random(300 + round_)
        with d.platform.sessions() as session:
            before = session.scalar(select(func.max(Order.id))) or 0
        picked = numbers.to_pylist()[round_ * 1000 : (round_ + 1) * 1000]
        items = [
            {"kind": "phone", "value": n, "measure": "reverify", "reason": "批量复核涉诈号码"} for n in picked
        ]
        answer: dict[str, int | str] = {}
        worker = threading.Thread(
            target=_post, args=(f"{d.base}/api/v1/disposal/orders/bulk", auth, {"items": items}, answer)
        )
        worker.start()
        time.sleep(rng.uniform(0.2, 2.0))
        d.kill("server")
        worker.join(timeout=60)
        d.start_server()
        with d.platform.sessions() as session:
            new = session.scalars(select(Order.id).where(Order.id > before)).all()
            with_events = set(
                session.scalars(select(OrderEvent.order_id).where(OrderEvent.order_id > before)).all()
            )
        # Each line is its own transaction: the lines done before the kill are whole, the rest absent.
        if answer.get("status") == 200:
            assert new, "an acknowledged bulk issue was lost"
        assert set(new) <= with_events, "an order without its issue event"
        assert d.audit_verifies()
        print(
            f"bulk-order crash round {round_} ({d.url.split(':')[0]}): answered {answer.get('status')}, "
            f"{len(new):,} whole orders from {len(items):,} lines"
        )
    d.kill("server")
