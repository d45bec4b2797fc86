"""The holdings register on SQLite and PostgreSQL: upload, least privilege, and the associated orders."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import event, func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.errors import NotFound, PermissionDenied, ValidationFailed
from fanzha.credit.domain import Facts, Ground, SubjectKind
from fanzha.credit.service import ListingInput
from fanzha.disposal.domain import Measure, OrderStatus, Trigger, Verification
from fanzha.disposal.holdings import HoldingRow, HoldingsService, parse_csv
from fanzha.disposal.release import in_force
from fanzha.disposal.schemas import OrderCreate, ReceiptCreate
from fanzha.disposal.tables import Holding, Order
from fanzha.identifiers import IdentifierKind, luhn_check_digit, resident_id_check_char
from fanzha.identity.domain import OrgKind, Role
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from tests.factories import Person, make_org, make_user
from tests.integration.test_disposal_service import CARD_A, DisposalWorld, make_disposal_world, run_policy


def resident_id(first17: str) -> str:
    """A resident ID number with its check character."""
    return first17 + resident_id_check_char(first17)


APPEAL_CODE = re.compile(r"申诉码 ([A-Z0-9]+)")
HOLDER = resident_id("43010419900307123")  # the mule card's holder
OTHER = resident_id("43010219851111456")  # someone else
CARD_B = "621700000054321"  # a card of bank B (BIN 621700) held by the same person
CARD_B += luhn_check_digit(CARD_B)
CARD_C = "622202000099999"  # another card of bank A
CARD_C += luhn_check_digit(CARD_C)


@dataclass(frozen=True)
class HoldingsWorld:
    """The disposal world plus two more payment institutions and their operators."""

    dw: DisposalWorld
    tenpay: Person
    unionpay: Person


def make_holdings_world(platform: Platform) -> HoldingsWorld:
    """Three payment institutions: Alipay (from the disposal world), Tenpay and UnionPay."""
    dw = make_disposal_world(platform)
    tenpay = make_user(
        platform, "tenpayop", make_org(platform, "pay-tenpay", OrgKind.PAYMENT), Role.INSTITUTION_OPERATOR
    )
    unionpay = make_user(
        platform, "unionpayop", make_org(platform, "pay-unionpay", OrgKind.PAYMENT), Role.INSTITUTION_OPERATOR
    )
    return HoldingsWorld(dw, tenpay, unionpay)


def declare_journey_1(platform: Platform, hw: HoldingsWorld) -> None:
    """Bank A: the mule card is HOLDER's; Alipay and Tenpay hold HOLDER's accounts; UnionPay OTHER's."""
    service = holdings_of(platform)
    base = hw.dw.base
    service.upload(base.bank_a_op.principal, [HoldingRow("bank_card", CARD_A, HOLDER, "items.0")])
    service.upload(base.bank_b_op.principal, [HoldingRow("bank_card", CARD_B, HOLDER, "items.0")])
    service.upload(
        hw.dw.alipay.principal, [HoldingRow("payment_account", "alipay:2088001", HOLDER, "items.0")]
    )
    service.upload(hw.tenpay.principal, [HoldingRow("payment_account", "tenpay:wx77", HOLDER, "items.0")])
    service.upload(hw.unionpay.principal, [HoldingRow("payment_account", "unionpay:u1", OTHER, "items.0")])


def holdings_of(platform: Platform) -> HoldingsService:
    assert platform.holdings is not None
    return platform.holdings


def _rows(platform: Platform) -> list[tuple[int, str, str, bool]]:
    with platform.sessions() as session:
        return [
            (h.org_id, h.object_token, h.holder_token, h.withdrawn_at is None)
            for h in session.scalars(select(Holding).order_by(Holding.id))
        ]


@pytest.fixture
def hw(platform: Platform) -> HoldingsWorld:
    return make_holdings_world(platform)


# The register --------------------------------------------------------------------------------------


