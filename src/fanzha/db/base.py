"""Declarative base and portable column types shared by every area's tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator, TypeEngine

from fanzha.core.clock import as_utc

# Stable constraint names, so one Alembic revision reads the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# The one text form of a time on SQLite: UTC, fixed width, so text order is time order and equal
# instants are equal strings (a `+00:00` suffix on some rows but not others breaks both).
SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class Base(DeclarativeBase):
    """Parent of every mapped table."""

    metadata = MetaData(naming_convention=NAMING)


def sqlite_time_text(moment: datetime) -> str:
    """`moment` as SQLite stores it: UTC, `YYYY-MM-DD HH:MM:SS.ffffff`, no zone suffix."""
    return as_utc(moment).strftime(SQLITE_TIME_FORMAT)


class _SqliteTimeText(SQLITE_DATETIME):
    """SQLite's DATETIME taking the text `UTCDateTime` already formatted; reading unchanged."""

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """None: the value arrives formatted."""
        return None


class UTCDateTime(TypeDecorator[datetime]):
    """Times stored in UTC and always read back timezone-aware (SQLite drops the zone).

    On SQLite the value is formatted here, in `process_bind_param`, so every path that binds it (the
    ORM, Core statements, `db.bulk.insert_rows`) writes the same text: the column is compared as text.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """On SQLite a DATETIME that binds the text as formatted here."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SqliteTimeText())  # type: ignore[no-untyped-call]
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        """Refuse naive times; store UTC (on SQLite as its one text form)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use the injected clock")
        return sqlite_time_text(value) if dialect.name == "sqlite" else as_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read back as aware UTC."""
        return None if value is None else as_utc(value)
