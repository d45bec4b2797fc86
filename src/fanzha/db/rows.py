"""Row helpers that must behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

T = TypeVar("T")


def among(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(array)`, one parameter for the lot.

    An IN list is one parameter per value, and psycopg re-parses a query text that long at every
    execution (it caches only short ones).
    """
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return cast(ColumnElement[bool], column == any_(bindparam(None, values, type_=ARRAY(column.type))))
    return cast(ColumnElement[bool], column.in_(values))


def ensure_row(session: Session, model: type[Any], **values: Any) -> None:
    """Insert the row unless its key exists: two first writers racing must not both insert it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


# Rows locked by a root transaction, so many appends in one transaction lock (and read) them once.
_HELD: WeakKeyDictionary[SessionTransaction, dict[type[Any], Any]] = WeakKeyDictionary()


def locked_row(session: Session, model: type[T], **values: Any) -> T:
    """The row of `model` keyed by `values["id"]`, created if missing and locked until the transaction ends.

    A lock taken at the root is reused for the rest of the transaction; one taken inside a savepoint is
    not remembered, because rolling the savepoint back releases it (PostgreSQL).
    """
    root = session.get_transaction()
    held = _HELD.get(root) if root is not None else None
    if held is not None and model in held:
        return cast(T, held[model])
    query = select(model).filter_by(id=values["id"]).with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:  # only the very first writer: one round trip less for every other transaction
        ensure_row(session, model, **values)
        row = session.execute(query).scalar_one()
    if root is not None and not session.in_nested_transaction():
        _HELD.setdefault(root, {})[model] = row
    return row
