"""The embedded database's durability setting reaches every pooled connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanzha.core.settings import Settings
from fanzha.db.engine import SqliteSync, build_engine

# PRAGMA synchronous answers 1 for NORMAL and 2 for FULL.
LEVELS = {"normal": 1, "full": 2}


@pytest.mark.parametrize("level", ["normal", "full"])
def test_each_connection_runs_at_the_configured_level_in_wal_mode(tmp_path: Path, level: SqliteSync) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'db.sqlite'}", sqlite_synchronous=level)
    try:
        # Two connections open at once, so the pool made both; raw, so neither holds the write lock.
        first, second = engine.raw_connection(), engine.raw_connection()
        for connection in (first, second):
            assert connection.execute("PRAGMA synchronous").fetchone() == (LEVELS[level],)
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            connection.close()
    finally:
        engine.dispose()


def test_normal_is_the_default_and_anything_else_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().sqlite_synchronous == "normal"
    monkeypatch.setenv("FANZHA_SQLITE_SYNCHRONOUS", "off")  # OFF could corrupt the file on a power cut
    with pytest.raises(ValueError, match="sqlite_synchronous"):
        Settings()