def test_an_upload_is_an_idempotent_upsert_and_keeps_no_raw_identifier(
    platform: Platform, hw: HoldingsWorld
) -> None:
    service, bank = holdings_of(platform), hw.dw.base.bank_a_op.principal
    rows = [
        HoldingRow("bank_card", CARD_A, HOLDER, "items.0"),
        HoldingRow("BANK_CARD ", CARD_A[:4] + " " + CARD_A[4:], HOLDER, "items.1"),  # the same card again
        HoldingRow("bank_card", CARD_C, OTHER.lower(), "items.2"),
    ]
    report = service.upload(bank, rows)
    assert (report.received, report.created, report.updated, report.unchanged) == (3, 2, 0, 0)
    again = service.upload(bank, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    moved = service.upload(bank, [HoldingRow("bank_card", CARD_A, OTHER, "items.0")])
    assert (moved.created, moved.updated) == (0, 1)
    with platform.sessions() as session:
        stored = session.scalars(select(Holding)).all()
        assert len(stored) == 2
        for row in stored:
            raw = b" ".join([row.object_ciphertext, row.phone_ciphertext or b""])
            assert CARD_A.encode() not in raw and HOLDER.encode() not in raw and OTHER.encode() not in raw
            # Art 9: no column holds anything the platform could turn back into the ID number.
            assert not hasattr(row, "holder_ciphertext")
            assert CARD_A not in row.object_masked and OTHER not in row.holder_masked
            assert "*" in row.holder_masked
        actions = [r.action for r in session.scalars(select(AuditRecord).order_by(AuditRecord.seq))]
    assert actions.count("holding.upload") == 3  # access to personal information is audited


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (HoldingRow("passport", CARD_A, HOLDER, "items.1"), "items.1.kind"),  # unknown kind
        (HoldingRow("bank_card", CARD_A, "43010419900307123X", "items.1"), "items.1.holder_id"),  # too long
        (HoldingRow("bank_card", CARD_A, HOLDER[:-1] + "0", "items.1"), "items.1.holder_id"),  # check char
        (HoldingRow("bank_card", "1234", HOLDER, "items.1"), "items.1.value"),
        (HoldingRow("phone", "13812345678", HOLDER, "items.1"), "items.1.kind"),  # a bank serves no phone
        (HoldingRow("bank_card", CARD_C, OTHER, "line 3"), "line 3"),  # two holders of one card
    ],
)
def test_a_bad_row_is_refused_naming_it_and_nothing_is_written(
    platform: Platform, hw: HoldingsWorld, row: HoldingRow, field: str
) -> None:
    service, bank = holdings_of(platform), hw.dw.base.bank_a_op.principal
    good = HoldingRow("bank_card", CARD_C, HOLDER, "items.0")
    with pytest.raises(ValidationFailed) as error:
        service.upload(bank, [good, row])
    assert error.value.field == field
    assert error.value.message_zh and error.value.message_en
    assert _rows(platform) == []


def test_csv_rows_are_checked_by_line(platform: Platform, hw: HoldingsWorld) -> None:
    service, bank = holdings_of(platform), hw.dw.base.bank_a_op.principal
    data = f"kind,value,holder_id\nbank_card,{CARD_A},{HOLDER}\nbank_card,{CARD_A},4301\n".encode()
    with pytest.raises(ValidationFailed) as error:
        service.upload(bank, parse_csv(data))
    assert error.value.field == "line 3" and "第 3 行" in error.value.message_zh
    with pytest.raises(ValidationFailed) as columns:
        parse_csv(b"card,holder\n1,2\n")
    assert columns.value.field == "file"
    report = service.upload(bank, parse_csv(data.rsplit(b"\n", 2)[0] + b"\n"))
    assert report.created == 1


def test_institutions_see_and_delete_only_their_own_declarations(
    platform: Platform, hw: HoldingsWorld
) -> None:
    declare_journey_1(platform, hw)
    service, base = holdings_of(platform), hw.dw.base
    [mine] = service.search(base.bank_a_op.principal)
    assert [h.org_id for h in service.search(base.bank_b_op.principal)] == [base.bank_b.id]
    before = _rows(platform)
    with pytest.raises(NotFound):
        service.withdraw(base.bank_b_op.principal, mine.id)  # bank B may not delete bank A's row
    assert _rows(platform) == before
    with platform.sessions() as session:
        denied = session.scalars(select(AuditRecord).where(AuditRecord.result == "denied")).all()
    assert [(r.action, r.object_id) for r in denied] == [("holding.delete", str(mine.id))]
    # The police and platform administrators keep no register (least privilege).
    for outsider in (base.analyst.principal, base.admin.principal):
        with pytest.raises(PermissionDenied):
            service.search(outsider)
        with pytest.raises(PermissionDenied):
            service.upload(outsider, [HoldingRow("bank_card", CARD_A, HOLDER, "items.0")])
    # Its owner withdraws it; a repeat answers alike, and nothing of the holder stays.
    service.withdraw(base.bank_a_op.principal, mine.id)
    service.withdraw(base.bank_a_op.principal, mine.id)
    assert service.search(base.bank_a_op.principal) == []
    with platform.sessions() as session:
        gone = session.get_one(Holding, mine.id)
        assert gone.withdrawn_at is not None and gone.holder_token == "" and gone.phone_ciphertext is None
    # Declared again, it is in force again.
    service.upload(base.bank_a_op.principal, [HoldingRow("bank_card", CARD_A, HOLDER, "items.0")])
    assert len(service.search(base.bank_a_op.principal)) == 1


# Linked disposal and the holder's other institutions (Art 20¶2, 28¶1, 29) ---------------------------

