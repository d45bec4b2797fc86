"""Readiness: whether this process can serve now — the database answers and the event stream is up."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool

from fanzha.core.errors import ServiceUnavailable

TIMEOUT_SECONDS = 2.0  # a probe that waits longer than this is as good as a failure
RETRY_AFTER_SECONDS = 5


def _select_one(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()


async def check_database(engine: Engine) -> None:
    """A short SELECT 1; ServiceUnavailable(field="database") when it fails or takes too long."""
    try:
        await asyncio.wait_for(run_in_threadpool(_select_one, engine), TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - any failure to answer means not ready; the type is all we keep
        raise ServiceUnavailable(RETRY_AFTER_SECONDS, field="database") from None


async def check_nats(url: str) -> None:
    """Connect and ask JetStream for the account; ServiceUnavailable(field="nats") when it cannot answer."""
    import nats

    try:
        connection = await asyncio.wait_for(
            nats.connect(url, connect_timeout=TIMEOUT_SECONDS, allow_reconnect=False), TIMEOUT_SECONDS * 2
        )
    except Exception:  # noqa: BLE001 - unreachable, refused or timed out: not ready
        raise ServiceUnavailable(RETRY_AFTER_SECONDS, field="nats") from None
    try:
        await asyncio.wait_for(connection.jetstream().account_info(), TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - the server answers but JetStream does not
        raise ServiceUnavailable(RETRY_AFTER_SECONDS, field="nats") from None
    finally:
        await connection.close()


async def check(engine: Engine, nats_url: str | None) -> dict[str, str]:
    """Every dependency's state; raises ServiceUnavailable naming the first one that is down."""
    await check_database(engine)
    if nats_url:
        await check_nats(nats_url)
    return {"database": "ok", "nats": "ok" if nats_url else "not configured"}
