"""The audit chain on SQLite and PostgreSQL: append-only, and tampering is found even by a superuser."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
from sqlalchemy import Connection, Engine, Table, delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from fanzha.audit.checkpoints import TOPIC
from fanzha.audit.domain import GENESIS, KEYED, LEGACY, AuditEntry
from fanzha.audit.service import Actor, keep_checkpoints
from fanzha.audit.tables import AuditHead, AuditRecord
from fanzha.bootstrap import Platform
from fanzha.cli import app as cli
from fanzha.events.tables import OutboxEvent

runner = CliRunner()
LOG = cast(Table, AuditRecord.__table__)
HEAD = cast(Table, AuditHead.__table__)


def _fill(platform: Platform, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
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


@pytest.fixture
def cli_env(platform: Platform, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Platform:
    """`fanzha` commands on the test's database and checkpoint file."""
    monkeypatch.setenv("FANZHA_DATABASE_URL", _cli_url(engine))
    monkeypatch.setenv("FANZHA_DATA_DIR", str(platform.settings.data_dir))
    return platform


@contextmanager
def superuser(engine: Engine) -> Iterator[Connection]:
    """A DBA going around the application: every guard lifted for this transaction only."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            names = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit_%'")
            ).scalars()
            for name in list(names):
                conn.execute(text(f"DROP TRIGGER {name}"))
        yield conn


def _tamper(engine: Engine, statement: str) -> None:
    with superuser(engine) as conn:
        conn.execute(text(statement))


def _rewrite_without_key(engine: Engine, victim: int, version: int) -> None:
    """Delete entry `victim`, renumber the later ones and re-hash them with plain SM3; move the head."""
    with superuser(engine) as conn:
        rows = [dict(r) for r in conn.execute(select(LOG).order_by(LOG.c.seq)).mappings()]
        conn.execute(delete(LOG).where(LOG.c.seq >= victim))
        prev = rows[victim - 2]["hash"] if victim > 1 else GENESIS
        rewritten: list[dict[str, Any]] = []
        for row in rows[victim:]:
            fields = {k: v for k, v in row.items() if k not in {"id", "hash", "mac_version"}}
            entry = AuditEntry(**{**fields, "seq": row["seq"] - 1, "prev_hash": prev})
            prev = entry.digest()
            rewritten.append({**row, **entry.__dict__, "hash": prev, "mac_version": version})
        if rewritten:
            conn.execute(insert(LOG), rewritten)
        conn.execute(update(HEAD).values(seq=len(rows) - 1, hash=prev))


def _verify(expect_ok: bool = True) -> str:
    result = runner.invoke(cli, ["audit", "verify"])
    assert (result.exit_code == 0) is expect_ok, result.output
    if not expect_ok:
        assert result.exit_code == 1
    return result.output


def test_chain_verifies_when_untouched(platform: Platform) -> None:
    _fill(platform, 20)
    entries, broken = platform.auditor.verify()
    assert (entries, broken) == (20, None)
    with platform.engine.connect() as conn:
        assert set(conn.execute(select(LOG.c.mac_version)).scalars()) == {KEYED}


@pytest.mark.parametrize(
    "verb",
    [
        "UPDATE audit_log SET result = 'success' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 3",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "TRUNCATE audit_log, audit_head",
    ],
)
def test_the_database_refuses_to_change_the_log(platform: Platform, engine: Engine, verb: str) -> None:
    if verb.startswith("TRUNCATE") and engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is its form, refused above")
    _fill(platform, 5)
    with pytest.raises(DBAPIError, match=r"append-only|only moves forward"), engine.begin() as conn:
        conn.execute(text(verb))
    assert platform.auditor.verify() == (5, None)


@pytest.mark.parametrize(
    "verb",
    [
        "UPDATE audit_head SET seq = seq - 1",
        "UPDATE audit_head SET hash = '" + "0" * 64 + "'",
        "DELETE FROM audit_head",
    ],
)
def test_the_head_only_moves_forward(platform: Platform, engine: Engine, verb: str) -> None:
    _fill(platform, 5)
    with pytest.raises(DBAPIError, match="only moves forward"), engine.begin() as conn:
        conn.execute(text(verb))
    assert platform.auditor.verify() == (5, None)


def test_on_postgresql_the_head_must_name_the_last_entry(platform: Platform, engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a deferred constraint trigger: PostgreSQL only")
    _fill(platform, 5)
    with pytest.raises(DBAPIError, match="must match"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_head SET seq = seq + 1"))
    with pytest.raises(DBAPIError, match="must match"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_head SET seq = seq + 1, hash = '" + "e" * 64 + "'"))
    assert platform.auditor.verify() == (5, None)


@pytest.mark.parametrize(
    ("statement", "first_bad", "reason"),
    [
        ("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 7", 7, "altered"),
        ("UPDATE audit_log SET detail = '{}' WHERE seq = 12", 12, "altered"),
        ("DELETE FROM audit_log WHERE seq = 9", 9, "removed"),
        ("DELETE FROM audit_log WHERE seq >= 14", 14, "removed"),
        ("UPDATE audit_head SET seq = 14, hash = (SELECT hash FROM audit_log WHERE seq = 14)", 15, "rewound"),
    ],
)
def test_audit_verify_reports_the_first_altered_or_removed_row(
    cli_env: Platform, engine: Engine, statement: str, first_bad: int, reason: str
) -> None:
    _fill(cli_env, 15)
    assert "15" in _verify()
    _tamper(engine, statement)
    output = _verify(expect_ok=False)
    assert f"entry {first_bad}:" in output and reason in output and f"第 {first_bad} 条" in output, output


@pytest.mark.parametrize("version", [KEYED, LEGACY])
def test_delete_renumber_and_rehash_without_the_key_is_found(
    cli_env: Platform, engine: Engine, version: int
) -> None:
    _fill(cli_env, 12)
    _verify()
    _rewrite_without_key(engine, 6, version)
    with engine.connect() as conn:  # what the attack achieved: 11 linked entries, the head on the last
        assert conn.execute(select(HEAD.c.seq)).scalar_one() == 11
    output = _verify(expect_ok=False)
    assert "entry 6:" in output, output
    assert ("MAC mismatch" if version == KEYED else "downgraded") in output, output


def test_truncating_both_tables_is_found_by_the_checkpoint(cli_env: Platform, engine: Engine) -> None:
    _fill(cli_env, 8)
    _verify()  # writes the checkpoint: 8 entries
    _tamper(
        engine,
        "DELETE FROM audit_log" if engine.dialect.name == "sqlite" else "TRUNCATE audit_log, audit_head",
    )
    _tamper(engine, "DELETE FROM audit_head")
    output = _verify(expect_ok=False)
    assert "entry 1:" in output and "truncated" in output and "8" in output, output


def test_cutting_the_tail_and_rewinding_the_head_is_found(cli_env: Platform, engine: Engine) -> None:
    _fill(cli_env, 10)
    _verify()
    _fill(cli_env, 3, start=10)  # after the checkpoint: not pinned yet
    _tamper(engine, "DELETE FROM audit_log WHERE seq > 7")
    _tamper(engine, "UPDATE audit_head SET seq = 7, hash = (SELECT hash FROM audit_log WHERE seq = 7)")
    output = _verify(expect_ok=False)
    assert "entry 8:" in output and "truncated" in output, output


def test_a_tampered_checkpoint_file_is_found(cli_env: Platform, engine: Engine) -> None:
    _fill(cli_env, 6)
    _verify()
    path: Path = cli_env.settings.checkpoint_file
    record = orjson.loads(path.read_bytes().splitlines()[-1])
    record["seq"] = 3  # hide the last three before removing them
    path.write_bytes(orjson.dumps(record) + b"\n")
    output = _verify(expect_ok=False)
    assert "no valid signature" in output and "签名无效" in output and f"{path}:1" in output, output


def test_removing_checkpoint_lines_leaves_the_published_copy(cli_env: Platform, engine: Engine) -> None:
    _fill(cli_env, 6)
    _verify()
    cli_env.settings.checkpoint_file.unlink()  # the file gone …
    _tamper(engine, "DELETE FROM audit_log WHERE seq > 2")
    _tamper(engine, "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2)")
    output = _verify(expect_ok=False)  # … the checkpoint event in the outbox still counts 6
    assert "entry 3:" in output and "truncated" in output, output


def test_a_checkpoint_is_published_and_only_written_for_a_log_that_holds(
    cli_env: Platform, engine: Engine
) -> None:
    _fill(cli_env, 4)
    made, broken = cli_env.auditor.checkpoint()
    assert broken is None and made is not None and (made.seq, made.legacy) == (4, 0)
    assert cli_env.auditor.checkpoint()[0] == made  # nothing new: no second line
    _fill(cli_env, 2, start=4)
    result = runner.invoke(cli, ["audit", "checkpoint"])
    assert result.exit_code == 0 and "6" in result.output, result.output
    with engine.connect() as conn:
        published = [
            orjson.loads(p)
            for p in conn.execute(select(OutboxEvent.payload).where(OutboxEvent.topic == TOPIC)).scalars()
        ]
    assert [p["seq"] for p in published] == [4, 6]
    assert len(cli_env.settings.checkpoint_file.read_bytes().splitlines()) == 2
    _fill(cli_env, 2, start=6)
    _tamper(engine, "UPDATE audit_log SET actor = 'x' WHERE seq = 7")  # since the last checkpoint
    made, broken = cli_env.auditor.checkpoint()
    assert made is None and broken is not None and broken.seq == 7
    assert len(cli_env.settings.checkpoint_file.read_bytes().splitlines()) == 2


def test_legacy_entries_from_before_the_migration_stay_bound(cli_env: Platform, engine: Engine) -> None:
    """Rows written by the old code (plain SM3, version 1) verify, and are pinned by the first checkpoint."""
    with superuser(engine) as conn:
        prev = GENESIS
        for seq in (1, 2, 3):
            entry = AuditEntry(
                seq, cli_env.clock.now(), "old", None, None, "x", "", "", "success", "", "{}", prev
            )
            prev = entry.digest()
            conn.execute(insert(LOG).values(**entry.__dict__, hash=prev, mac_version=LEGACY))
        conn.execute(insert(HEAD).values(id=1, seq=3, hash=prev))
    _fill(cli_env, 2)
    assert cli_env.auditor.verify() == (5, None)
    made, _ = cli_env.auditor.checkpoint()
    assert made is not None and made.legacy == 3
    _rewrite_without_key(engine, 4, LEGACY)  # the first keyed entry dropped, the other re-hashed unkeyed
    output = _verify(expect_ok=False)
    assert "entry 4:" in output and "downgraded" in output, output


def test_the_dispatcher_loop_writes_checkpoints(platform: Platform) -> None:
    _fill(platform, 3)
    path = platform.settings.checkpoint_file

    async def one_round() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(keep_checkpoints(platform.auditor, 0.01, stop))
        while not path.exists():
            await asyncio.sleep(0.01)
        stop.set()
        await task

    asyncio.run(asyncio.wait_for(one_round(), timeout=30))
    assert orjson.loads(path.read_bytes().splitlines()[0])["seq"] == 3
