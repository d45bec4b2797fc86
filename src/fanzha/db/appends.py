"""Rows of append-only tables (order history, outbox, audit) written in one INSERT per table at commit.

Building an ORM object per row and flushing it costs tens of microseconds; a dict queued here and
sent with one executemany costs a few. The rows commit or roll back with the transaction like any
other: they are written just before it commits (after the ORM's own changes, which they may refer
to) and dropped with it. Inside a savepoint a row is written at once, so rolling the savepoint back
takes it away too.

A table may be sequenced (outbox positions, the audit chain): its rows get their numbers as they are
written, under a head row's lock that then lasts until the commit. Taken at the end rather than at the
first event, the lock no longer makes concurrent writers wait for each other's whole transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Table, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from fanzha.db.bulk import insert_rows

_QUEUE = "fanzha.appends"
_HOOKED = "fanzha.appends.hooked"

# Numbers a batch of rows in place, under a lock it takes and keeps until the transaction ends.
Sequencer = Callable[[Session, list[dict[str, Any]]], None]
_SEQUENCERS: dict[Table, Sequencer] = {}


def hook(factory: sessionmaker[Session]) -> None:
    """Make the factory's sessions write queued rows before they commit and drop them on rollback."""
    factory.kw.setdefault("info", {})[_HOOKED] = True
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_transaction_end", _after_transaction_end)


def sequenced(model: type[Any], sequencer: Sequencer) -> None:
    """Have `sequencer` number the rows of `model`'s table just before they are written."""
    _SEQUENCERS[cast(Table, model.__table__)] = sequencer


def append(session: Session, model: type[Any], row: dict[str, Any]) -> None:
    """Queue a row of `model`'s table, written as the transaction commits (at once inside a savepoint)."""
    table = cast(Table, model.__table__)
    if session.in_nested_transaction() or not session.info.get(_HOOKED):
        insert_now(session, model, [row])
        return
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still ends a transaction and drops the row
    session.info.setdefault(_QUEUE, {}).setdefault(table, []).append(row)


def extend(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Queue many rows of `model`'s table at once, as `append` does each (a bulk import's events)."""
    table = cast(Table, model.__table__)
    if session.in_nested_transaction() or not session.info.get(_HOOKED):
        insert_now(session, model, rows)
        return
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_QUEUE, {}).setdefault(table, []).extend(rows)


def insert_now(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Write rows of `model`'s table at once, in one statement, after the ORM's pending changes."""
    if rows:
        session.flush()
        _write(session, cast(Table, model.__table__), rows)


def write_queued(session: Session) -> None:
    """Write the queued rows now, after the ORM's pending changes: for a read-back inside the transaction."""
    queued: dict[Table, list[dict[str, Any]]] = session.info.pop(_QUEUE, {})
    if queued:
        session.flush()
        # Sequenced tables last, so their locks are held the shortest; and always in the same order,
        # so that two transactions never each hold one head and wait for the other's.
        for table in sorted(queued, key=lambda t: (t in _SEQUENCERS, t.name)):
            _write(session, table, queued[table])


def _write(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if (sequencer := _SEQUENCERS.get(table)) is not None:
        sequencer(session, rows)
    # Straight to the driver (COPY on PostgreSQL, one executemany on SQLite): an ORM-level insert
    # would cost more per row than the database takes to store it.
    insert_rows(session.connection(), table, rows)


def _before_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        write_queued(session)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the root ended: committed (queue written) or rolled back (dropped)
        session.info.pop(_QUEUE, None)
