"""New rows flushed together are numbered first and written in one statement, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, event, select

from fanzha.db.engine import session_factory
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
