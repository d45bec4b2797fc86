"""Art 11 lines and Art 33 wallets in the measure catalogue: every follow-up a risk level can bring is a
measure the article grants, on the failure as its trigger; a bad pairing is refused naming the article."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import ValidationFailed
from fanzha.disposal.domain import (
    REVERIFY_MEASURES,
    Measure,
    RiskLevel,
    Routing,
    Trigger,
    follow_up,
    reverify_deadline,
    rule_for,
)
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind
from fanzha.law import article

K, M, T, Org = IdentifierKind, Measure, Trigger, OrgKind


@given(st.sampled_from(list(RiskLevel)))
def test_a_failed_line_reverification_brings_a_measure_art_11_grants(risk: RiskLevel) -> None:
    after = follow_up(K.PHONE, M.REVERIFY_LINE, risk)
    assert after in (M.RESTRICT_LINE, M.STOP_LINE)
    rule = rule_for(K.PHONE, after, Org.TELECOM, T.REVERIFY_FAILED)
    assert rule.article == "第十一条" and rule.grant in article("第十一条")
    assert rule.routing is Routing.SECTOR  # the operator that gave access, named in the order
    assert (after is M.STOP_LINE) == (risk is RiskLevel.HIGH)


@given(st.sampled_from(list(RiskLevel)))
def test_the_line_reverification_deadline_is_graded_by_risk(risk: RiskLevel) -> None:
    assert M.REVERIFY_LINE in REVERIFY_MEASURES
    hours = reverify_deadline(risk).total_seconds() / 3600
    assert hours == {RiskLevel.HIGH: 2, RiskLevel.MEDIUM: 24, RiskLevel.LOW: 72}[risk]


@pytest.mark.parametrize(
    ("kind", "measure", "org", "trigger", "names"),
    [
        (K.PHONE, M.STOP_LINE, Org.TELECOM, T.ALERT, "第十一条"),  # stopping needs a failed re-verification
        (K.PHONE, M.REVERIFY_LINE, Org.INTERNET, T.ALERT, None),  # no platform gives line access
        (K.WALLET, M.STOP_EXCHANGE, Org.BANK, T.ALERT, None),  # a bank does not serve a wallet
        (
            K.WALLET,
            M.SUSPEND,
            Org.INTERNET,
            T.ALERT,
            None,
        ),  # the measure Art 33 gives is stopping the exchange
        (K.BANK_CARD, M.STOP_EXCHANGE, Org.BANK, T.ALERT, None),
    ],
)
def test_pairings_the_articles_do_not_give_are_refused(
    kind: IdentifierKind, measure: Measure, org: OrgKind, trigger: Trigger, names: str | None
) -> None:
    with pytest.raises(ValidationFailed) as error:
        rule_for(kind, measure, org, trigger)
    assert error.value.message_en and error.value.field in ("measure", "trigger", "org_id")
    if names:
        assert names in error.value.message_zh


def test_a_wallet_is_stopped_through_its_exchange_citing_art_33() -> None:
    rule = rule_for(K.WALLET, M.STOP_EXCHANGE, Org.INTERNET, T.ALERT)
    assert rule.article == "第三十三条" and rule.grant in article("第三十三条")
    assert rule.routing is Routing.TABLE  # the routing table "wallet" names the exchange
    assert rule_for(K.WALLET, M.STOP_EXCHANGE, Org.INTERNET, T.SAMPLE).article == "第二十八条第一款"
