"""One Alembic history applies identically to SQLite and PostgreSQL, up and down."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from fanzha.db.base import Base
from fanzha.db.migrate import downgrade, upgrade


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_migrations_create_exactly_the_mapped_schema(engine: Engine) -> None:
    assert _tables(engine) == set(Base.metadata.tables)
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.columns.keys()), table.name


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    downgrade(engine, "base")
    assert _tables(engine) == set()
    upgrade(engine)
    assert _tables(engine) == set(Base.metadata.tables)