HOLDER_PHONE = "13912345678"  # the phone the holder registered with bank A: where notices go


def dispose(platform: Platform, hw: HoldingsWorld, kind: str, value: str) -> None:
    """The centre publishes a sample and linked disposal runs."""
    platform.samples.publish(
        hw.dw.base.analyst.principal,
        SamplePublish(kind=kind, value=value, fraud_type=FraudType.FAKE_INVESTMENT),
    )
    run_policy(platform)


def _orders(platform: Platform) -> list[tuple[int, str, str, str]]:
    with platform.sessions() as session:
        return sorted((o.org_id, o.measure, o.object_kind, o.article) for o in session.scalars(select(Order)))


def city_unit(platform: Platform, hw: HoldingsWorld) -> Person:
    """A city-level anti-fraud centre's commander (Art 29, AFL 31¶2: may determine joint punishment)."""
    city = make_org(platform, "changsha", OrgKind.POLICE_CITY, "430100", hw.dw.base.centre.id)
    return make_user(platform, "cscommander", city, Role.COMMANDER)


def joint(basis: str = "长公（反诈）惩字〔2026〕12号：帮信罪判决生效") -> OrderCreate:
    return OrderCreate(
        kind=IdentifierKind.RESIDENT_ID,
        value=HOLDER,
        measure=Measure.ASSOCIATED_RESTRICT,
        trigger=Trigger.JOINT_PUNISHMENT,
        basis=basis,
        reason="因提供银行卡帮助信息网络犯罪活动受过刑事处罚，实施联合惩戒",
    )


def test_a_mule_card_sample_restricts_the_card_only_not_its_holder_elsewhere(
    platform: Platform, hw: HoldingsWorld
) -> None:
    declare_journey_1(platform, hw)
    dispose(platform, hw, "bank_card", CARD_A)
    # Art 28¶1: the card is suspended at once. Restricting the holder's accounts at other institutions
    # would be joint punishment (Art 29): never automatic.
    assert _orders(platform) == [(hw.dw.base.bank_a.id, "suspend_business", "bank_card", "第二十八条第一款")]


def test_a_fraud_number_has_its_holders_platform_accounts_reverified_not_restricted(
    platform: Platform, hw: HoldingsWorld
) -> None:
    dw = hw.dw
    service = holdings_of(platform)
    service.upload(dw.cmcc.principal, [HoldingRow("phone", "13812345678", HOLDER, "items.0")])
    service.upload(dw.wechat.principal, [HoldingRow("internet_account", "wechat:wxid_h", HOLDER, "items.0")])
    service.upload(dw.qq.principal, [HoldingRow("internet_account", "qq:10001", OTHER, "items.0")])
    dispose(platform, hw, "phone", "13812345678")
    # Art 28¶1 on the number; Art 20¶2: WeChat re-verifies the accounts that person registered (QQ holds
    # another person's). Associated re-verification stays automatic.
    assert _orders(platform) == sorted(
        [
            (dw.cmcc.org.id, "suspend", "phone", "第二十八条第一款"),
            (dw.wechat.org.id, "associated_reverify", "resident_id", "第二十条第二款"),
        ]
    )
    with platform.sessions() as session:
        [associated] = session.scalars(select(Order).where(Order.measure == "associated_reverify")).all()
        assert associated.object_ciphertext == b"" and HOLDER not in associated.object_masked  # Art 9
        assert associated.trigger == "associated_account"
    # WeChat finds that person's accounts by the token the order names.
    [account] = holdings_of(platform).search(dw.wechat.principal, holder_token=associated.object_token)
    assert account.object_masked.startswith("wechat:")
    disposal = platform.disposal
    assert disposal is not None
    # Only a failed re-verification brings the restriction of those accounts (Art 20¶2 根据风险情况).
    disposal.receipt(
        dw.wechat.principal,
        associated.id,
        ReceiptCreate(status=OrderStatus.EXECUTED, verification=Verification.FAILED, notice_delivered=True),
    )
    assert (dw.wechat.org.id, "associated_restrict", "resident_id", "第二十条第二款") in _orders(platform)


def test_a_county_unit_cannot_restrict_a_person_across_institutions(
    platform: Platform, hw: HoldingsWorld
) -> None:
    declare_journey_1(platform, hw)
    disposal = platform.disposal
    assert disposal is not None
    with pytest.raises(PermissionDenied) as refused:
        disposal.issue(hw.dw.base.analyst.principal, joint())
    assert "第二十九条" in refused.value.message_zh and refused.value.field == "trigger"
    # A city unit does not order it by hand either: joint punishment is a listing decision (fanzha.credit).
    with pytest.raises(ValidationFailed) as by_hand:
        disposal.issue(city_unit(platform, hw).principal, joint())
    assert by_hand.value.field == "trigger" and "/api/v1/credit/listings" in by_hand.value.message_zh
    assert _orders(platform) == []
    with platform.sessions() as session:
        denied = session.scalars(select(AuditRecord).where(AuditRecord.result == "denied")).all()
    assert [r.action for r in denied] == ["order.issue"]


