"""The audit chain on SQLite and PostgreSQL: append-only, and tampering is found."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from fanzha.audit.service import Actor
from fanzha.bootstrap import Platform
from fanzha.cli import app as cli

runner = CliRunner()


def _fill(platform: Platform, n: int) -> None:
    for i in range(n):
        platform.auditor.record_apart(
            Actor(f"user{i}", i, 1),
            "sample.read",
            object_type="sample",
            object_id=i,
            source_ip="10.0.0.1",
            detail={"i": i},
        )


def _cli_url(engine: Engine) -> str:
    """The URL the CLI would be configured with (keeps the test schema's search_path)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        url += f"?options=-csearch_path%3D{_schema(engine)}"
    return url


def _schema(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("select current_schema()")).scalar_one())


def _tamper(engine: Engine, statement: str) -> None:
    """Simulate a DBA going around the application: lift the guard, change a row, restore it."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            conn.execute(text(statement))
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(text(statement))


def test_chain_verifies_when_untouched(platform: Platform) -> None:
    _fill(platform, 20)
    entries, broken = platform.auditor.verify()
    assert (entries, broken) == (20, None)


@pytest.mark.parametrize(
    "verb",
    [
        "UPDATE audit_log SET result = 'success' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 3",
    ],
)
def test_the_database_refuses_to_change_the_log(platform: Platform, engine: Engine, verb: str) -> None:
    _fill(platform, 5)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(verb))
    assert platform.auditor.verify() == (5, None)


@pytest.mark.parametrize(
    ("statement", "first_bad", "reason"),
    [
        ("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 7", 7, "altered"),
        ("UPDATE audit_log SET detail = '{}' WHERE seq = 12", 12, "altered"),
        ("DELETE FROM audit_log WHERE seq = 9", 9, "removed"),
        ("DELETE FROM audit_log WHERE seq >= 14", 14, "removed"),
    ],
)
def test_audit_verify_reports_the_first_altered_or_removed_row(
    platform: Platform,
    engine: Engine,
    statement: str,
    first_bad: int,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fill(platform, 15)
    monkeypatch.setenv("FANZHA_DATABASE_URL", _cli_url(engine))
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "15" in ok.output, ok.output
    _tamper(engine, statement)
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {first_bad}:" in result.output and reason in result.output, result.output
