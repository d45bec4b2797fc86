"""The holdings register on SQLite and PostgreSQL: upload, least privilege, and the associated orders."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import event, func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.errors import NotFound, PermissionDenied, ValidationFailed
from fanzha.disposal.domain import OrderStatus
from fanzha.disposal.holdings import HoldingRow, HoldingsService, parse_csv
from fanzha.disposal.release import in_force
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Holding, Order
from fanzha.identifiers import luhn_check_digit, resident_id_check_char
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
            raw = b" ".join([row.object_ciphertext, row.holder_ciphertext])
            assert CARD_A.encode() not in raw and HOLDER.encode() not in raw and OTHER.encode() not in raw
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
        assert gone.withdrawn_at is not None and gone.holder_token == "" and gone.holder_ciphertext == b""
    # Declared again, it is in force again.
    service.upload(base.bank_a_op.principal, [HoldingRow("bank_card", CARD_A, HOLDER, "items.0")])
    assert len(service.search(base.bank_a_op.principal)) == 1


# Linked disposal to the holder's other institutions (Art 18¶3) ----------------------------------------


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


def test_a_mule_card_restricts_its_holder_at_the_other_payment_institutions(
    platform: Platform, hw: HoldingsWorld
) -> None:
    declare_journey_1(platform, hw)
    dw = hw.dw
    platform.samples.publish(
        dw.base.analyst.principal,
        SamplePublish(kind="bank_card", value=CARD_A, fraud_type=FraudType.FAKE_INVESTMENT),
    )
    run_policy(platform)
    assert _orders(platform) == sorted(
        [
            (dw.base.bank_a.id, "suspend_business", "bank_card", "第十八条"),
            # Alipay and Tenpay hold accounts of the same person; UnionPay (another person) and bank B
            # (not a payment institution) get nothing.
            (dw.alipay.org.id, "associated_restrict", "resident_id", "第十八条第三款"),
            (hw.tenpay.org.id, "associated_restrict", "resident_id", "第十八条第三款"),
        ]
    )
    with platform.sessions() as session:
        associated = session.scalars(select(Order).where(Order.measure == "associated_restrict")).all()
        holder = {o.object_token for o in associated}
        assert {o.issuer_org_id for o in associated} == {dw.base.county_x.id}
        assert all(o.sample_id is not None and HOLDER not in o.object_masked for o in associated)
    assert holder == {h[2] for h in _rows(platform) if h[0] == dw.alipay.org.id}
    # Alipay finds that person's accounts by the token the order names.
    [account] = holdings_of(platform).search(dw.alipay.principal, holder_token=holder.pop())
    assert account.object_masked.startswith("alipay:")
    # A second sample of the same person (the Alipay account) adds no second order while one is in force.
    platform.samples.publish(
        dw.base.analyst.principal,
        SamplePublish(kind="payment_account", value="alipay:2088001", fraud_type=FraudType.FAKE_INVESTMENT),
    )
    run_policy(platform)
    assert (
        _orders(platform).count((hw.tenpay.org.id, "associated_restrict", "resident_id", "第十八条第三款"))
        == 1
    )
    assert (dw.alipay.org.id, "restrict", "payment_account", "第十八条") in _orders(platform)


def test_a_withdrawn_holding_orders_nothing(platform: Platform, hw: HoldingsWorld) -> None:
    declare_journey_1(platform, hw)
    service = holdings_of(platform)
    [tenpay_row] = service.search(hw.tenpay.principal)
    service.withdraw(hw.tenpay.principal, tenpay_row.id)
    platform.samples.publish(
        hw.dw.base.analyst.principal,
        SamplePublish(kind="bank_card", value=CARD_A, fraud_type=FraudType.FAKE_INVESTMENT),
    )
    run_policy(platform)
    assert [o[0] for o in _orders(platform) if o[1] == "associated_restrict"] == [hw.dw.alipay.org.id]


def test_the_holdings_are_read_once_per_batch(platform: Platform, hw: HoldingsWorld) -> None:
    declare_journey_1(platform, hw)
    police = hw.dw.base.analyst.principal
    others = [f"62220200001{n:04d}" for n in range(8)]
    for card in [CARD_A, CARD_B] + [c + luhn_check_digit(c) for c in others]:
        platform.samples.publish(
            police, SamplePublish(kind="bank_card", value=card, fraud_type=FraudType.FAKE_INVESTMENT)
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
    assert len(statements) == 1  # one batch of ten samples, one query of the register
    with platform.sessions() as session:
        restricted = session.scalar(
            select(func.count()).select_from(Order).where(Order.measure == "associated_restrict")
        )
    assert restricted == 2  # both cards are the same person's: Alipay and Tenpay once each


def test_an_upheld_appeal_on_the_card_lifts_the_restrictions_it_brought_on_its_holder(
    platform: Platform, hw: HoldingsWorld
) -> None:
    declare_journey_1(platform, hw)
    dw, police = hw.dw, hw.dw.base.analyst.principal
    dispose(platform, hw, "bank_card", CARD_A)
    disposal = platform.disposal
    assert disposal is not None and platform.appeals is not None
    people = {dw.base.bank_a.id: dw.base.bank_a_op, dw.alipay.org.id: dw.alipay, hw.tenpay.org.id: hw.tenpay}
    for item in disposal.search(police):
        disposal.receipt(people[item.org_id].principal, item.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    [code] = [
        m.group(1) for n in dw.notifier.sent if "中止业务" in n.text and (m := APPEAL_CODE.search(n.text))
    ]
    appeal = platform.appeals.submit(code, "这是我的工资卡，被冒用", "误判", [], "10.1.1.1")
    _, releases = platform.appeals.decide(police, appeal.id, True, "核实为本人正常使用")
    # Art 34¶2: released everywhere at once, the holder's accounts at Alipay and Tenpay included.
    assert sorted(r.org_id for r in releases) == sorted(people)
    with platform.sessions() as session:
        measures = session.scalars(select(Order).where(Order.measure != "release")).all()
    assert {o.status for o in measures} == {"released"}


def test_an_associated_restriction_another_sample_brought_stays_in_force(
    platform: Platform, hw: HoldingsWorld
) -> None:
    declare_journey_1(platform, hw)
    dw = hw.dw
    dispose(platform, hw, "payment_account", "alipay:2088001")  # the holder's account: a sample of its own
    dispose(platform, hw, "bank_card", CARD_A)
    with platform.sessions() as session:
        card = session.scalars(select(Order).where(Order.object_kind == "bank_card")).one()
        kept = in_force(session, card.object_token, derived=True)
    # The account's sample restricted the holder at Tenpay; the card's adds Alipay (Tenpay is in force).
    # Lifting the card lifts its own order and the restriction it brought, not the account's.
    assert sorted((o.org_id, o.measure) for o in kept) == sorted(
        [(dw.base.bank_a.id, "suspend_business"), (dw.alipay.org.id, "associated_restrict")]
    )
