"""A real server and dispatcher as child processes on a database of their own, to be killed and restarted."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import select

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade
from fanzha.demo import seed_organisations, seed_users
from fanzha.identity.domain import OrgKind, Principal, Role, key_issuer
from fanzha.identity.tables import Organisation, User
from tests.conftest import service_missing

BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("FANZHA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ROUNDS = int(os.environ.get("FANZHA_CRASH_ROUNDS", "1"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Deployment:
    """One database, its settings as environment, and the processes running on it."""

    url: str
    directory: Path
    env: dict[str, str]
    platform: Platform
    police_key: str = ""
    bank: Principal | None = None
    port: int = 0
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        """Start `fanzha ARGS` as process `name`, its output in a log file."""
        log = (self.directory / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [str(BIN / "fanzha"), *args], env=self.env, cwd=self.directory, stdout=log, stderr=log
        )
        self.procs[name] = proc
        return proc

    def start_server(self) -> None:
        """Serve and wait until it answers."""
        self.port = self.port or free_port()
        self.start("server", ["serve", "--port", str(self.port)])
        for _ in range(150):
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError((self.directory / "server.log").read_text()[-2000:])

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up, no flush, as a power cut would."""
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name)

    def audit_verifies(self) -> bool:
        """`fanzha audit verify` exits 0."""
        done = subprocess.run(
            [str(BIN / "fanzha"), "audit", "verify"], env=self.env, cwd=self.directory, capture_output=True
        )
        return done.returncode == 0


def _principal(platform: Platform, username: str) -> Principal:
    with platform.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        org = session.get_one(Organisation, user.org_id)
    return Principal(user.id, username, org.id, OrgKind(org.kind), Role(user.role), source_ip="crash-test")


def _database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'crash.db'}"
        return
    name = f"fanzha_crash_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN.replace("+psycopg", "")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as error:
        service_missing("PostgreSQL", str(error))
    yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """A migrated, seeded database with a police API key, no process running yet."""
    for url in _database(request.param, tmp_path):
        env = {
            **os.environ,
            "FANZHA_ENVIRONMENT": "test",
            "FANZHA_DATABASE_URL": url,
            "FANZHA_SECRET_KEY": secrets.token_hex(32),
            "FANZHA_TOKEN_KEY_HEX": secrets.token_hex(32),
            "FANZHA_ENCRYPTION_KEY_HEX": secrets.token_hex(16),
            "FANZHA_LOG_LEVEL": "WARNING",
            "FANZHA_WEBHOOK_ALLOW_PRIVATE": "true",  # the receivers listen on loopback
        }
        env.pop("FANZHA_NATS_URL", None)
        engine = build_engine(url)
        upgrade(engine)
        settings = Settings(
            environment="test",
            database_url=url,
            webhook_allow_private=True,
            token_key_hex=env["FANZHA_TOKEN_KEY_HEX"],  # type: ignore[arg-type]
            encryption_key_hex=env["FANZHA_ENCRYPTION_KEY_HEX"],  # type: ignore[arg-type]
        )
        platform = build_platform(settings, engine=engine)
        seed_organisations(platform)
        seed_users(platform)
        analyst = _principal(platform, "analyst")
        head = Principal(None, "crash-head", analyst.org_id, analyst.org_kind, key_issuer(analyst.org_kind))
        key = platform.auth.create_api_key(head, analyst.org_id, "crash-test", 1)[1]
        d = Deployment(url, tmp_path, env, platform, key, _principal(platform, "bankadmin"))
        try:
            yield d
        finally:
            d.stop_all()
            platform.close()
            engine.dispose()
