"""TAXII paging speed: objects/s reading 10,000 STIX objects with taxii2-client, SQLite and PostgreSQL.

2,500 phone samples are bulk-imported at one instant (the path that once made paging loop), then one
collection is read to its end with `as_pages` at 1,000 objects a request over a live uvicorn server.
Every object must come exactly once. Figure for docs/taxii.md (issue 21).

    python bench/taxii_paging.py            # about half a minute
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
import uuid
from typing import Any

import requests
import uvicorn
from sqlalchemy import select, text
from taxii2client.v21 import Collection, as_pages

from fanzha.bootstrap import build_platform
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade
from fanzha.demo import seed_organisations, seed_users
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind, Principal, Role, key_issuer
from fanzha.identity.tables import Organisation, User
from fanzha.samples.taxii import collection_id
from fanzha.web.app import create_app

PG_URL = os.environ.get("FANZHA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PER_SAMPLE = 4  # indicator, observable, observed-data, relationship


def csv_of(samples: int) -> bytes:
    """An import file of `samples` distinct phone samples."""
    lines = ["kind,value,fraud_type,confidence"] + [
        f"phone,+86139{i:08d},fake_investment,85" for i in range(samples)
    ]
    return ("\n".join(lines) + "\n").encode()


def serve(app: object) -> tuple[str, uvicorn.Server]:
    """Run the app on a free loopback port in a thread."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


class Bearer(requests.auth.AuthBase):
    """API keys travel as bearer tokens."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.key}"
        return request


def run(url: str, objects: int, engine_kwargs: dict[str, Any]) -> float:
    """Objects/s reading a collection of about `objects` objects to its end."""
    engine = build_engine(url, **engine_kwargs)
    upgrade(engine)
    settings = Settings(environment="test", token_key_hex="ab" * 32, encryption_key_hex="cd" * 16)
    platform = build_platform(settings, engine=engine)
    seed_organisations(platform)
    seed_users(platform)
    with platform.sessions() as session:
        user = session.scalars(select(User).where(User.username == "analyst")).one()
        org = session.get_one(Organisation, user.org_id)
    analyst = Principal(user.id, user.username, org.id, OrgKind(org.kind), Role(user.role), source_ip="bench")
    samples = objects // PER_SAMPLE
    assert platform.bulk.run(analyst, csv_of(samples), "bench.csv").ok
    # The unit's own head issues its keys (三员分立): the commander, for a police unit.
    issuer = Principal(None, "bench", org.id, OrgKind(org.kind), key_issuer(OrgKind(org.kind)))
    _, secret = platform.auth.create_api_key(issuer, org.id, "bench", 1)
    base, server = serve(create_app(platform=platform))
    phones_url = f"{base}/taxii2/fanzha/collections/{collection_id(IdentifierKind.PHONE)}/"
    collection = Collection(phones_url, auth=Bearer(secret))
    collection.get_objects(limit=10)  # warm up
    started = time.perf_counter()
    ids = [o["id"] for page in as_pages(collection.get_objects, per_request=1000) for o in page["objects"]]
    seconds = time.perf_counter() - started
    server.should_exit = True
    platform.close()
    assert len(ids) == len(set(ids)) == samples * PER_SAMPLE + 4, len(ids)
    return len(ids) / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=10_000)
    args = parser.parse_args()
    figures: dict[str, Any] = {"bench": "taxii_paging", "objects": args.objects}
    with tempfile.TemporaryDirectory() as tmp:
        figures["objects_per_s_sqlite"] = round(run(f"sqlite:///{tmp}/bench.db", args.objects, {}))
    schema = f"fz_bench_{uuid.uuid4().hex[:8]}"
    admin = build_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        figures["objects_per_s_postgresql"] = round(run(PG_URL, args.objects, options))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
