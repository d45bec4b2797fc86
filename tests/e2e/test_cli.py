"""The `fanzha` command line: help, migrations, creating a user, demo seed."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fanzha.cli import app

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("FANZHA_DATABASE_URL", url)
    monkeypatch.setenv("FANZHA_DATA_DIR", str(tmp_path))  # the audit checkpoints of this database
    return url


def test_help_explains_each_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "db", "users", "audit", "demo"):
        assert command in result.output
    verify_help = runner.invoke(app, ["audit", "verify", "--help"], env={"COLUMNS": "200"}).output
    assert "Verify the audit hash chain" in verify_help


def test_upgrade_seed_create_user_and_verify(database: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    seeded = runner.invoke(app, ["demo", "seed"])
    assert seeded.exit_code == 0 and "admin" in seeded.output
    kept = Path(database.removeprefix("sqlite:///")).parent / "demo-passwords.txt"
    assert kept.stat().st_mode & 0o077 == 0  # the first passwords, for the owner only
    shown = [line for line in seeded.output.splitlines() if line.startswith("  ")]
    assert kept.read_text().splitlines() == shown
    again = runner.invoke(app, ["demo", "seed"])
    assert "+0" in again.output and "shown once" in again.output  # passwords never printed twice
    created = runner.invoke(
        app,
        [
            "users",
            "create",
            "wang.fang",
            "--org",
            "BANK-BCS",
            "--role",
            "institution_admin",
            "--password",
            "Strong-Pass-2026",
        ],
    )
    assert created.exit_code == 0, created.output
    duplicate = runner.invoke(
        app,
        [
            "users",
            "create",
            "wang.fang",
            "--org",
            "BANK-BCS",
            "--role",
            "institution_admin",
            "--password",
            "Strong-Pass-2026",
        ],
    )
    assert duplicate.exit_code == 2 and "conflict" in duplicate.output
    wrong_role = runner.invoke(
        app,
        [
            "users",
            "create",
            "li.lei",
            "--org",
            "BANK-BCS",
            "--role",
            "analyst",
            "--password",
            "Strong-Pass-2026",
        ],
    )
    assert wrong_role.exit_code == 2 and "[role]" in wrong_role.output
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "intact" in verified.output


def test_samples_import_all_or_nothing_and_expire(database: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo", "seed"]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kind,value,fraud_type\nphone,13800138000,fake_police\nphone,110,fake_police\n", encoding="utf-8"
    )
    refused = runner.invoke(app, ["samples", "import", str(bad), "--user", "analyst"])
    assert refused.exit_code == 1 and "line 3" in refused.output and "nothing imported" in refused.output
    good = tmp_path / "good.jsonl"
    good.write_text('{"kind":"phone","value":"13800138000","fraud_type":"fake_police"}\n', encoding="utf-8")
    done = runner.invoke(app, ["samples", "import", str(good), "--user", "analyst"])
    assert done.exit_code == 0 and "1 new" in done.output
    assert "expired 0" in runner.invoke(app, ["samples", "expire"]).output
    assert runner.invoke(app, ["samples", "import", str(good), "--user", "ghost"]).exit_code == 2


def test_demo_loads_a_synthetic_province(database: str, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from fanzha.bootstrap import build_platform
    from fanzha.core.settings import Settings
    from fanzha.identity.tables import Organisation
    from fanzha.samples.tables import Sample

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo", "seed"]).exit_code == 0
    sim = tmp_path / "sim"
    generated = runner.invoke(app, ["sim", "generate", "--people", "600", "--days", "3", "--out", str(sim)])
    assert generated.exit_code == 0, generated.output
    loaded = runner.invoke(app, ["demo", "load", str(sim)])
    assert loaded.exit_code == 0 and "samples +" in loaded.output, loaded.output
    assert re.search(r"routes \+[1-9]\d*", loaded.output) and re.search(r"orders [1-9]\d*", loaded.output)
    assert re.search(r"appeals [1-9]", loaded.output), loaded.output
    platform = build_platform(Settings())
    with platform.sessions() as session:
        townships = session.scalar(select(func.count()).where(Organisation.kind == "police_township")) or 0
        orphans = session.scalar(
            select(func.count()).where(Organisation.kind == "police_county", Organisation.parent_id.is_(None))
        )
        statuses = dict(session.execute(select(Sample.status, func.count()).group_by(Sample.status)).all())
    assert townships > 100 and orphans == 0
    assert statuses["active"] > 50 and statuses["pending"] >= 1
    _demo_samples_page_to_the_end_over_taxii(platform)
    _demo_deadlines_follow_now(platform)


def _demo_deadlines_follow_now(platform: Any) -> None:
    """`fanzha demo refresh` spreads the open deadlines around now: some late, some due soon, most later."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from fanzha.disposal.tables import Order

    refreshed = runner.invoke(app, ["demo", "refresh"])
    assert refreshed.exit_code == 0 and "deadlines moved" in refreshed.output, refreshed.output
    now = datetime.now(UTC)
    with platform.sessions() as session:
        dues = session.scalars(
            select(Order.due_at).where(Order.status.in_(["issued", "delivered", "acknowledged"]))
        ).all()
    assert dues and any(d < now for d in dues)
    assert any(now < d < now + timedelta(hours=1) for d in dues)
    assert sum(d > now + timedelta(hours=5) for d in dues) > len(dues) / 2


