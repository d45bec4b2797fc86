"""TAXII paging over samples written by the bulk import (and `fanzha demo load`), on SQLite and PostgreSQL.

Bulk inserts once stored times as `…+00:00` text where the ORM stores `….ffffff`: on SQLite the cursor
`updated_at > :moment` held for the same instant and `=` never did, so pages repeated and the fourth
never answered. Read here live by OASIS taxii2-client and stix2's TAXIICollectionSource.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import pytest
import requests
import stix2
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text
from stix2validator import validate_string
from taxii2client.v21 import Collection, Server, as_pages

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.identifiers import IdentifierKind
from fanzha.samples import stix
from fanzha.samples.schemas import SamplePublish
from fanzha.samples.tables import Sample
from fanzha.samples.taxii import Filters, Position, collection_id, entries
from fanzha.web.app import create_app
from tests.e2e.test_taxii import FIXED, PER_SAMPLE, STRICT, BearerAuth
from tests.factories import World, make_world

BULK = 150  # imported in one file, all at one instant
ORM = 10  # published one by one at that same instant
REPUBLISHED = 5  # bulk rows merged again through the ORM, still at that instant
T = TypeVar("T")


def _phone(n: int) -> str:
    return f"1380013{n:04d}"


def _bulk_csv(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["kind", "value", "fraud_type", "confidence", "region_code"])
    writer.writeheader()
    for n in range(count):
        writer.writerow(
            {
                "kind": "phone",
                "value": _phone(n),
                "fraud_type": "fake_investment",
                "confidence": "90",
                "region_code": "430104",
            }
        )
    return out.getvalue().encode()


def _load(platform: Platform, world: World) -> int:
    """Samples through the bulk path (what `fanzha samples import` and `fanzha demo load` run) and the ORM."""
    report = platform.bulk.run(world.analyst.principal, _bulk_csv(BULK), "samples.csv")
    assert report.ok and report.created == BULK
    for n in range(BULK, BULK + ORM):
        platform.samples.publish(
            world.analyst.principal, SamplePublish(kind="phone", value=_phone(n), fraud_type="romance")
        )
    for n in range(REPUBLISHED):
        platform.samples.publish(
            world.analyst.principal, SamplePublish(kind="phone", value=_phone(n), fraud_type="romance")
        )
    return BULK + ORM


def _within(seconds: float, work: Callable[[], T]) -> T:
    """`work()`, failing the test (instead of hanging it) when it takes longer than `seconds`."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        return pool.submit(work).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Live:
    """A live server over the parametrised database."""

    base: str
    platform: Platform
    world: World
    key: str

    def collection(self, kind: IdentifierKind) -> Collection:
        """The kind's collection as taxii2-client finds it through discovery."""
        root = Server(f"{self.base}/taxii2/", auth=BearerAuth(self.key)).default
        assert root is not None
        return next(c for c in root.collections if c.id == collection_id(kind))


