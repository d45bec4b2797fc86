"""The serious-dishonesty list on SQLite and PostgreSQL: listing, measures, notice, appeal, expiry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import PermissionDenied, ValidationFailed
from fanzha.credit.domain import Facts, Ground, ListingStatus, SubjectKind
from fanzha.credit.lifecycle import ListingLifecycle
from fanzha.credit.service import ListingInput
from fanzha.credit.tables import Listing, ListingEvent
from fanzha.disposal.holdings import HoldingRow
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Order
from fanzha.identity.domain import OrgKind, Role
from fanzha.web.pdf import pdf_text
from tests.factories import Person, make_org, make_user
from tests.integration.test_disposal_service import CARD_A
from tests.integration.test_holdings import HOLDER, OTHER, HoldingsWorld, make_holdings_world

CODE = re.compile(r"申诉码 ([A-Z0-9]+)")
PHONE = "+8613800001234"


@dataclass(frozen=True)
class CreditWorld:
    """The holdings world, a city centre (analyst and commander) and the province's commander."""

    hw: HoldingsWorld
    city_analyst: Person
    city_commander: Person
    province_commander: Person
    county_analyst: Person


def credit_of(platform: Platform) -> ListingLifecycle:
    assert platform.credit is not None
    return platform.credit


@pytest.fixture
def cw(platform: Platform) -> CreditWorld:
    return make_credit_world(platform)


def make_credit_world(platform: Platform) -> CreditWorld:
    """The world of the credit tests (shared with the HTTP journey)."""
    hw = make_holdings_world(platform)
    base = hw.dw.base
    city = make_org(platform, "changsha", OrgKind.POLICE_CITY, "430100", base.centre.id)
    holdings = platform.holdings
    assert holdings is not None
    # The person holds a card at bank A, an Alipay account, a China Mobile card and a WeChat account.
    holdings.upload(base.bank_a_op.principal, [HoldingRow("bank_card", CARD_A, HOLDER, "items.0", PHONE)])
    holdings.upload(hw.dw.alipay.principal, [HoldingRow("payment_account", "alipay:2088001", HOLDER, "i")])
    holdings.upload(hw.dw.cmcc.principal, [HoldingRow("phone", PHONE, HOLDER, "i")])
    holdings.upload(hw.dw.wechat.principal, [HoldingRow("internet_account", "wechat:wx_abc123", HOLDER, "i")])
    return CreditWorld(
        hw,
        make_user(platform, "csanalyst", city, Role.ANALYST),
        make_user(platform, "cscommander", city, Role.COMMANDER),
        make_user(platform, "hncommander", base.centre, Role.COMMANDER),
        base.analyst,
    )


def seller(subject: str = HOLDER, **changes: object) -> ListingInput:
    fields: dict[str, object] = {
        "subject_kind": SubjectKind.PERSON,
        "subject_id": subject,
        "subject_name": "",
        "ground": Ground.CARDS,
        "facts": Facts(items=5, times=2, counterparties=1),
        "evidence": ["长公（反诈）认字〔2026〕31号", "银行流水调取证明"],
        "basis": "出售本人名下银行卡5张给他人用于转移资金",
    }
    fields.update(changes)
    return ListingInput(**fields)  # type: ignore[arg-type]


