"""Shared fixtures: clocks, databases (SQLite and PostgreSQL), platforms and factories."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.settings import Settings
from fanzha.db.base import Base
from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade

PG_URL = os.environ.get("FANZHA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_SERVICES = bool(os.environ.get("FANZHA_REQUIRE_SERVICES"))
TEST_KEYS = {"token_key_hex": "ab" * 32, "encryption_key_hex": "cd" * 16}


def service_missing(name: str, reason: str) -> None:
    """Fail when CI requires the service; skip on a developer machine without it."""
    message = f"{name} unavailable: {reason}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (FANZHA_REQUIRE_SERVICES is set)")
    pytest.skip(message)


@pytest.fixture
def clock() -> FrozenClock:
    """A clock the test moves by hand."""
    return FrozenClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    """A PostgreSQL schema of our own for this run, migrated once, dropped at the end."""
    schema = f"fz_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = build_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # noqa: BLE001 - any failure to connect means "service missing"
        service_missing("PostgreSQL", f"{type(error).__name__}: {error}")
    engine = build_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_pg(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # The append-only tables refuse TRUNCATE; a test's clean slate goes around their triggers.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """Each test runs once on a fresh SQLite file and once on an emptied PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "fanzha.db"
        shutil.copy(sqlite_template, path)
        sqlite = build_engine(f"sqlite:///{path}")
        yield sqlite
        sqlite.dispose()
        return
    pg: Engine = request.getfixturevalue("pg_engine")
    _truncate_pg(pg)
    yield pg


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings with known keys and strict limits."""
    # The tests' webhook receivers listen on loopback: allowed here explicitly (refused in production).
    return Settings(environment="test", data_dir=tmp_path, webhook_allow_private=True, **TEST_KEYS)  # type: ignore[arg-type]


@pytest.fixture
def platform(settings: Settings, clock: FrozenClock, engine: Engine) -> Platform:
    """A platform on the parametrised database and the frozen clock."""
    return build_platform(settings, clock=clock, engine=engine)