def test_a_city_unit_restricts_a_person_with_the_basis_recorded_and_a_notice_sent(
    platform: Platform, hw: HoldingsWorld
) -> None:
    """Joint punishment across institutions is a listing on the serious-dishonesty list (Art 29)."""
    declare_journey_1(platform, hw)
    dw = hw.dw
    service = holdings_of(platform)
    # Bank A knows the holder's registered phone: the written notice goes there by SMS.
    service.upload(
        dw.base.bank_a_op.principal, [HoldingRow("bank_card", CARD_A, HOLDER, "items.0", HOLDER_PHONE)]
    )
    [withdrawn] = service.search(hw.unionpay.principal)
    city = city_unit(platform, hw)
    proposer = make_user(platform, "csanalyst", city.org, Role.ANALYST)
    credit, disposal = platform.credit, platform.disposal
    assert credit is not None and disposal is not None and platform.appeals is not None
    listing = credit.propose(
        proposer.principal,
        ListingInput(
            SubjectKind.PERSON,
            HOLDER,
            "",
            Ground.CRIMINAL,
            Facts(),
            ["长公（反诈）惩字〔2026〕12号"],
            "帮信罪判决生效",
        ),
    )
    credit.decide(city.principal, listing.id, True, "判决生效，依法列入")
    _, pairs, _ = credit.get(city.principal, listing.id)
    orders = [o for _, o in pairs]
    # Every institution where the person holds accounts, by the register; UnionPay holds another's.
    people = {
        dw.base.bank_a.id: dw.base.bank_a_op,
        dw.base.bank_b.id: dw.base.bank_b_op,
        dw.alipay.org.id: dw.alipay,
        hw.tenpay.org.id: hw.tenpay,
    }
    assert sorted(o.org_id for o in orders) == sorted(people) and withdrawn.org_id not in people
    for item in orders:
        assert (item.article, item.trigger, item.issuer_org_id) == (
            "第二十九条第二款",
            "joint_punishment",
            city.org.id,
        )
        assert item.basis.startswith("联合惩戒名单") and item.object_ciphertext == b""
        disposal.receipt(people[item.org_id].principal, item.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    # One written notice for the listing, not one per institution.
    sent = [n for n in dw.notifier.sent if "申诉码" in n.text]
    assert len(sent) == 1 and {n.recipient for n in sent} == {"+86" + HOLDER_PHONE}
    assert city.org.name_zh in sent[0].text and "第二十九条" in sent[0].text
    # The person appeals with a code; upheld, the restriction is lifted at every institution at once.
    code = APPEAL_CODE.search(sent[0].text)
    assert code is not None
    appeal = platform.appeals.submit(code.group(1), "判决已撤销", "惩戒依据不存在", [], "10.1.1.1")
    assert appeal.deciding_org_id == city.org.id  # 谁决定谁负责
    _, releases = platform.appeals.decide(city.principal, appeal.id, True, "依据已撤销")
    assert sorted(r.org_id for r in releases) == sorted(people)
    with platform.sessions() as session:
        measures = session.scalars(select(Order).where(Order.measure != "release")).all()
        assert {o.status for o in measures} == {"released"}
        assert in_force(session, orders[0].object_token) == []


def test_the_holdings_are_read_a_fixed_number_of_times_per_batch(
    platform: Platform, hw: HoldingsWorld
) -> None:
    dw = hw.dw
    service = holdings_of(platform)
    phones = [f"1381234{n:04d}" for n in range(10)]
    service.upload(
        dw.cmcc.principal, [HoldingRow("phone", p, HOLDER, f"items.{i}") for i, p in enumerate(phones)]
    )
    service.upload(dw.wechat.principal, [HoldingRow("internet_account", "wechat:wxid_h", HOLDER, "items.0")])
    police = dw.base.analyst.principal
    for phone in phones:
        platform.samples.publish(
            police, SamplePublish(kind="phone", value=phone, fraud_type=FraudType.FAKE_INVESTMENT)
        )
    statements: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        if "holdings" in sql:
            statements.append(sql)

    event.listen(platform.engine, "before_cursor_execute", count)
    try:
        run_policy(platform)
    finally:
        event.remove(platform.engine, "before_cursor_execute", count)
    # One batch of ten samples: the associated query, and the notices' recipients (objects, people).
    assert len(statements) <= 3
    with platform.sessions() as session:
        reverify = session.scalar(
            select(func.count()).select_from(Order).where(Order.measure == "associated_reverify")
        )
    assert reverify == 1  # all ten numbers are the same person's: WeChat once
