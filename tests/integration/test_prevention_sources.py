"""What the checks read from the platform (SQLite and PostgreSQL): configured lists (Art 10(三), 17(五))
and the fraud cards not re-verified with their registered holders (Art 10(二))."""

from __future__ import annotations

from datetime import timedelta

from fanzha import law
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.settings import Settings
from fanzha.detect.realtime.prevention import Prevention, PreventionConfig
from fanzha.disposal.domain import Measure, OrderStatus, Verification
from fanzha.disposal.holdings import HoldingRow
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.identifiers import IdentifierVault, normalise
from fanzha.prevention.domain import card_grounds
from fanzha.prevention.sources import Alerts, FraudCards, StaticLists, TableLists
from fanzha.prevention.store import PreventionStore
from fanzha.prevention.tables import ListedPerson
from tests.e2e.test_prevention_http import person
from tests.integration.test_disposal_service import disposal_of, make_disposal_world, order

HOLDER = person(7)["id_number"]
CARD = "13800000201"


def tok(settings: Settings, kind: str, value: str) -> str:
    """The platform vault's token, which the real-time service must compute alike for the match to work."""
    token = IdentifierVault(settings.token_key, settings.encryption_key).token(normalise(kind, value))
    mine = Prevention(PreventionStore(), PreventionConfig(), settings.token_key, StaticLists(), FraudCards(),
                      Alerts(), lambda k, t: False).token(kind, value, "value")  # fmt: skip
    assert mine == token
    return token


def test_a_listed_person_is_refused_under_article_10_3_while_the_entry_is_in_force(
    platform: Platform, clock: FrozenClock, settings: Settings
) -> None:
    token = tok(settings, "resident_id", HOLDER)
    now = clock.now()
    with platform.sessions() as session:
        for name, applies, since, until in (
            ("联合惩戒", "both", now, None),
            ("旧名单", "card", now - timedelta(days=9), now - timedelta(days=1)),  # expired yesterday
            ("仅开户", "account", now, None),
        ):
            entry = ListedPerson(list_name=name, id_token=token, basis="第二十九条", applies_to=applies)
            entry.listed_at, entry.until = since, until
            session.add(entry)
        session.commit()
    lists = TableLists(platform.sessions, clock.now)
    lists.refresh()
    assert lists.lists_for(token, "card") == ["联合惩戒"]
    assert sorted(lists.lists_for(token, "account")) == ["仅开户", "联合惩戒"]
    verdict = card_grounds({}, "1", 5, None, 0, lists.lists_for(token, "card"), None, [], 0.0, ())
    [ground] = verdict.grounds
    assert ground.item == "第（三）项" and ground.ground_zh in law.article("第十条")


def test_a_registered_holder_of_a_card_under_re_verification_is_found_until_it_passes(
    platform: Platform, settings: Settings
) -> None:
    dw = make_disposal_world(platform)
    holdings = platform.holdings
    assert holdings is not None
    holdings.upload(dw.cmcc.principal, [HoldingRow("phone", CARD, HOLDER, "items.0")])
    service, police = disposal_of(platform), dw.base.analyst
    [check] = service.issue(police.principal, order("phone", CARD, Measure.REVERIFY))
    holder = tok(settings, "resident_id", HOLDER)
    card = tok(settings, "phone", CARD)
    fraud = FraudCards(platform.sessions)
    fraud.refresh()
    assert fraud.held_by(holder, []) == 1 and fraud.held_by("0" * 64, [card]) == 1
    receipt = ReceiptCreate(status=OrderStatus.EXECUTED, verification=Verification.PASSED)
    service.receipt(dw.cmcc.principal, check.id, receipt)
    fraud.refresh()
    assert fraud.held_by(holder, []) == 0 and fraud.held_by("0" * 64, [card]) == 0
