"""Every append-only table refuses UPDATE, DELETE and TRUNCATE; every head only moves forward.

Driven by `fanzha.db.append_only`: a table declared there is checked here the day it is declared, on
SQLite and PostgreSQL (the other gates run on SQLite only; these rules live in the database itself).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, DateTime, Engine, Integer, LargeBinary, Table, TypeDecorator, insert, text
from sqlalchemy.exc import DBAPIError

from fanzha.db.append_only import APPEND_ONLY, FORWARD_ONLY
from fanzha.db.base import Base
from fanzha.db.engine import build_engine
from tests.conftest import _truncate_pg
from tests.gates.world import FIGURES


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """A migrated, empty database of each kind."""
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


def _value(column: Any) -> Any:
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, DateTime):
        return datetime(2026, 12, 1, tzinfo=UTC)
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, LargeBinary):
        return b"x"
    if isinstance(kind, Integer):
        return 5
    return "0" * min(getattr(column.type, "length", None) or 64, 64)


def _refused(engine: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match=r"append-only|only moves forward"), engine.begin() as conn:
        conn.execute(text(statement))


def _verbs(engine: Engine, table: str) -> list[str]:
    verbs = [f"UPDATE {table} SET id = id", f"DELETE FROM {table}"]
    return verbs + ([f"TRUNCATE {table}"] if engine.dialect.name == "postgresql" else [])


def test_the_declared_tables_exist() -> None:
    assert set(APPEND_ONLY) | set(FORWARD_ONLY) <= set(Base.metadata.tables)


@pytest.mark.parametrize("name", APPEND_ONLY)
def test_append_only_tables_refuse_update_delete_and_truncate(database: Engine, name: str) -> None:
    _plant_unchecked(database, Base.metadata.tables[name])
    for statement in _verbs(database, name):
        _refused(database, statement)
    with database.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() == 1
    figure = f"append-only ({database.dialect.name}): table × verb refusals"
    FIGURES[figure] = int(FIGURES.get(figure, 0)) + len(_verbs(database, name))


@pytest.mark.parametrize("name", list(FORWARD_ONLY))
def test_heads_only_move_forward(database: Engine, name: str) -> None:
    counter = FORWARD_ONLY[name]
    _plant_unchecked(database, Base.metadata.tables[name])
    _refused(database, f"UPDATE {name} SET {counter} = {counter} - 1")
    _refused(database, f"UPDATE {name} SET id = id + 1")
    for statement in _verbs(database, name)[1:]:
        _refused(database, statement)
    if name == "outbox_head":  # moving forward is what it is for (the audit head must also match its log)
        with database.begin() as conn:
            conn.execute(text(f"UPDATE {name} SET {counter} = {counter} + 1"))


def _plant_unchecked(engine: Engine, table: Table) -> None:
    """Insert one row with foreign keys and deferred checks switched off for that transaction."""
    row = {c.name: _value(c) for c in table.columns}
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(insert(table).values(row))
        return
    raw = engine.raw_connection()
    try:
        raw.execute("PRAGMA foreign_keys = OFF")
        values = [v.isoformat() if isinstance(v, datetime) else v for v in row.values()]
        marks = ", ".join("?" * len(row))
        raw.execute(f"INSERT INTO {table.name} ({', '.join(row)}) VALUES ({marks})", values)
        raw.commit()
        raw.execute("PRAGMA foreign_keys = ON")
    finally:
        raw.close()
