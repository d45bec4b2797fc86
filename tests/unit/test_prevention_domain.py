"""The prevention rules, pure: each ground of Art 10 and 17, the call screen (Art 12¶2), the ATM rules
(Art 18¶2), tier tables (Art 16); every refusal cites its article in the shipped text's own words."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha import law
from fanzha.core.errors import ValidationFailed
from fanzha.prevention import domain
from fanzha.prevention.domain import (
    AccountApplication,
    BurstRule,
    LinkCounts,
    OrderFact,
    Verdict,
    Withdrawal,
    account_grounds,
    atm_grounds,
    card_grounds,
    check_id_token,
    screen_call,
    unverified_fraud_card,
)
from fanzha.prevention.store import PreventionStore
from fanzha.prevention.tiers import parse_table, tier_of, tier_refusal

NOW = 1_800_000_000.0
DAY = 86_400
BURST = (BurstRule(16, 25, 3, 7),)


def cited(verdict: Verdict) -> None:
    """Every ground quotes its article word for word and names it in its reason."""
    assert verdict.outcome == "refuse"
    for g in verdict.grounds:
        assert g.ground_zh in law.article(g.article), g
        assert g.article in g.reason_zh and "Art " in g.reason_en, g
    assert verdict.as_dict()["legal_basis"]


def cards(
    per_op: dict[str, int] | None = None,
    fraud: int = 0,
    listed: tuple[str, ...] = (),
    age: int | None = None,
    opened: tuple[float, ...] = (),
    total: int | None = None,
) -> Verdict:
    return card_grounds(per_op or {}, "A", 5, total, fraud, listed, age, opened, NOW, BURST)


@pytest.mark.parametrize(
    ("verdict", "codes", "item"),
    [
        (cards({"A": 5}), ["card_limit"], "第（一）项"),
        (cards({"A": 2, "B": 2}, total=4), ["card_limit"], "第（一）项"),
        (cards(fraud=1), ["fraud_card_unverified"], "第（二）项"),
        (cards(listed=("联合惩戒",)), ["listed:联合惩戒"], "第（三）项"),
        (cards(age=19, opened=(NOW - DAY, NOW - 2 * DAY, NOW - 3 * DAY)), ["age_band_burst"], "第（三）项"),
    ],
    ids=["over-limit-here", "over-total", "fraud-card", "listed", "age-band"],
)
def test_each_card_ground_refuses_citing_article_10(verdict: Verdict, codes: list[str], item: str) -> None:
    assert [g.code for g in verdict.grounds] == codes
    assert verdict.grounds[0].article == "第十条" and verdict.grounds[0].item == item
    cited(verdict)


@pytest.mark.parametrize(
    "verdict",
    [
        cards({"A": 4, "B": 5, "C": 5}),  # the limit is per operator: four here, a fifth is allowed
        cards(age=30, opened=(NOW - DAY, NOW - 2 * DAY, NOW - 3 * DAY)),  # outside the age band
        cards(age=19, opened=(NOW - 8 * DAY, NOW - 9 * DAY, NOW - 10 * DAY)),  # not within the days
    ],
)
def test_a_card_is_allowed_where_no_ground_holds(verdict: Verdict) -> None:
    assert verdict.outcome == "allow" and verdict.as_dict()["legal_basis"] == []


def fact(t: float, reverify: bool = False, status: str = "executed", v: str | None = None) -> OrderFact:
    return OrderFact(t, reverify, status, v)


@pytest.mark.parametrize(
    ("orders", "unverified"),
    [
        ([], False),
        ([fact(1, reverify=True, status="issued")], True),  # a re-verification ordered, not yet passed
        ([fact(1, reverify=True, v="passed")], False),
        ([fact(1, reverify=True, v="failed"), fact(2)], True),  # failed, then restricted
        ([fact(1), fact(2, reverify=True, v="passed")], False),  # passed after the order
        ([fact(1, reverify=True, v="passed"), fact(3)], True),  # a new order after passing
        ([fact(1, status="released")], False),  # lifted on appeal: nothing stands on the card
    ],
)
def test_fraud_card_status_follows_the_disposal_records(orders: list[OrderFact], unverified: bool) -> None:
    assert unverified_fraud_card(orders) is unverified


@pytest.mark.parametrize(
    ("app", "links", "hits", "alerts", "listed", "code", "item"),
    [
        (
            AccountApplication(refuses_identity=True),
            LinkCounts(),
            [],
            0,
            [],
            "refuses_identity",
            "第（一）项",
        ),
        (AccountApplication(), LinkCounts(device=3), [], 0, [], "organised_or_others_identity", "第（二）项"),
        (
            AccountApplication(uses_others_identity=True),
            LinkCounts(),
            [],
            0,
            [],
            "organised_or_others_identity",
            "第（二）项",
        ),
        (AccountApplication(fits_profile=False), LinkCounts(), [], 0, [], "does_not_fit", "第（三）项"),
        (AccountApplication(), LinkCounts(), ["联系电话"], 0, [], "suspected_crime", "第（四）项"),
        (AccountApplication(), LinkCounts(), [], 2, [], "suspected_crime", "第（四）项"),
        (AccountApplication(), LinkCounts(), [], 0, ["联合惩戒"], "listed:联合惩戒", "第（五）项"),
    ],
)
def test_each_account_ground_refuses_citing_article_17(
    app: AccountApplication,
    links: LinkCounts,
    hits: list[str],
    alerts: int,
    listed: list[str],
    code: str,
    item: str,
) -> None:
    verdict = account_grounds(app, links, 3, 7, hits, alerts, listed)
    assert [g.code for g in verdict.grounds] == [code]
    assert verdict.grounds[0].article == "第十七条" and verdict.grounds[0].item == item
    cited(verdict)


def test_an_unfitting_account_with_an_explanation_and_few_links_is_opened() -> None:
    app = AccountApplication(fits_profile=False, explained=True)
    assert account_grounds(app, LinkCounts(2, 2, 2), 3, 7, [], 0, []).outcome == "allow"


@pytest.mark.parametrize(
    ("caller", "via", "sample", "action", "rules"),
    [
        ("+8613800138000", False, False, "deliver", []),
        ("+8613800138000", True, False, "block", ["spoofed_caller"]),
        ("+86123", False, False, "block", ["irregular_caller"]),
        ("0000", False, False, "block", ["irregular_caller"]),
        ("+855123456789", True, False, "label", ["risky_overseas"]),
        ("+8613800138000", False, True, "block", ["sample_number"]),
        ("+85512345678", True, True, "block", ["sample_number", "risky_overseas"]),
        ("+4420794600000", True, False, "deliver", []),
    ],
)
def test_call_screen(caller: str, via: bool, sample: bool, action: str, rules: list[str]) -> None:
    verdict = screen_call(caller, via, ("+855", "+95"), sample).as_dict()
    assert verdict["action"] == action and verdict["rules"] == rules
    if rules:
        assert verdict["legal_basis"] == ["第十二条第二款"]
        assert all("第十二条第二款" in r for r in verdict["reasons_zh"])  # type: ignore[attr-defined]
    if action == "label":
        assert verdict["label_zh"]


def w(
    at: float, card: str, face: str | None = "f1", covered: bool = False, holder: bool | None = True
) -> Withdrawal:
    return Withdrawal(at, "ATM1", card, face, covered, holder)


def test_atm_alternatives_are_exactly_those_of_article_18_2() -> None:
    text = law.article("第十八条第二款")
    for _, zh, _ in domain.ALTERNATIVES:
        assert zh in text
    assert "非本人持卡取现" in text and "遮挡面部取现" in text and "同一人持多张银行卡连续取现" in text


@pytest.mark.parametrize(
    ("recent", "now", "rules"),
    [
        ([], w(0, "c1"), []),
        ([], w(0, "c1", holder=False), ["not_holder"]),
        ([], w(0, "c1", face=None, covered=True), ["face_covered"]),
        (
            [w(0, "c1", None, True), w(60, "c2", None, True)],
            w(120, "c3", None, True),
            ["face_covered", "many_cards_in_a_row"],
        ),
        ([w(0, "c1"), w(60, "c2")], w(120, "c3"), ["many_cards_in_a_row"]),
        ([w(0, "c1"), w(60, "c2", face="f2")], w(120, "c3"), []),  # two people: not in a row
        ([w(0, "c1"), w(60, "c2")], w(4000, "c3"), []),  # too far apart
        ([w(0, "c1"), w(60, "c1")], w(120, "c1"), []),  # one card, many times
    ],
)
def test_atm_rules(recent: list[Withdrawal], now: Withdrawal, rules: list[str]) -> None:
    answer: dict[str, Any] = atm_grounds(now, recent, 1800, 3, 200_000)
    assert answer["rules"] == rules
    if rules:
        assert answer["outcome"] == "stop" and answer["legal_basis"] == ["第十八条第二款"]
        assert [a["code"] for a in answer["alternatives"]] == ["set_place", "lower_limit", "online_review"]
        assert answer["alternatives"][1]["limit_fen"] == 200_000
    else:
        assert answer["outcome"] == "allow" and answer["alternatives"] == []


@pytest.mark.parametrize("bad", ["", "ABC", "g" * 64, "A" * 64, "1" * 63, "430102199001011234", None, 5])
def test_a_bad_id_token_is_refused_naming_the_field(bad: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_id_token(bad, "person.id_token")
    assert caught.value.field == "person.id_token" and "令牌" in caught.value.message_zh


def row(
    name: str, low: int, high: int, per_txn: int = 500_000, daily: int = 1_000_000, **extra: Any
) -> dict[str, Any]:
    return {
        "tier": name,
        "score_from": low,
        "score_to": high,
        "channels": extra.get("channels", ["counter", "online", "mobile", "atm"]),
        "functions": extra.get("functions", ["transfer", "cash", "payment", "receive"]),
        "per_txn_fen": per_txn,
        "daily_fen": daily,
    }


GOOD = {
    "tiers": [
        row("I类", 0, 39, 5_000_000, 20_000_000),
        row("II类", 40, 69),
        row("III类", 70, 100, 100_000, 200_000, channels=["counter"]),
    ]
}


@pytest.mark.parametrize(
    ("table", "field", "words"),
    [
        ({"tiers": [row("I", 0, 39), row("II", 41, 100)]}, "tiers[1].score_from", "缺口"),
        ({"tiers": [row("I", 0, 40), row("II", 40, 100)]}, "tiers[1].score_from", "重叠"),
        ({"tiers": [row("I", 1, 100)]}, "tiers[0].score_from", "缺口"),
        ({"tiers": [row("I", 0, 90)]}, "tiers", "缺口"),
        ({"tiers": [row("I", 0, 50), row("I", 51, 100)]}, "tiers", "重复"),
        ({"tiers": [row("I", 0, 100, per_txn=-1)]}, "tiers[0].per_txn_fen", "整数"),
        ({"tiers": [row("I", 0, 100, channels=["teleport"])]}, "tiers[0].channels", "列表"),
        ({"tiers": []}, "tiers", "分级表"),
        ({"tiers": [row("I", 60, 50)]}, "tiers[0].score_to", "score_to"),
    ],
)
def test_a_tier_table_with_gaps_or_overlaps_is_refused(table: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_table(table)
    assert caught.value.field == field and words in caught.value.message_zh
    assert "第十六条" in caught.value.message_zh


def test_the_tier_names_the_limit_that_refused() -> None:
    table = parse_table(GOOD)
    high = tier_of(table, 80)
    assert high.name == "III类"
    assert tier_refusal(high, "online", "transfer", 100, 0)["limit"] == "channel"  # type: ignore[index]
    assert tier_refusal(high, "counter", "transfer", 100_001, 0)["limit"] == "per_txn"  # type: ignore[index]
    refusal = tier_refusal(high, "counter", "transfer", 100_000, 150_000)
    assert refusal is not None and refusal["limit"] == "daily" and refusal["tier"] == "III类"
    assert "第十六条" in str(refusal["reason_zh"]) and "支付限额" in law.article("第十六条")
    assert tier_refusal(high, "counter", "transfer", 50_000, 150_000) is None


@given(st.lists(st.integers(0, 100), min_size=0, max_size=6, unique=True))
def test_any_partition_of_scores_is_accepted_and_covers_each_score_once(cuts: list[int]) -> None:
    bounds = sorted({c for c in cuts if c > 0})
    starts = [0, *bounds]
    ends = [b - 1 for b in bounds] + [100]
    table = parse_table(
        {"tiers": [row(f"T{i}", s, e) for i, (s, e) in enumerate(zip(starts, ends, strict=True))]}
    )
    for score in range(101):
        assert sum(1 for t in table if t.score_from <= score <= t.score_to) == 1


def test_the_store_counts_cards_across_operators_and_survives_a_restart(tmp_path: Any) -> None:
    store = PreventionStore(tmp_path)
    for i in range(3):
        store.record({"t": "card_opened", "person": "p", "card": f"c{i}", "op": "A", "at": NOW + i})
    store.record({"t": "card_opened", "person": "p", "card": "c9", "op": "B", "at": NOW})
    store.record({"t": "card_closed", "card": "c0", "op": "A", "at": NOW + 5})
    store.record(
        {"t": "card_opened", "person": "q", "card": "c1", "op": "A", "at": NOW + 6}
    )  # number re-issued
    store.close()
    with open(tmp_path / "prevention.jsonl", "ab") as f:
        f.write(b'{"t": "card_op')  # a torn last line is dropped
    again = PreventionStore(tmp_path)
    assert again.person("p").per_operator() == {"A": 1, "B": 1}
    assert again.person("q").per_operator() == {"A": 1}
    again.close()


def test_checks_go_to_the_days_audit_file_and_are_not_replayed(tmp_path: Any) -> None:
    store = PreventionStore(tmp_path)
    store.audit({"t": "check", "id": "x", "person": "p", "outcome": "refuse"}, NOW)
    store.record({"t": "card_opened", "person": "p", "card": "c", "op": "A", "at": NOW})
    store.close()
    [audit] = tmp_path.glob("audit-*.jsonl")
    assert b'"outcome":"refuse"' in audit.read_bytes()
    assert b'"check"' not in (tmp_path / "prevention.jsonl").read_bytes()
    again = PreventionStore(tmp_path)
    assert again.person("p").per_operator() == {"A": 1} and again.audited == 0
    again.close()
