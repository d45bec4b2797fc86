"""A small province whose indicators for November 2026 are computed by hand (see EXPECTED)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from fanzha.appeals.tables import Appeal
from fanzha.bootstrap import Platform
from fanzha.detect.tables import DetectAlert, DetectOutcome, DetectRun
from fanzha.disposal.tables import Notice, Order, OrderEvent
from fanzha.funds.tables import FundsCase, Instruction
from fanzha.identity.domain import OrgKind
from fanzha.identity.tables import Organisation
from fanzha.samples.tables import Sample, SampleSource, Sighting

NOV = datetime(2026, 11, 10, tzinfo=UTC)
MIN = timedelta(minutes=1)


@dataclass
class Fixture:
    """The organisations' ids."""

    centre: int
    city: int
    county: int
    bank_a: int
    bank_b: int
    telecom: int


def _org(s: Session, code: str, kind: OrgKind, region: str | None) -> int:
    org = Organisation(
        code=code,
        name_zh=f"单位{code}",
        name_en=code,
        kind=str(kind),
        region_code=region,
        active=True,
        created_at=NOV - timedelta(days=60),
    )
    s.add(org)
    s.flush()
    return org.id


def _order(
    s: Session,
    n: int,
    org: int,
    issuer: int,
    due: timedelta,
    answer: tuple[str, int] | None,
    measure: str = "suspend",
    appeal_id: int | None = None,
    at: datetime = NOV,
) -> Order:
    o = Order(
        org_id=org,
        issuer_org_id=issuer,
        issued_by="t",
        object_kind="phone",
        object_token=f"tok{n}",
        object_masked="138****0000",
        object_ciphertext=b"x",
        measure=measure,
        article="第二十八条",
        reason="r",
        status=answer[0] if answer else "issued",
        due_at=at + due,
        appeal_id=appeal_id,
        created_at=at,
        updated_at=at,
    )
    s.add(o)
    s.flush()
    s.add(OrderEvent(order_id=o.id, at=at, actor="t", status_from="", status_to="issued"))
    if answer:
        s.add(
            OrderEvent(order_id=o.id, at=at + 2 * MIN, actor="t", status_from="issued", status_to="delivered")
        )
        s.add(
            OrderEvent(
                order_id=o.id,
                at=at + answer[1] * MIN,
                actor="t",
                status_from="delivered",
                status_to=answer[0],
            )
        )
    return o


def _appeal(
    s: Session, n: int, notice: int, org: int, status: str, hours: float | None, fulfilled: bool, at: datetime
) -> int:
    a = Appeal(
        number=f"SS{n}",
        notice_id=notice,
        deciding_org_id=org,
        object_kind="phone",
        object_token=f"tok{n}",
        object_masked="138****0000",
        facts="f",
        reasons="r",
        status=status,
        due_at=at + timedelta(days=1),
        decided_at=at + timedelta(hours=hours) if hours is not None else None,
        institutions_fulfilled=fulfilled,
        created_at=at,
        updated_at=at,
    )
    s.add(a)
    s.flush()
    return a.id


