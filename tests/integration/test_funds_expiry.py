"""Item 3 on SQLite and PostgreSQL: a freeze about to end warns the police once per term."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock, as_utc
from fanzha.core.errors import PermissionDenied
from fanzha.events import outbox
from fanzha.funds.tables import Instruction
from tests.e2e.test_funds_victim_status import _login
from tests.funds_world import FundsWorld, make_funds_world
from tests.integration.test_funds_service import _frozen

TOPIC = "disposal.order.funds.freeze.expiring"


@pytest.fixture
def fw(platform: Platform) -> FundsWorld:
    return make_funds_world(platform)


def _warnings(platform: Platform) -> int:
    with platform.sessions() as session:
        return sum(e.topic == TOPIC for e in outbox.read_after(session, 0, 1000))


def test_a_freeze_warns_once_before_it_ends_and_again_after_a_renewal(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, frozen = _frozen(platform, fw, clock)
    assert frozen.expires_at is not None and service.expiry_warning == timedelta(
        days=7
    )  # the default setting
    ends = as_utc(frozen.expires_at)
    clock.advance(ends - timedelta(days=7, seconds=1) - clock.now())
    assert service.sweep()["expiring"] == 0 and service.expiring(fw.analyst.principal) == []
    assert [r.id for r in service.expiring(fw.analyst.principal, days=8)] == [frozen.id]
    clock.advance(timedelta(seconds=1))
    assert service.sweep()["expiring"] == 1
    assert service.sweep()["expiring"] == 0  # once per term
    assert _warnings(platform) == 1
    assert [r.id for r in service.expiring(fw.analyst.principal)] == [frozen.id]
    with pytest.raises(PermissionDenied):
        service.expiring(fw.bank_a.principal)
    # The police see it on the board and through the API (a bank does not).
    centre = _login(platform, "analyst")
    assert [r["id"] for r in centre.get("/api/v1/funds/freezes/expiring").json()] == [frozen.id]
    assert f'data-testid="expiring-{frozen.id}"' in centre.get("/funds").text
    assert _login(platform, "aop").get("/api/v1/funds/freezes/expiring").status_code == 403
    renewal = service.renew(fw.analyst.principal, frozen.id, 3)
    renewed = service.decide_renewal(fw.commander.principal, renewal.id, True, "")
    assert service.expiring(fw.analyst.principal) == []
    clock.advance(as_utc(renewed.expires_after or ends) - timedelta(days=6) - clock.now())
    assert service.sweep()["expiring"] == 1 and _warnings(platform) == 2
    with platform.sessions() as session:
        assert (
            session.scalars(select(Instruction.warned_at).where(Instruction.id == frozen.id)).one()
            is not None
        )
