"""The pull feed's cursor never skips an event, however publishers interleave (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from fanzha.bootstrap import Platform
from fanzha.events import outbox
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from tests.factories import make_world

WRITERS, EACH = 4, 15


def test_a_reader_polling_during_concurrent_publishing_sees_every_event_once(platform: Platform) -> None:
    world = make_world(platform)
    done = threading.Event()
    errors: list[BaseException] = []

    def publish(writer: int) -> None:
        try:
            for n in range(EACH):
                platform.samples.publish(
                    world.analyst.principal,
                    SamplePublish.model_validate(
                        {
                            "kind": "phone",
                            "value": f"1380{writer:02d}{n:05d}",
                            "fraud_type": FraudType.FAKE_LOAN,
                        }
                    ),
                )
        except BaseException as error:  # noqa: BLE001 - reported to the test thread below
            errors.append(error)

    seen: list[int] = []

    def read() -> None:
        cursor = 0
        while True:
            finished = done.is_set()  # read the flag first: one more pass after the last commit
            with platform.sessions() as session:
                events = outbox.read_after(session, cursor, 7, "samples.")
            seen.extend(e.position for e in events)
            cursor = events[-1].position if events else cursor
            if finished and not events:
                return

    writers = [threading.Thread(target=publish, args=(w,)) for w in range(WRITERS)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join(timeout=60)
    assert errors == []
    assert seen == list(range(1, WRITERS * EACH + 1))  # in order, no gap, no repeat
