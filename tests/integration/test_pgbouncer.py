"""The platform through PgBouncer in transaction mode: many sessions, repeated statements, no prepared
statement lost between server connections (FANZHA_DB_PGBOUNCER; docs/operations.md)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine, engine_of
from fanzha.db.migrate import upgrade
from fanzha.samples.schemas import SamplePublish
from tests.conftest import PG_URL, TEST_KEYS, service_missing
from tests.factories import make_world

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def bounced() -> Iterator[str]:
    """A fresh migrated database, and the URL that reaches it through PgBouncer (transaction mode)."""
    if not Path(PGBOUNCER).exists():
        service_missing("PgBouncer", "not installed (apt-get install pgbouncer)")
    name = f"fz_pgb_{uuid.uuid4().hex[:10]}"
    admin = build_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure to connect means "service missing"
        service_missing("PostgreSQL", f"{type(error).__name__}: {error}")
    direct = make_url(PG_URL).set(database=name)
    migrated = build_engine(direct.render_as_string(hide_password=False))
    upgrade(migrated)  # migrations go straight to PostgreSQL, as in production
    migrated.dispose()
    port = _free_port()
    server = make_url(PG_URL)
    # PgBouncer refuses to run as root: it switches to postgres and writes its log in a directory of its own.
    home = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    home.chmod(0o777)
    (home / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={server.host or "127.0.0.1"} port={server.port or 5432} user={server.username or "postgres"}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 3
max_client_conn = 100
logfile = {home}/pgbouncer.log
pidfile = {home}/pgbouncer.pid
"""
    )
    user = ["-u", "postgres"] if os.geteuid() == 0 else []
    bouncer = subprocess.Popen([PGBOUNCER, *user, str(home / "pgbouncer.ini")], stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield direct.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        bouncer.terminate()
        bouncer.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.pg
@pytest.mark.parametrize("pgbouncer_setting", [True, False])
def test_the_platform_works_through_pgbouncer_in_transaction_mode(
    bounced: str, tmp_path: Path, pgbouncer_setting: bool
) -> None:
    settings = Settings(
        environment="test", data_dir=tmp_path, database_url=bounced, db_pgbouncer=pgbouncer_setting,
        db_pool_size=8, db_max_overflow=0, **TEST_KEYS,  # type: ignore[arg-type]
    )  # fmt: skip
    platform: Platform = build_platform(settings, clock=FrozenClock(), engine=engine_of(settings))
    world = make_world(platform)

    def publish(i: int) -> str:
        # More than psycopg's prepare threshold (5) of the same statements on each of 8 client
        # connections sharing 3 server connections: any prepared statement would be missed somewhere.
        data = SamplePublish(
            kind="phone", value=f"1380013{i:04d}", fraud_type="fake_investment", confidence=90
        )
        sample, _ = platform.samples.publish(world.analyst.principal, data)
        return sample.token

    with ThreadPoolExecutor(max_workers=8) as pool:
        if not pgbouncer_setting:  # the control: without the setting, prepared statements go missing
            with pytest.raises(Exception, match="prepared statement"):
                list(pool.map(publish, range(80)))
            return
        tokens = list(pool.map(publish, range(80)))
    assert len(set(tokens)) == 80
    assert len(platform.samples.search(world.analyst.principal, kind="phone", limit=500)) == 80
