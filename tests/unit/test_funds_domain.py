"""The funds rules, pure: bounds, sharing money to the fen, the working-day calendar, the cited articles."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha import law
from fanzha.core.errors import Conflict, FanzhaError, PermissionDenied, ValidationFailed
from fanzha.funds import domain
from fanzha.funds.domain import (
    Deposit,
    LiveFreeze,
    Method,
    Onward,
    Status,
    add_months,
    add_working_days,
    apportion,
    check_extension,
    check_fen,
    check_freeze_amount,
    check_return,
    check_term,
    follow,
    next_in_line,
    placement,
    remaining_by_time,
    shares_for,
    stop_expiry,
)
from fanzha.funds.rules import ARTICLES, RULES
from fanzha.identity.domain import OrgKind

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
fen = st.integers(min_value=1, max_value=10**9)
weights = st.dictionaries(st.integers(1, 50), st.integers(0, 10**7), min_size=1, max_size=12)


# Sharing money ----------------------------------------------------------------------------------


@given(weights=weights, data=st.data())
def test_pro_rata_shares_add_up_to_the_fen_and_never_exceed_a_weight(
    weights: dict[int, int], data: st.DataObject
) -> None:
    whole = sum(weights.values())
    total = data.draw(st.integers(0, whole))
    shares = apportion(total, weights)
    assert sum(shares.values()) == total
    for key, weight in weights.items():
        assert 0 <= shares[key] <= weight
        # Largest remainder: each share is the exact share rounded down or up.
        exact = total * weight / whole if whole else 0
        assert int(exact) <= shares[key] <= int(exact) + 1


def test_largest_remainder_gives_the_odd_fen_to_the_largest_remainders() -> None:
    assert apportion(100, {1: 1, 2: 1, 3: 1}) == {1: 34, 2: 33, 3: 33}
    assert apportion(100_001, {1: 1, 2: 2, 3: 3}) == {1: 16_667, 2: 33_334, 3: 50_000}
    assert apportion(0, {1: 5}) == {1: 0}
    with pytest.raises(ValueError):
        apportion(-1, {1: 1})


deposits = st.lists(
    st.builds(Deposit, st.integers(1, 8), st.integers(0, 1000).map(lambda m: T0 + timedelta(minutes=m)), fen),
    min_size=1,
    max_size=10,
)


@given(deposits=deposits, balance=st.integers(0, 10**10))
def test_by_time_leaves_the_latest_deposits_and_never_more_than_was_paid_or_is_there(
    deposits: list[Deposit], balance: int
) -> None:
    left = remaining_by_time(balance, deposits)
    assert sum(left.values()) == min(balance, sum(d.amount for d in deposits))
    for victim, amount in left.items():
        assert 0 <= amount <= sum(d.amount for d in deposits if d.victim_id == victim)


onward = st.lists(
    st.builds(
        Onward,
        st.sampled_from("abcde"),
        st.integers(-100, 1000).map(lambda m: T0 + timedelta(minutes=m)),
        fen,
    ),
    max_size=10,
)


@given(traced=st.dictionaries(st.integers(1, 8), fen, max_size=6), moves=onward)
def test_following_never_moves_more_than_was_traced_nor_than_a_transfer_carried(
    traced: dict[int, int], moves: list[Onward]
) -> None:
    carried = follow(traced, T0, moves)
    per_victim: dict[int, int] = {}
    for key, shares in carried.items():
        assert sum(shares.values()) <= sum(m.amount for m in moves if m.key == key and m.at >= T0)
        for victim, amount in shares.items():
            per_victim[victim] = per_victim.get(victim, 0) + amount
    for victim, amount in per_victim.items():
        assert 0 < amount <= traced[victim]
    # Transfers before the money arrived carry none of it.
    assert follow(traced, T0, [Onward("x", T0 - timedelta(seconds=1), 10**9)]) == {}


@given(
    method=st.sampled_from(list(Method)),
    deposits=deposits,
    available=st.integers(0, 10**10),
    losses=st.dictionaries(st.integers(1, 8), st.integers(0, 10**9), min_size=1),
)
def test_returned_never_above_frozen_per_account_nor_loss_per_victim(
    method: Method, deposits: list[Deposit], available: int, losses: dict[int, int]
) -> None:
    traced: dict[int, int] = {}
    for d in deposits:
        traced[d.victim_id] = traced.get(d.victim_id, 0) + d.amount
    try:
        shares = shares_for(method, available, traced, deposits, available, losses)
    except ValidationFailed as error:
        assert method is Method.SINGLE and "return.method" in error.message_en
        return
    assert sum(shares.values()) <= available
    for victim, amount in shares.items():
        assert 0 < amount <= losses.get(victim, 0)
    if shares:
        check_return(shares, available, losses)


def test_a_return_above_what_is_frozen_or_the_loss_is_refused_naming_the_article() -> None:
    with pytest.raises(ValidationFailed) as error:
        check_return({1: 60, 2: 50}, 100, {1: 100, 2: 100})
    assert "return.cap_frozen" in error.value.message_en and "Hunan Art 35¶2" in error.value.message_en
    with pytest.raises(ValidationFailed) as error:
        check_return({1: 60}, 100, {1: 59})
    assert "return.cap_loss" in error.value.message_en and "Hunan Art 35¶1" in error.value.message_en


# Bounds ---------------------------------------------------------------------------------------------


@given(amount=st.integers(-(10**6), 10**15))
def test_money_is_positive_integer_fen(amount: int) -> None:
    if 1 <= amount <= domain.MAX_FEN:
        assert check_fen(amount, "x") == amount
    else:
        with pytest.raises(ValidationFailed) as error:
            check_fen(amount, "amount_fen")
        assert error.value.field == "amount_fen" and "money.positive" in error.value.message_en


@given(amount=fen, traced=st.integers(0, 10**9), already=st.integers(0, 10**9))
def test_no_freeze_above_the_amount_traced(amount: int, traced: int, already: int) -> None:
    if amount + already <= traced:
        check_freeze_amount(amount, traced, already)
    else:
        with pytest.raises(ValidationFailed) as error:
            check_freeze_amount(amount, traced, already)
        assert "freeze.amount_cap" in error.value.message_en and "第十九条第一款" in error.value.message_zh


@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    months=st.integers(-3, 12),
)
def test_no_freeze_beyond_its_term(start: datetime, months: int) -> None:
    start = start.replace(tzinfo=UTC)
    if not 1 <= months <= 6:
        with pytest.raises(ValidationFailed) as error:
            check_term(months)
        assert "freeze.term_cap" in error.value.message_en
        return
    end = add_months(start, check_term(months))
    assert start < end <= start + timedelta(days=184)
    assert end.day <= start.day


@given(attempts=st.lists(st.integers(0, 100), max_size=6))
def test_stop_payment_within_its_terms(attempts: list[int]) -> None:
    """However often extension is tried, a stop-payment holds at most 48 h + one 48 h extension."""
    extensions, now = 0, T0
    expires = stop_expiry(T0, 0)
    for hours in attempts:
        now = now + timedelta(hours=hours)
        try:
            check_extension(extensions, expires, now)
        except Conflict as error:
            assert "stop.term" in error.message_en
            continue
        extensions += 1
        expires = stop_expiry(T0, extensions)
    assert extensions <= 1 and expires - T0 <= timedelta(hours=96)


ops = st.lists(st.tuples(st.sampled_from(["freeze", "end", "answer"]), st.integers(1, 4)), max_size=30)


@given(ops=ops)
def test_no_duplicate_freeze_and_one_holding_at_a_time(ops: list[tuple[str, int]]) -> None:
    """A model of one account: freezes by cases 1-4 placed, answered, ended, queued ones taking effect."""
    live: list[LiveFreeze] = []
    for op, case in ops:
        if op == "freeze":
            try:
                live.append(LiveFreeze(case, placement(case, live)))
            except Conflict as error:
                assert "freeze.no_duplicate" in error.message_en
                assert any(f.case_id == case for f in live)
        elif op == "answer":
            live = [LiveFreeze(f.case_id, Status.FROZEN) if f.status is Status.ISSUED else f for f in live]
        else:
            live = [f for f in live if f.case_id != case]
            turn = next_in_line(live)
            if turn is not None:
                live[turn] = LiveFreeze(live[turn].case_id, Status.ISSUED)
        cases = [f.case_id for f in live]
        assert len(cases) == len(set(cases))  # no duplicate freeze of the same funds
        assert sum(f.status in (Status.ISSUED, Status.FROZEN) for f in live) <= 1
        if live:
            assert any(f.status in (Status.ISSUED, Status.FROZEN) for f in live)  # a queue never stalls


def test_approval_needs_a_county_level_or_higher_unit_over_the_applicant() -> None:
    for kind in (OrgKind.POLICE_COUNTY, OrgKind.POLICE_CITY, OrgKind.POLICE_PROVINCE):
        domain.check_approver(kind, True)
    for kind, over in ((OrgKind.POLICE_TOWNSHIP, True), (OrgKind.POLICE_COUNTY, False), (OrgKind.BANK, True)):
        with pytest.raises(PermissionDenied) as error:
            domain.check_approver(kind, over)
        assert "freeze.approval" in error.value.message_en


def test_a_transfer_in_the_future_is_refused() -> None:
    assert domain.check_transfer_time(T0, T0) == T0
    with pytest.raises(ValidationFailed) as error:
        domain.check_transfer_time(T0 + timedelta(seconds=1), T0)
    assert "transfer.in_past" in error.value.message_en


def test_release_is_due_three_days_after_the_finding() -> None:
    assert domain.release_due(T0) == T0 + timedelta(days=3)
    assert domain.notice_ends(T0) == T0 + timedelta(days=30)


# Working days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Mon 2026-11-30 +3 → Thu 2026-12-03, end of day (Beijing) = 16:00 UTC.
        (datetime(2026, 11, 30, 3, tzinfo=UTC), datetime(2026, 12, 3, 16, tzinfo=UTC)),
        # Wed 2026-09-30: 1-7 Oct National Day, Thu 8 and Fri 9, Sat 10 Oct is a working day (调休).
        (datetime(2026, 9, 30, 3, tzinfo=UTC), datetime(2026, 10, 10, 16, tzinfo=UTC)),
        # Fri 2026-02-13: Sat 14 Feb works, 15-23 Feb Spring Festival, then Tue 24 and Wed 25.
        (datetime(2026, 2, 13, 3, tzinfo=UTC), datetime(2026, 2, 25, 16, tzinfo=UTC)),
        # Thu 2027-02-04 (2027: statutory days only): 5-8 Feb Spring Festival, Sat/Sun off.
        (datetime(2027, 2, 4, 3, tzinfo=UTC), datetime(2027, 2, 11, 16, tzinfo=UTC)),
    ],
)
def test_three_working_days_follow_the_holiday_calendar(start: datetime, due: datetime) -> None:
    assert add_working_days(start, 3) == due


def test_the_calendar_knows_2026_and_2027() -> None:
    assert not domain.is_working_day(date(2026, 10, 1)) and domain.is_working_day(date(2026, 9, 20))
    assert not domain.is_working_day(date(2027, 10, 1)) and domain.is_working_day(date(2027, 10, 4))


# The cited articles ------------------------------------------------------------------------------

# Each rule rests on words its article really contains.
RULE_WORDS = {
    "freeze.amount_cap": "超数额",
    "freeze.term_cap": "超时限",
    "freeze.no_duplicate": "超范围",
    "freeze.approval": "超权限",
    "freeze.renew_before_expiry": "超时限",
    "freeze.renewal_approval": "超权限",
    "freeze.renewal_single": "超时限",
    "release.three_days": "三日内解除冻结",
    "verification.outcome": "继续冻结、解除冻结或者资金返还",
    "stop.term": "紧急止付",
    "stop.amount_cap": "超数额",
    "stop.answer": "有权直接采取",
    "trace.onward": "查清被害人资金流向",
    "trace.lead_bound": "查清被害人资金流向",
    "return.cap_frozen": "返还至公安机关指定的被害人账户",
    "return.cap_loss": "及时返还被害人的合法财产",
    "return.method": "完善涉案资金处置制度",
    "return.notice": "完善涉案资金处置制度",
    "return.objection": "完善涉案资金处置制度",
    "return.officers": "完善涉案资金处置制度",
    "transfer.in_past": "及时返还被害人的合法财产",
    "money.positive": "及时返还被害人的合法财产",
    "treasury.unclaimed": "侦查终结或者终止侦查后，可以依法登记后上缴国库",
    "treasury.refund_cap": "依法及时办理退还手续",
    "intake.confirmed": "及时返还被害人的合法财产",
}


def test_every_rule_cites_an_article_that_says_it() -> None:
    assert set(RULE_WORDS) == set(RULES)
    for name, rule in RULES.items():
        assert RULE_WORDS[name] in ARTICLES[rule.article].text, name


def test_the_article_texts_are_quoted_verbatim_from_the_regulations() -> None:
    """Each quoted article is found word for word in the regulation texts the platform ships (fanzha.law)."""
    shipped = resources.files(law)
    texts = {
        "hunan": shipped.joinpath(law.HUNAN).read_text(encoding="utf-8"),
        "national": shipped.joinpath(law.AFL).read_text(encoding="utf-8"),
    }
    for key, article in ARTICLES.items():
        assert article.text in texts[key.split(".")[0]], key


CITATION = re.compile(r"((?i:national law) )?Art (\d+)(¶(\d+))?")


def test_every_article_cited_in_the_funds_code_is_in_the_table() -> None:
    src = Path(domain.__file__).parent
    cited: set[str] = set()
    for path in src.glob("*.py"):
        for match in CITATION.finditer(path.read_text(encoding="utf-8")):
            national, number, _, paragraph = match.groups()
            if national:
                cited.add(f"national.{number}")
            elif paragraph:
                cited.add(f"hunan.{number}.{paragraph}")
            else:
                cited.add(f"hunan.{number}")
    known = set(ARTICLES) | {k.rsplit(".", 1)[0] for k in ARTICLES if k.startswith("hunan.")}
    assert cited and cited <= known, cited - known


def test_errors_name_the_rule_and_the_article() -> None:
    error = domain.refuse("release.three_days", "found_at")
    assert isinstance(error, FanzhaError) and error.field == "found_at"
    assert error.message_en.startswith("[release.three_days, Hunan Art 19¶2]")
    assert "第十九条第二款" in error.message_zh


def test_every_kind_status_and_scam_type_has_its_console_label_in_both_languages() -> None:
    from fanzha.funds.domain import Kind, ScamType
    from fanzha.web.i18n import CATALOGUE

    keys = [f"funds.kind.{k}" for k in Kind] + [f"funds.status.{s}" for s in Status]
    keys += [f"funds.scam.{t}" for t in ScamType]
    for key in keys:
        zh, en = CATALOGUE[key]
        assert zh and en, key


@given(
    status=st.sampled_from(list(Status)),
    escalated=st.booleans(),
    due=st.integers(-(10**6), 10**6),
    now=st.integers(-(10**6), 10**6),
)
def test_no_answer_past_its_deadline_without_an_alarm(
    status: Status, escalated: bool, due: int, now: int
) -> None:
    """An instruction awaiting its answer (a release within 3 days, a return within 3 working days …)
    alarms exactly when it is late and has not alarmed yet."""
    due_at, at = T0 + timedelta(seconds=due), T0 + timedelta(seconds=now)
    fires = domain.escalation_due(status, escalated, due_at, at)
    assert fires == (status is Status.ISSUED and not escalated and at > due_at)