def build(platform: Platform) -> Fixture:
    """Insert the fixture straight into the tables (the services' rules are tested elsewhere)."""
    with platform.sessions() as s:
        f = Fixture(
            _org(s, "hn", OrgKind.POLICE_PROVINCE, "430000"),
            _org(s, "cs", OrgKind.POLICE_CITY, "430100"),
            _org(s, "yl", OrgKind.POLICE_COUNTY, "430104"),
            _org(s, "bank-a", OrgKind.BANK, "430000"),
            _org(s, "bank-b", OrgKind.BANK, "430000"),
            _org(s, "tel", OrgKind.TELECOM, "430000"),
        )
        day = timedelta(days=1)
        hour = timedelta(hours=1)
        # Bank A, ordered by the county unit: 30, 90 min on time; 150 min late; one unanswered past due.
        o1 = _order(s, 1, f.bank_a, f.county, day, ("executed", 30))
        _order(s, 2, f.bank_a, f.county, day, ("executed", 90))
        _order(s, 3, f.bank_a, f.county, hour, ("executed", 150))
        _order(s, 4, f.bank_a, f.county, hour, None)
        # Bank B, ordered by the city unit: 10 min executed, refused at 20 min.
        _order(s, 5, f.bank_b, f.city, day, ("executed", 10))
        _order(s, 6, f.bank_b, f.city, day, ("refused", 20))
        # October: outside the month.
        _order(s, 9, f.bank_a, f.county, hour, None, at=NOV - timedelta(days=30))
        notice = Notice(
            order_id=o1.id,
            issuer_org_id=f.county,
            object_kind="phone",
            object_token="tok1",
            code_hash="h1",
            text="t",
            channel="sms",
            created_at=NOV,
        )
        s.add(notice)
        s.flush()
        appeal_at = NOV + 2 * day
        # Appeal 1: upheld, bank B had not done its duty; appeal 2: upheld, bank A had (Art 34¶3).
        a1 = _appeal(s, 1, notice.id, f.county, "released", 2, False, appeal_at)
        a2 = _appeal(s, 2, notice.id, f.county, "released", 6, True, appeal_at)
        _appeal(s, 3, notice.id, f.city, "submitted", None, True, appeal_at + day)
        _order(s, 7, f.bank_b, f.city, day, ("executed", 5), "release", a1)
        _order(s, 8, f.bank_a, f.centre, day, ("executed", 5), "release", a2)
        # Samples: bank A reports two (one confirmed), the telecom one (confirmed).
        for n, (org, status, region) in enumerate(
            [(f.bank_a, "active", "430104"), (f.bank_a, "pending", None), (f.telecom, "active", None)]
        ):
            smp = Sample(
                kind="phone",
                token=f"stok{n}",
                ciphertext=b"x",
                masked="m",
                fraud_type="fake_loan",
                status=status,
                confidence=80,
                risk_level="high",
                region_code=region,
                first_seen=NOV,
                last_seen=NOV,
                expires_at=NOV + 90 * day,
                created_at=NOV,
                updated_at=NOV,
            )
            s.add(smp)
            s.flush()
            s.add(
                SampleSource(
                    sample_id=smp.id,
                    org_id=org,
                    fraud_type="fake_loan",
                    confidence=80,
                    reported_at=NOV - day * n,
                )
            )
        for n in range(4):  # bank B: three sightings in November, one in October
            s.add(
                Sighting(
                    sample_id=smp.id,
                    org_id=f.bank_b,
                    outcome="hit",
                    seen_at=NOV + day * n if n < 3 else NOV - 30 * day,
                )
            )
        # Detection: the telecom's November run has 4 alerts, 3 made into something (one twice).
        for at, alerts in ((NOV + 3 * day, 4), (NOV - 30 * day, 2)):
            run = DetectRun(
                engine="abnormal_card",
                engine_version=1,
                backend="duckdb",
                data_dir="/d",
                requested_by="t",
                org_id=f.telecom,
                status="done",
                created_at=at,
            )
            s.add(run)
            s.flush()
            made = []
            for k in range(alerts):
                al = DetectAlert(
                    run_id=run.id,
                    kind="phone",
                    token=f"a{run.id}-{k}",
                    masked="m",
                    ciphertext=b"x",
                    score=0.9,
                    level="high",
                    reasons="r",
                )
                s.add(al)
                s.flush()
                made.append(al.id)
            for k, outcome in ((0, "sample"), (0, "order"), (1, "order"), (2, "warning")):
                if k < len(made):
                    s.add(DetectOutcome(run_id=run.id, alert_id=made[k], outcome=outcome, created_at=at))
        # Funds: bank A stopped 500.00, froze 300.00, returned 200.00 yuan in November (and 9.99 in October).
        case = FundsCase(
            number="AJ1", org_id=f.county, scam_type="fake_loan", summary="s", created_by="t", created_at=NOV
        )
        s.add(case)
        s.flush()
        for kind, fen, at in (
            ("stop_payment", 50000, NOV),
            ("freeze", 30000, NOV),
            ("return", 20000, NOV),
            ("stop_payment", 999, NOV - 30 * day),
        ):
            s.add(
                Instruction(
                    case_id=case.id,
                    kind=kind,
                    status="held",
                    org_id=f.bank_a,
                    issuer_org_id=f.county,
                    issued_by="t",
                    account_kind="bank_card",
                    account_token=f"acc{kind}{fen}",
                    account_masked="m",
                    account_ciphertext=b"x",
                    amount_fen=fen,
                    result_fen=fen,
                    answered_at=at + hour,
                    created_at=at,
                    updated_at=at,
                )
            )
        s.commit()
    return f


# November 2026 by hand (docs/oversight.md: nearest-rank percentiles, minutes).
EXPECTED_BANK_A = {
    "orders": 5,
    "late": 2,
    "overdue_rate": 0.4,
    "exec_median_min": 30.0,
    "exec_p90_min": 150.0,
    "executed": 4,
    "releases": 1,
    "wrongful": 0,
    "wrongful_rate": 0.0,
    "refused": 0,
    "samples": 2,
    "samples_confirmed": 1,
    "stopped_fen": 50000,
    "frozen_fen": 30000,
    "returned_fen": 20000,
}
EXPECTED_BANK_B = {
    "orders": 3,
    "late": 0,
    "overdue_rate": 0.0,
    "exec_median_min": 10.0,
    "exec_p90_min": 20.0,
    "refused": 1,
    "executed": 2,
    "releases": 1,
    "wrongful": 1,
    "wrongful_rate": 1.0,
    "sightings": 3,
}
EXPECTED_TELECOM = {
    "samples": 1,
    "samples_confirmed": 1,
    "detect_runs": 1,
    "alerts": 4,
    "alert_confirm_rate": 0.75,
}
