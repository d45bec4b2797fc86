"""Where the indicators' queries run: the platform's database (SQLite, PostgreSQL) or DuckDB (the bench)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.orm import Session


class SessionRunner:
    """Runs the queries in an open SQLAlchemy session (the platform's records)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def rows(self, stmt: Select[Any]) -> Sequence[Sequence[Any]]:
        """All rows of `stmt`."""
        return [tuple(r) for r in self._session.execute(stmt).all()]


class DuckRunner:
    """Runs the same queries on a DuckDB connection holding tables of the same names and columns.

    DuckDB speaks PostgreSQL's SQL closely enough that the PostgreSQL rendering runs unchanged; times
    are bound as naive UTC (the bench's TIMESTAMP columns hold UTC).
    """

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._dialect = PGDialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]

    def sql(self, stmt: Select[Any]) -> tuple[str, list[Any]]:
        """The statement as DuckDB runs it, with its positional parameters."""
        compiled = stmt.compile(dialect=self._dialect, compile_kwargs={"render_postcompile": True})
        names = compiled.positiontup or []
        params = [_plain(compiled.params[name]) for name in names]
        return str(compiled), params

    def rows(self, stmt: Select[Any]) -> Sequence[Sequence[Any]]:
        """All rows of `stmt`."""
        text, params = self.sql(stmt)
        return [tuple(r) for r in self._connection.execute(text, params).fetchall()]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return value
