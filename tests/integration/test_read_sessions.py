"""Sessions that only read: refused any write, and on SQLite never queued behind a writer."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fanzha.db.engine import reading, session_factory
from fanzha.identity.tables import Organisation


def _org(code: str) -> Organisation:
    return Organisation(code=code, name_zh=code, kind="bank", active=True, created_at=datetime.now(UTC))


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Organisation)) or 0)


def test_a_reading_session_refuses_a_write_and_the_pooled_connection_writes_again(engine: Engine) -> None:
    sessions = session_factory(engine)
    with reading(sessions) as session:
        before = _count(session)
        session.add(_org("sneaked-in"))
        with pytest.raises(DBAPIError):
            session.commit()
    with sessions() as session:  # the same pooled connection, back in write mode
        session.add(_org("written"))
        session.commit()
    with reading(sessions) as session:
        codes = set(session.scalars(select(Organisation.code)))
        assert _count(session) == before + 1
    assert "written" in codes and "sneaked-in" not in codes


def test_a_reader_does_not_wait_for_a_writer_and_sees_only_what_was_committed(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions() as session:
        session.add(_org("committed"))
        session.commit()
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with sessions() as session:
            session.add(_org("uncommitted"))
            session.flush()  # on SQLite the write lock is held from here (BEGIN IMMEDIATE) to the commit
            holding.set()
            release.wait(10)
            session.commit()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.perf_counter()
        with reading(sessions) as session:
            seen = set(session.scalars(select(Organisation.code)))
        waited = time.perf_counter() - started
    finally:
        release.set()
        thread.join(10)
    assert "committed" in seen and "uncommitted" not in seen
    assert waited < 1.0  # a writer's busy_timeout is 30 s: a queued reader would have waited for the commit
    with reading(sessions) as session:
        assert "uncommitted" in set(session.scalars(select(Organisation.code)))
