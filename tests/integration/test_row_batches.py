"""Batches of new rows (ORM objects numbered first, queued append-only rows) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.db import appends
from fanzha.db.bulk import insert_rows
from fanzha.db.engine import session_factory
from fanzha.db.rows import flush_alike
from fanzha.events import outbox
from fanzha.events.tables import OutboxEvent
from fanzha.identity.tables import Organisation


def _org(code: str) -> Organisation:
    return Organisation(code=code, name_zh=code, kind="bank", active=True, created_at=datetime.now(UTC))


def test_a_batch_of_new_rows_is_one_insert_with_increasing_ids(engine: Engine) -> None:
    inserts: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO organisations"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        sessions = session_factory(engine)
        with sessions() as session:
            batch = [_org(f"batch-{i}") for i in range(5)]
            session.add_all(batch)
            session.commit()
            single = _org("single")
            session.add(single)
            session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    ids = [o.id for o in batch]
    assert len(inserts) == 2  # the batch in one executemany, the single row on its own
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert single.id > ids[-1]


def test_numbering_does_not_collide_with_another_writer(engine: Engine) -> None:
    sessions = session_factory(engine)
    if engine.dialect.name == "sqlite":
        # SQLite serialises writers (BEGIN IMMEDIATE): the other writer simply comes after.
        with sessions() as first:
            first.add_all([_org(f"a-{i}") for i in range(3)])
            first.commit()
        with sessions() as second:
            second.add_all([_org(f"b-{i}") for i in range(3)])
            second.commit()
    else:
        with sessions() as first, sessions() as second:
            first.add_all([_org(f"a-{i}") for i in range(3)])
            first.flush()  # ids drawn, transaction still open
            second.add_all([_org(f"b-{i}") for i in range(3)])
            second.commit()
            first.commit()
    with sessions() as session:
        ids = list(session.scalars(select(Organisation.id)))
    assert len(ids) == 6 and len(set(ids)) == 6


def _event(position: int) -> dict[str, object]:
    return {
        "id": position,
        "event_id": f"e-{position}",
        "topic": "test.appended",
        "payload": "{}",
        "occurred_at": datetime.now(UTC),
    }


def _positions(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id)))


def test_appended_rows_are_written_in_one_statement_as_the_transaction_commits(engine: Engine) -> None:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith(("INSERT INTO outbox ", "COPY outbox ")):  # not the head's own row
            statements.append(statement)

    sessions = session_factory(engine)
    event.listen(engine, "before_cursor_execute", count)
    try:
        with sessions() as session:
            for position in (7, 8, 9):  # numbered anew as they are written: the outbox is sequenced
                appends.append(session, OutboxEvent, _event(position))
            assert statements == []  # queued: nothing is written before the commit
            session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert _positions(sessions) == [1, 2, 3]
    if engine.dialect.name == "sqlite":
        assert len(statements) == 1  # one executemany (PostgreSQL streams them with COPY)


def test_appended_rows_roll_back_with_their_transaction_or_savepoint(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions() as session:
        appends.append(session, OutboxEvent, _event(1))
        session.rollback()
        appends.append(session, OutboxEvent, _event(2))
        with session.begin_nested() as savepoint:
            appends.append(session, OutboxEvent, _event(3))  # inside a savepoint: written at once…
            savepoint.rollback()  # …so rolling the savepoint back takes it away
        with session.begin_nested():
            appends.append(session, OutboxEvent, _event(4))
        session.commit()
    with sessions() as session:
        appends.append(session, OutboxEvent, _event(5))  # closed without commit: dropped
    with sessions() as session:
        kept = session.execute(select(OutboxEvent.event_id, OutboxEvent.id).order_by(OutboxEvent.id)).all()
    # Numbered as written: 4 at once inside its savepoint, then 2 at the commit.
    assert [tuple(row) for row in kept] == [("e-4", 1), ("e-2", 2)]


def test_alike_changes_are_one_update_and_leave_the_objects_clean(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions() as session:
        orgs = [_org(f"alike-{i}") for i in range(5)]
        session.add_all(orgs)
        session.commit()
        updates: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            if statement.startswith("UPDATE organisations"):
                updates.append(statement)

        for org in orgs[:4]:
            org.active, org.name_zh = False, "停用"
        orgs[3].name_zh = "另一个"  # a different set of values: a statement of its own
        event.listen(engine, "before_cursor_execute", count)
        try:
            flush_alike(session, Organisation, orgs)
            assert not any(session.is_modified(o) for o in orgs)  # nothing left for the flush to write
            session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(updates) == 2
    with sessions() as session:
        stored = {o.code: (o.active, o.name_zh) for o in session.scalars(select(Organisation))}
    assert [stored[f"alike-{i}"] for i in range(5)] == [
        (False, "停用"),
        (False, "停用"),
        (False, "停用"),
        (False, "另一个"),
        (True, "alike-4"),
    ]


def test_many_events_of_one_moment_queue_together_and_number_at_the_commit(engine: Engine) -> None:
    sessions = session_factory(engine)
    at = datetime(2026, 12, 7, 22, 0, 0, 123456, tzinfo=UTC)
    with sessions() as session:
        appends.append(session, OutboxEvent, _event(1))
        outbox.record_many(session, ["samples.pending", "samples.pending"], [{"n": 1}, {"n": 2}], at)
        session.rollback()  # dropped with their transaction
        outbox.record_many(session, ["samples.published.phone", "samples.pending"], [{"n": 3}, {"n": 4}], at)
        session.commit()
    with sessions() as session:
        events = outbox.read_after(session, 0, 10)
    assert [(e.position, e.topic, e.payload) for e in events] == [
        (1, "samples.published.phone", {"n": 3}),
        (2, "samples.pending", {"n": 4}),
    ]
    assert all(e.occurred_at == at for e in events) and len({e.event_id for e in events}) == 2
    with sessions() as session, pytest.raises(ValueError, match="bad event topic"):
        outbox.record_many(session, ["Not A Topic"], [{}], at)


def test_bulk_inserted_times_read_back_as_written(engine: Engine) -> None:
    # Bind processors run once per distinct value; every row must still get its own value.
    shared = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    rows = [
        {
            "code": f"bulk-{i}",
            "name_zh": f"单位{i}",
            "name_en": "",
            "kind": "bank",
            "active": i % 2 == 0,
            "created_at": shared if i % 3 else datetime(2026, 1, 1, i, tzinfo=UTC),
        }
        for i in range(12)
    ]
    sessions = session_factory(engine)
    with sessions() as session:
        insert_rows(session.connection(), Organisation.__table__, rows)  # type: ignore[arg-type]
        session.commit()
    with sessions() as session:
        got = session.execute(
            select(Organisation.code, Organisation.active, Organisation.created_at).where(
                Organisation.code.startswith("bulk-")
            )
        ).all()
    assert {(c, a, t) for c, a, t in got} == {(r["code"], r["active"], r["created_at"]) for r in rows}