def _count(platform: Platform, model: type) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_card_seller_is_listed_measures_reach_institutions_and_an_upheld_appeal_lifts_all(
    platform: Platform, cw: CreditWorld
) -> None:
    credit = credit_of(platform)
    token = platform.disposal.vault.token_of("resident_id", HOLDER)[1]  # type: ignore[union-attr]
    listing = credit.propose(cw.city_analyst.principal, seller())
    assert listing.status == ListingStatus.PENDING and not credit.is_listed(token)
    listing = credit.decide(cw.city_commander.principal, listing.id, True, "证据确实充分")
    assert listing.status == ListingStatus.ACTIVE and credit.is_listed(token)
    assert listing.ends_at is not None and listing.starts_at is not None
    # 办法: two years for card and account offences.
    assert listing.ends_at.year - listing.starts_at.year == 2
    got, pairs, events = credit.get(cw.city_commander.principal, listing.id)
    measures = sorted((o.measure, o.article, o.trigger) for _, o in pairs)
    assert measures == [
        ("restrict_cards_keep_basic", "第二十九条第二款", "joint_punishment"),
        ("restrict_non_counter", "第二十九条第二款", "joint_punishment"),
        ("restrict_risky_functions", "第二十九条第二款", "joint_punishment"),
        ("stop_payment_account", "第二十九条第二款", "joint_punishment"),
    ]
    assert [e.status_to for e in events] == ["pending", "active"]
    # Institutions execute with receipts.
    people = {
        cw.hw.dw.base.bank_a.id: cw.hw.dw.base.bank_a_op,
        cw.hw.dw.alipay.org.id: cw.hw.dw.alipay,
        cw.hw.dw.cmcc.org.id: cw.hw.dw.cmcc,
        cw.hw.dw.wechat.org.id: cw.hw.dw.wechat,
    }
    for _, order in pairs:
        platform.disposal.receipt(people[order.org_id].principal, order.id, ReceiptCreate(status="executed"))  # type: ignore[union-attr,arg-type]
    # The written notice went by SMS to the holder's registered phone, with the appeal code.
    sms = [n for n in cw.hw.dw.notifier.sent if "严重失信主体名单" in n.text]
    assert len(sms) == 1 and sms[0].recipient == PHONE
    match = CODE.search(sms[0].text)
    assert match is not None
    pdf = pdf_text(credit_notice(platform, cw, listing.id))
    assert "联合惩戒告知书" in pdf and match.group(1) in pdf and "申诉" in pdf
    # The appeal, upheld by the deciding unit: everything lifted, the person off the list.
    appeals = platform.appeals
    assert appeals is not None
    appeal = appeals.submit(match.group(1), "我的卡是被盗用的", "有报案回执", ["报案回执"], "203.0.113.9")
    assert appeal.deciding_org_id == cw.city_commander.org.id
    appeals.decide(cw.city_commander.principal, appeal.id, True, "核实为被盗用")
    got, pairs, events = credit.get(cw.city_commander.principal, listing.id)
    assert got.status == ListingStatus.RELEASED and not credit.is_listed(token)
    roles = sorted((link.role, o.status) for link, o in pairs)
    assert roles == [("measure", "released")] * 4 + [("release", "issued")] * 4


def credit_notice(platform: Platform, cw: CreditWorld, listing_id: int) -> bytes:
    from fanzha.credit.notices import notice_pdf

    return notice_pdf(credit_of(platform), cw.city_commander.principal, listing_id)


def test_a_listing_expires_on_its_own_and_every_measure_is_lifted(
    platform: Platform, cw: CreditWorld, clock: FrozenClock
) -> None:
    credit = credit_of(platform)
    listing = credit.propose(cw.city_analyst.principal, seller(ground=Ground.FALSE_IDENTITY, facts=Facts()))
    credit.decide(cw.city_commander.principal, listing.id, True, "属实")
    clock.advance(timedelta(days=365))
    assert credit.expire_due() == 0
    clock.advance(timedelta(days=366))
    assert credit.expire_due() == 1
    got, pairs, _ = credit.get(cw.city_commander.principal, listing.id)
    assert got.status == ListingStatus.EXPIRED
    assert sorted(o.status for link, o in pairs if link.role == "measure") == ["released"] * 4
    releases = [o for link, o in pairs if link.role == "release"]
    assert len(releases) == 4 and all(o.measure == "release" for o in releases)
    assert credit.expire_due() == 0


def test_relisting_during_a_term_extends_it_to_at_most_five_years(
    platform: Platform, cw: CreditWorld, clock: FrozenClock
) -> None:
    credit = credit_of(platform)
    first = credit.propose(cw.city_analyst.principal, seller(ground=Ground.CRIMINAL, facts=Facts()))
    first = credit.decide(cw.city_commander.principal, first.id, True, "判决生效")
    assert first.ends_at is not None and first.starts_at is not None
    clock.advance(timedelta(days=900))
    second = credit.propose(cw.city_analyst.principal, seller(ground=Ground.CRIMINAL, facts=Facts()))
    second = credit.decide(cw.city_commander.principal, second.id, True, "再次判决")
    assert second.chain_start == first.starts_at
    assert second.ends_at is not None
    assert second.ends_at == first.starts_at.replace(year=first.starts_at.year + 5)
    with platform.sessions() as session:
        assert session.get(Listing, first.id).status == ListingStatus.SUPERSEDED  # type: ignore[union-attr]
        # No second set of orders: the measures carry on.
        assert session.scalar(select(func.count()).select_from(Order)) == 4


def test_bad_input_is_refused_and_nothing_changes(platform: Platform, cw: CreditWorld) -> None:
    credit = credit_of(platform)
    before = (_count(platform, Listing), _count(platform, ListingEvent), _count(platform, Order))
    with pytest.raises(ValidationFailed) as error:
        credit.propose(cw.city_analyst.principal, seller(evidence=[" "]))
    assert error.value.field == "evidence"
    with pytest.raises(ValidationFailed) as error:
        credit.propose(cw.city_analyst.principal, seller(term_months=25))
    assert error.value.field == "term_months"
    with pytest.raises(PermissionDenied) as denied:
        credit.propose(cw.county_analyst.principal, seller())
    assert "县级" in denied.value.message_zh
    with pytest.raises(ValidationFailed) as error:
        credit.propose(cw.city_analyst.principal, seller(facts=Facts(items=2)))
    assert error.value.field == "facts"
    assert (_count(platform, Listing), _count(platform, ListingEvent), _count(platform, Order)) == before