@pytest.fixture
def live(platform: Platform) -> Iterator[Live]:
    """uvicorn on a free loopback port over the test's database, with a bank's API key."""
    world = make_world(platform)
    _, key = platform.auth.create_api_key(world.bank_a_admin.principal, world.bank_a.id, "TAXII", 30)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(platform=platform),
            host="127.0.0.1",
            port=_free_port(),
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    else:
        pytest.fail("uvicorn did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Live(f"http://127.0.0.1:{port}", platform, world, key)
    server.should_exit = True
    thread.join(timeout=10)
    assert not thread.is_alive(), "the server did not shut down"


def test_bulk_and_orm_rows_store_one_time_text(
    platform: Platform, engine: Engine, clock: FrozenClock
) -> None:
    world = make_world(platform)
    _load(platform, world)
    with engine.connect() as connection:
        moments = connection.execute(select(Sample.updated_at).distinct()).scalars().all()
        assert moments == [clock.now()]
        same = connection.scalar(select(func.count()).where(Sample.updated_at == clock.now()))
        later = connection.scalar(select(func.count()).where(Sample.updated_at > clock.now()))
        assert (same, later) == (BULK + ORM, 0)
        if engine.dialect.name == "sqlite":
            texts = connection.execute(text("SELECT DISTINCT updated_at FROM samples")).scalars().all()
            assert texts == [clock.now().strftime("%Y-%m-%d %H:%M:%S.%f")]


def test_taxii2_client_pages_bulk_imported_samples_to_the_end_each_object_once(live: Live) -> None:
    samples = _load(live.platform, live.world)
    phones = live.collection(IdentifierKind.PHONE)
    # 37 splits samples between their objects, so pages end mid-sample as well as between samples.
    pages = _within(120, lambda: list(as_pages(phones.get_objects, per_request=37)))
    ids = [o["id"] for page in pages for o in page["objects"]]
    assert len(ids) == len(set(ids)) == FIXED + PER_SAMPLE * samples
    assert pages[-1]["more"] is False and all(p["more"] for p in pages[:-1])
    manifest = _within(
        120, lambda: [r for p in as_pages(phones.get_manifest, per_request=500) for r in p["objects"]]
    )
    assert [r["id"] for r in manifest] == ids
    objects = [o for page in pages for o in page["objects"]]
    result = validate_string(json.dumps(stix.bundle(objects), ensure_ascii=False), STRICT)
    assert result.is_valid, [str(e) for e in result.errors[:5]]


def test_stix2_taxii_collection_source_reads_the_collection(live: Live) -> None:
    samples = _load(live.platform, live.world)
    source = stix2.TAXIICollectionSource(
        live.collection(IdentifierKind.PHONE), allow_custom=True, items_per_page=64
    )
    indicators = _within(120, lambda: source.query([stix2.Filter("type", "=", "indicator")]))
    assert len({i.id for i in indicators}) == samples
    one = indicators[0]
    assert source.get(one.id).id == one.id
    relationships = _within(120, lambda: source.relationships(one.id, "based-on", source_only=True))
    assert [r.target_ref.partition("--")[0] for r in relationships] == ["observed-data"]


def test_alias_urls_lead_to_the_collection_under_its_id(live: Live) -> None:
    headers = {"Accept": "application/taxii+json;version=2.1", "Authorization": f"Bearer {live.key}"}
    alias = f"{live.base}/taxii2/fanzha/collections/phone/objects/?limit=2"
    redirect = requests.get(alias, headers=headers, allow_redirects=False, timeout=10)
    assert redirect.status_code == 308
    assert redirect.headers["location"] == (
        f"{live.base}/taxii2/fanzha/collections/{collection_id(IdentifierKind.PHONE)}/objects/?limit=2"
    )
    followed = requests.get(alias, headers=headers, timeout=10)
    assert followed.status_code == 200 and len(followed.json()["objects"]) == 2
    # What taxii2-client and stix2 need: the collection's id is in the URL it is served under.
    by_id = Collection(
        f"{live.base}/taxii2/fanzha/collections/{collection_id(IdentifierKind.PHONE)}/",
        auth=BearerAuth(live.key),
    )
    assert by_id.alias == "phone" and by_id.can_read
    stix2.TAXIICollectionSource(by_id)  # checks the collection (and refused the alias URL before)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.integers(1, 40), limit=st.integers(1, 90))
def test_any_batch_and_page_size_sees_each_object_once(
    platform: Platform, clock: FrozenClock, batch: int, limit: int
) -> None:
    with platform.sessions() as session:
        empty = not session.scalar(select(func.count()).select_from(Sample))
    if empty:  # load once per database, whatever hypothesis draws
        world = make_world(platform)
        platform.bulk.run(world.analyst.principal, _bulk_csv(30), "samples.csv")
        clock.advance(timedelta(seconds=1))
        for n in range(30, 35):
            platform.samples.publish(
                world.analyst.principal, SamplePublish(kind="phone", value=_phone(n), fraud_type="romance")
            )
    seen: list[str] = []
    after: Position | None = None
    for _ in range(1000):
        page = []
        for entry in entries(platform.sessions, IdentifierKind.PHONE, Filters(), after, batch):
            page.append(entry)
            if len(page) == limit:
                break
        seen += [e.obj["id"] for e in page]
        if len(page) < limit:
            break
        assert after is None or page[-1].position > after
        after = page[-1].position
    else:
        pytest.fail("paging did not end")
    assert len(seen) == len(set(seen)) == FIXED + PER_SAMPLE * 35


def test_a_cursor_that_cannot_advance_answers_an_error_instead_of_spinning(
    live: Live, engine: Engine, clock: FrozenClock
) -> None:
    """Rows left in the old text form (SQLite before 0014) stop paging with an error; never a spin."""
    sqlite = engine.dialect.name == "sqlite"
    clock.advance(timedelta(microseconds=123_456))  # `….123456+00:00` > `….123456` as text
    _load(live.platform, live.world)
    with engine.begin() as connection:  # half the rows as bulk inserts wrote them before migration 0014
        old = clock.now().isoformat(" ") if sqlite else clock.now()  # PostgreSQL: one timestamptz
        connection.execute(text("UPDATE samples SET updated_at = :old WHERE id % 2 = 0"), {"old": old})
    headers = {"Accept": "application/taxii+json;version=2.1", "Authorization": f"Bearer {live.key}"}
    url = f"{live.base}/taxii2/fanzha/collections/{collection_id(IdentifierKind.PHONE)}/objects/"
    params: dict[str, str | int] = {"limit": 37}
    answers = []
    for _ in range(50):
        answer = requests.get(url, params=params, headers=headers, timeout=30)
        answers.append(answer.status_code)
        if answer.status_code != 200 or not answer.json().get("more"):
            break
        params["next"] = answer.json()["next"]
    if sqlite:
        assert answers[-1] == 500 and answer.json()["error_code"] == "cursor_stalled", answers
    else:
        assert set(answers) == {200} and len(answers) == -(-(FIXED + PER_SAMPLE * (BULK + ORM)) // 37)
