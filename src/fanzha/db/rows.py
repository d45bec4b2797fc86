"""Row helpers that must behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import ColumnElement, bindparam, func, inspect, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value


def among(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column IN (SELECT unnest(array))`, one parameter for the lot.

    An IN list is one parameter per value, and psycopg re-parses a query text that long at every
    execution (it caches only short ones). Not `column = ANY(array)`: once psycopg has prepared a
    statement (its fifth run), PostgreSQL's generic plan for that compares every row with every element,
    where for the unnested array it plans a semi-join.
    """
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, values, type_=ARRAY(column.type))
        return cast(ColumnElement[bool], column.in_(select(func.unnest(array))))
    return cast(ColumnElement[bool], column.in_(values))


def flush_alike(session: Session, model: type[Any], objects: Iterable[Any]) -> None:
    """Write the changed columns of `objects` (of `model`, keyed by `id`): one UPDATE per set of new values.

    The unit of work would send one UPDATE per object; a bulk receipt changes a thousand orders alike
    (same status, reason and time), so alike changes go as one statement and the objects stay clean.
    """
    columns = {attr.key: attr.columns[0] for attr in inspect(model).column_attrs}
    table = inspect(model).local_table
    alike: dict[tuple[tuple[str, Any], ...], list[Any]] = {}
    for obj in objects:
        state = inspect(obj)
        # committed_state holds the attributes set since the load: cheaper than each column's history.
        changed = sorted((key, state.dict[key]) for key in state.committed_state if key in columns)
        if changed:
            alike.setdefault(tuple(changed), []).append(obj)
    for values, group in alike.items():
        # A Core UPDATE of the table: the ORM's bulk UPDATE would compile and synchronise far more.
        statement = update(table).where(among(session, table.c.id, [obj.id for obj in group]))
        with session.no_autoflush:
            session.execute(statement.values({columns[key]: value for key, value in values}))
        for obj in group:
            for key, value in values:
                set_committed_value(obj, key, value)


def ensure_row(session: Session, model: type[Any], **values: Any) -> None:
    """Insert the row unless its key exists: two first writers racing must not both insert it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())