def test_below_threshold_needs_the_province_and_four_eyes(platform: Platform, cw: CreditWorld) -> None:
    credit = credit_of(platform)
    listing = credit.propose(
        cw.city_commander.principal, seller(OTHER, ground=Ground.BELOW_THRESHOLD, facts=Facts(items=2))
    )
    with pytest.raises(PermissionDenied):
        credit.decide(cw.city_commander.principal, listing.id, True, "同意")
    with platform.sessions() as session:
        assert session.get(Listing, listing.id).status == ListingStatus.PENDING  # type: ignore[union-attr]
    approved = credit.decide(cw.province_commander.principal, listing.id, True, "省级审核认定")
    assert (
        approved.status == ListingStatus.ACTIVE and approved.approver_org_id == cw.province_commander.org.id
    )


def test_export_lists_only_listings_in_force(platform: Platform, cw: CreditWorld) -> None:
    credit = credit_of(platform)
    listing = credit.propose(cw.city_analyst.principal, seller())
    credit.propose(cw.city_analyst.principal, seller(OTHER))
    credit.decide(cw.city_commander.principal, listing.id, True, "属实")
    csv_text = credit.export(cw.city_commander.principal, "csv")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("number,subject_kind,subject_token") and len(lines) == 2
    assert HOLDER not in csv_text and listing.number in csv_text


def test_a_release_notified_by_justice_becomes_a_task_of_the_home_unit_with_the_listing(
    platform: Platform, cw: CreditWorld, clock: FrozenClock
) -> None:
    from fanzha.credit.offenders import ReleasedOffenders, ReleaseInput

    credit = credit_of(platform)
    offenders = ReleasedOffenders(credit)
    yesterday = (clock.now() - timedelta(days=1)).date()
    justice = make_user(
        platform, "sfj", make_org(platform, "justice-hn", OrgKind.JUSTICE, "430000"), Role.ANALYST
    )
    listing = credit.propose(cw.city_analyst.principal, seller(ground=Ground.CRIMINAL, facts=Facts()))
    credit.decide(cw.city_commander.principal, listing.id, True, "判决生效")
    data = ReleaseInput(HOLDER, "帮助信息网络犯罪活动罪", "（2024）湘0104刑初88号", yesterday, "430104")
    # Art 37¶1: only the justice department notifies; a police analyst or a bank cannot.
    with pytest.raises(PermissionDenied):
        offenders.notify(cw.city_analyst.principal, data)
    row = offenders.notify(justice.principal, data)
    # The home region 430104 is county X's.
    assert row.police_org_id == cw.hw.dw.base.county_x.id and row.person_masked != HOLDER
    [task] = offenders.tasks(cw.county_analyst.principal)
    assert task.listing is not None and task.listing.number == listing.number
    assert offenders.tasks(cw.city_analyst.principal) == []  # another unit's task is not shown
    offenders.close(cw.county_analyst.principal, row.id, "已谈话教育，名单措施在执行")
    assert offenders.tasks(cw.county_analyst.principal) == []
    with pytest.raises(ValidationFailed):
        offenders.notify(justice.principal, ReleaseInput(HOLDER, "x罪", "y号", yesterday, "999999"))


def test_a_unit_is_listed_by_its_credit_code_and_checked_at_the_counter(
    platform: Platform, cw: CreditWorld
) -> None:
    credit = credit_of(platform)
    with pytest.raises(ValidationFailed) as error:
        credit.propose(
            cw.city_analyst.principal,
            seller("91430100MA4L", subject_kind=SubjectKind.UNIT, subject_name="某公司"),
        )
    assert error.value.field == "subject_id"
    code = "91430100MA4L0XXX1J"
    listing = credit.propose(
        cw.city_analyst.principal,
        seller(code, subject_kind=SubjectKind.UNIT, subject_name="长沙某科技有限公司"),
    )
    assert code not in listing.subject_masked
    listing = credit.decide(cw.city_commander.principal, listing.id, True, "属实")
    assert credit.is_listed(listing.subject_token)
    assert "长沙某科技有限公司" in credit.export(cw.city_commander.principal, "json")
    _, pairs, _ = credit.get(cw.city_commander.principal, listing.id)
    assert pairs == []  # the holdings register knows persons only
