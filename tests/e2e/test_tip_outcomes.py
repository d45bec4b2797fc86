"""A verified tip's warning or case outcome creates the thing over HTTP (Art 38¶1 调查处理, Art 28¶2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.bootstrap import Platform
from fanzha.funds.tables import FundsCase
from fanzha.tips.tables import Tip
from fanzha.warnings.tables import Warning_, WarnSignal
from tests.factories import World
from tests.integration.test_holdings import HOLDER

Login = Callable[[str], TestClient]


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _taken(client: TestClient, officer: TestClient, value: str) -> int:
    body = {"kind": "phone", "value": value, "text": "有人冒充客服让我母亲转账", "region_code": "430104"}
    _ok(client.post("/api/v1/public/tips", json=body), 201)
    tip_id = int(_ok(officer.get("/api/v1/tips"))[0]["id"])
    _ok(officer.post(f"/api/v1/tips/{tip_id}/take"))
    return tip_id


def _counts(platform: Platform) -> tuple[int, int, int]:
    with platform.sessions() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (WarnSignal, Warning_, FundsCase)
        )


def test_a_warning_outcome_creates_a_tip_signal_and_its_warning(
    platform: Platform, client: TestClient, login: Login, world: World
) -> None:
    officer = login("analyst")
    tip_id = _taken(client, officer, "+8617712340001")
    verdict = {
        "verdict": "verified",
        "outcome": "warning",
        "reason": "核查确认其母亲正在被冒充客服诈骗",
        "fraud_type": "fake_customer_service",
    }
    # No person, or a bad ID number: refused with the field and both languages, nothing created.
    before = _counts(platform)
    error = _ok(officer.post(f"/api/v1/tips/{tip_id}/verdict", json=verdict), 422)
    assert error["field"] == "person_id_number" and "身份证" in error["message_zh"] and error["message_en"]
    error = _ok(
        officer.post(f"/api/v1/tips/{tip_id}/verdict", json=verdict | {"person_id_number": "123"}), 422
    )
    assert error["field"] == "person_id_number"
    error = _ok(
        officer.post(
            f"/api/v1/tips/{tip_id}/verdict",
            json=verdict | {"person_id_number": HOLDER, "person_phone": "not a phone"},
        ),
        422,
    )
    assert error["field"] == "person_phone"
    assert _counts(platform) == before
    assert _ok(officer.get(f"/api/v1/tips/{tip_id}"))["tip"]["status"] == "verifying"

    body = verdict | {"person_id_number": HOLDER, "person_phone": "13912345678"}
    closed = _ok(officer.post(f"/api/v1/tips/{tip_id}/verdict", json=body))
    assert closed["status"] == "verified" and closed["warning_id"] and closed["case_id"] is None
    with platform.sessions() as session:
        signal = session.scalars(select(WarnSignal)).one()
        assert signal.kind == "tip" and signal.warning_id == closed["warning_id"]
        assert signal.source_ref.endswith(f"tip:{tip_id}") and signal.person_token != HOLDER
        assert session.get(Warning_, closed["warning_id"]) is not None
        tip = session.get(Tip, tip_id)
        assert tip is not None and tip.outcome_ref.startswith(f"预警 #{closed['warning_id']}")
    page = officer.get(f"/tips/{tip_id}")
    assert page.status_code == 200 and 'data-testid="warning"' in page.text
    assert f"预警 #{closed['warning_id']}" in page.text and HOLDER not in page.text


def test_a_case_outcome_creates_a_case_draft_linked_to_the_tip(
    platform: Platform, client: TestClient, login: Login, world: World
) -> None:
    officer = login("analyst")
    tip_id = _taken(client, officer, "+8617712340002")
    verdict = {
        "verdict": "verified",
        "outcome": "case",
        "reason": "经核查该号码为诈骗窝点使用，已立案",
        "fraud_type": "fake_investment",
    }
    closed = _ok(officer.post(f"/api/v1/tips/{tip_id}/verdict", json=verdict))
    assert closed["case_id"] and closed["warning_id"] is None
    with platform.sessions() as session:
        case = session.get(FundsCase, closed["case_id"])
        tip = session.get(Tip, tip_id)
        assert case is not None and tip is not None
        assert case.number == f"TIP-{tip.number}" and case.source == "tip" and case.confirmed_at is None
        assert case.org_id == world.county_x.id and case.scam_type == "investment"
        assert tip.number in case.summary and tip.outcome_ref == f"案件 {case.number}"
    # The tip's page links the case; the case waits among the unconfirmed for the police to confirm.
    page = officer.get(f"/tips/{tip_id}")
    assert f'href="/funds/cases/{closed["case_id"]}"' in page.text
    assert officer.get(f"/funds/cases/{closed['case_id']}").status_code == 200
    # A closed tip cannot be verified again (no second case).
    _ok(officer.post(f"/api/v1/tips/{tip_id}/verdict", json=verdict), 409)
    assert _counts(platform)[2] == 1