def _demo_samples_page_to_the_end_over_taxii(platform: Any) -> None:
    """Every collection of the loaded province pages to its end, each object once (issue 21)."""
    from sqlalchemy import func, select, text

    from fanzha.identifiers import IdentifierKind
    from fanzha.samples.stix import PUBLISHED_STATUSES
    from fanzha.samples.tables import Sample
    from fanzha.samples.taxii import Filters, Position, entries

    with platform.engine.connect() as connection:
        texts = connection.execute(text("SELECT DISTINCT length(updated_at) FROM samples")).scalars().all()
        assert texts == [26]  # one text form: `YYYY-MM-DD HH:MM:SS.ffffff`
    with platform.sessions() as session:
        published = session.scalar(
            select(func.count()).where(Sample.status.in_([str(s) for s in PUBLISHED_STATUSES]))
        )
    total = 0
    for kind in IdentifierKind:
        seen: list[str] = []
        after: Position | None = None
        for _ in range(10_000):
            page = []
            for entry in entries(platform.sessions, kind, Filters(), after, batch=60):
                page.append(entry)
                if len(page) == 100:
                    break
            seen += [e.obj["id"] for e in page]
            if len(page) < 100:
                break
            after = page[-1].position
        assert len(seen) == len(set(seen)), kind
        total += len(seen) - 4  # the fixed objects open every collection
    assert published and total == 4 * published


def test_serve_caps_malloc_arenas_for_itself_and_its_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: list[tuple[str, int]] = []
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: started.append((target, kw["workers"])))
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert started == [("fanzha.web.main:app", 2)]
    assert os.environ["MALLOC_ARENA_MAX"] == "2"  # inherited by the worker processes uvicorn spawns
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert os.environ["MALLOC_ARENA_MAX"] == "4"  # an operator's own setting stands


def test_serve_bounds_the_graceful_shutdown(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    options: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: options.append(kw))
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert runner.invoke(app, ["serve", "--shutdown-timeout", "5"]).exit_code == 0
    # A request that never ends no longer keeps the server alive after SIGTERM.
    assert [o["timeout_graceful_shutdown"] for o in options] == [30, 5]
    assert runner.invoke(app, ["serve", "--shutdown-timeout", "0"]).exit_code != 0


def test_db_current_history_and_downgrade(database: str) -> None:
    assert "none (not migrated)" in runner.invoke(app, ["db", "current"]).output
    assert runner.invoke(app, ["db", "upgrade", "0014"]).exit_code == 0
    assert "current revision: 0014" in runner.invoke(app, ["db", "current"]).output
    lines = runner.invoke(app, ["db", "history"]).output.splitlines()
    applied = [line.split()[1] for line in lines if line.startswith("✓")]
    assert applied[0] == "0001" and applied[-1] == "0014" and len(lines) > len(applied)
    refused = runner.invoke(app, ["db", "downgrade", "0013"])
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert "current revision: 0014" in runner.invoke(app, ["db", "current"]).output  # nothing changed
    stepped = runner.invoke(app, ["db", "downgrade", "0013", "--yes"])
    assert stepped.exit_code == 0 and "database now at 0013" in stepped.output
