"""Issue 22 items 1 and 6 over HTTP: the victim's own report proven by a code and confirmed by the police;
a freeze's unclaimed money to the treasury after its notice, and a later refund (Hunan Art 35¶3)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import FanzhaError
from fanzha.disposal.notices import MemoryNotifier
from fanzha.funds import domain
from fanzha.funds.rules import ARTICLES, RULES
from fanzha.web.app import create_app
from tests.factories import PASSWORD
from tests.funds_world import COLLECTOR, card, case_body, make_funds_world

PHONE = "13812345671"


def _login(platform: Platform, username: str) -> TestClient:
    client = TestClient(create_app(platform=platform))
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]
    return client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_victim_reports_online_and_the_police_confirm_before_stopping(
    platform: Platform, clock: FrozenClock
) -> None:
    make_funds_world(platform)
    assert platform.disposal is not None
    notifier = MemoryNotifier()
    platform.disposal.notifier = notifier
    public = TestClient(create_app(platform=platform))
    _ok(public.post("/api/v1/public/funds/reports/otp", json={"phone": PHONE}), 202)
    code = re.search(r"验证码 (\d{6})", notifier.sent[-1].text)
    assert code is not None and "网上报案" in notifier.sent[-1].text
    report = {
        "phone": PHONE,
        "otp": code.group(1),
        "name": "刘某",
        "scam_type": "task",
        "summary": "刷单返利被骗",
        "loss_fen": 300_000,
        "account_kind": "bank_card",
        "account": card("621700", 401),
        "transfers": [
            {
                "at": (clock.now() - timedelta(minutes=20)).isoformat(),
                "amount_fen": 300_000,
                "channel": "mobile_banking",
                "payer_kind": "bank_card",
                "payer": card("621700", 401),
                "payee_kind": "bank_card",
                "payee": COLLECTOR,
            }
        ],
    }
    wrong = _ok(public.post("/api/v1/public/funds/reports", json=report | {"otp": "000000"}), 422)
    assert wrong["field"] == "otp"
    # the wrong code cost a try; a fresh code for the real report
    _ok(public.post("/api/v1/public/funds/reports/otp", json={"phone": PHONE}), 202)
    fresh = re.search(r"验证码 (\d{6})", notifier.sent[-1].text)
    assert fresh is not None
    accepted = _ok(public.post("/api/v1/public/funds/reports", json=report | {"otp": fresh.group(1)}), 201)
    assert accepted["status"] == "awaiting_confirmation" and accepted["number"].startswith("WB-")
    # replaying the consumed code is refused
    _ok(public.post("/api/v1/public/funds/reports", json=report | {"otp": fresh.group(1)}), 422)

    police = _login(platform, "analyst")
    waiting = _ok(police.get("/api/v1/funds/reports"))
    assert [w["number"] for w in waiting] == [accepted["number"]]
    case_id = waiting[0]["id"]
    transfer = _ok(police.get(f"/api/v1/funds/cases/{case_id}"))["transfers"][0]
    early = _ok(police.post(f"/api/v1/funds/transfers/{transfer['id']}/stop-payment", json={}), 409)
    assert early["message_en"].startswith("[intake.confirmed, Hunan Art 35¶1]")
    confirmed = _ok(police.post(f"/api/v1/funds/cases/{case_id}/confirmation"))
    assert confirmed["confirmed_by"] == "analyst" and confirmed["source"] == "portal"
    _ok(police.post(f"/api/v1/funds/cases/{case_id}/confirmation"), 409)
    _ok(police.post(f"/api/v1/funds/transfers/{transfer['id']}/stop-payment", json={}), 201)
    assert _ok(police.get("/api/v1/funds/reports")) == []
    # a bank cannot confirm, and everything was audited
    _ok(_login(platform, "aop").post(f"/api/v1/funds/cases/{case_id}/confirmation"), 403)
    with platform.sessions() as s:
        actions = set(s.scalars(select(AuditRecord.action)))
    assert {"funds.intake.submit", "funds.intake.confirm", "funds.intake_otp.issue"} <= actions


def _frozen_with_notice(platform: Platform, clock: FrozenClock) -> tuple[TestClient, int]:
    """A case, a freeze of ¥1,000 on the collector (frozen), verified 'return' and its notice published."""
    fw = make_funds_world(platform)
    police, bank_a = _login(platform, "analyst"), _login(platform, "aop")
    case = _ok(police.post("/api/v1/funds/cases", json=case_body(clock.now(), victims=2)), 201)
    freeze = _ok(
        police.post(
            "/api/v1/funds/freezes",
            json={
                "case_id": case["id"],
                "kind": "bank_card",
                "value": COLLECTOR,
                "account_name": "李某",
                "amount_fen": 100_000,
            },
        ),
        201,
    )
    head = _login(platform, "fcommander")
    _ok(head.post(f"/api/v1/funds/instructions/{freeze['id']}/approval", json={"approve": True}))
    _ok(
        bank_a.post(
            f"/api/v1/funds/inbox/{freeze['id']}/receipt", json={"outcome": "frozen", "amount_fen": 100_000}
        )
    )
    verdict = {"verdict": "return", "reason": "被害人无法确定，拟公告"}
    _ok(police.post(f"/api/v1/funds/instructions/{freeze['id']}/verification", json=verdict), 201)
    _ok(police.post(f"/api/v1/funds/instructions/{freeze['id']}/notice"), 201)
    assert fw.analyst
    return police, int(freeze["id"])


def test_unclaimed_money_goes_to_the_treasury_after_the_notice_and_is_refunded_later(
    platform: Platform, clock: FrozenClock
) -> None:
    police, freeze_id = _frozen_with_notice(platform, clock)
    body = {
        "investigation_ended_at": (clock.now() - timedelta(days=1)).isoformat(),
        "reason": "无法确定被害人",
    }
    early = _ok(police.post(f"/api/v1/funds/instructions/{freeze_id}/treasury", json=body), 409)
    assert early["message_en"].startswith("[treasury.unclaimed, Hunan Art 35¶3]")
    assert "第三十五条第三款" in early["message_zh"]
    clock.advance(timedelta(days=31))
    police = _login(platform, "analyst")  # the session ended with the days
    future = body | {"investigation_ended_at": (clock.now() + timedelta(days=1)).isoformat()}
    _ok(police.post(f"/api/v1/funds/instructions/{freeze_id}/treasury", json=future), 422)
    paid = _ok(police.post(f"/api/v1/funds/instructions/{freeze_id}/treasury", json=body), 201)
    assert paid["amount_fen"] == 100_000 and paid["refunded_fen"] == 0
    _ok(police.post(f"/api/v1/funds/instructions/{freeze_id}/treasury", json=body), 409)  # not twice
    detail = _ok(police.get("/api/v1/funds/instructions?kind=freeze"))
    assert next(i for i in detail if i["id"] == freeze_id)["status"] == "treasury"
    # a claimant appears later: refunded, never above what is left
    claim = {
        "claimant": "赵某",
        "account_kind": "bank_card",
        "account": card("621700", 501),
        "amount_fen": 60_000,
        "reason": "事后查明系被害人资金",
    }
    refund = _ok(police.post(f"/api/v1/funds/treasury/{paid['id']}/refunds", json=claim), 201)
    assert refund["amount_fen"] == 60_000 and card("621700", 501) not in str(refund)
    over = _ok(police.post(f"/api/v1/funds/treasury/{paid['id']}/refunds", json=claim), 422)
    assert over["message_en"].startswith("[treasury.refund_cap, Hunan Art 35¶3]")
    assert _ok(police.get("/api/v1/funds/treasury"))[0]["refunded_fen"] == 60_000
    _ok(police.post(f"/api/v1/funds/treasury/{paid['id']}/refunds", json=claim | {"amount_fen": -1}), 422)


def test_the_treasury_rule_quotes_article_35_paragraph_3() -> None:
    """The rule cites Hunan Art 35¶3, whose text says both the registration and the later refund."""
    for name in ("treasury.unclaimed", "treasury.refund_cap"):
        article = ARTICLES[RULES[name].article]
        assert article.cite_zh == "第三十五条第三款"
        assert "上缴国库" in article.text and "退还手续" in article.text


@given(
    paid=st.integers(1, 10**9),
    refunds=st.lists(st.integers(-10, 10**9), max_size=8),
)
def test_refunds_never_exceed_what_was_paid_in(paid: int, refunds: list[int]) -> None:
    done = 0
    for amount in refunds:
        try:
            domain.check_refund(amount, paid, done)
        except FanzhaError:
            continue
        done += amount
        assert amount > 0
    assert 0 <= done <= paid


@given(
    notice_end=st.integers(-100, 100),
    ended=st.integers(-100, 100),
    pending=st.integers(0, 3),
    remaining=st.integers(-5, 10**9),
)
def test_treasury_only_after_notice_and_investigation_and_never_more_than_left(
    notice_end: int, ended: int, pending: int, remaining: int
) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        paid = domain.check_treasury(
            now + timedelta(days=notice_end), now, pending, now + timedelta(days=ended), remaining
        )
    except FanzhaError as refused:
        assert refused.message_en.startswith("[treasury.unclaimed, Hunan Art 35¶3]")
        assert notice_end > 0 or ended > 0 or pending or remaining <= 0
        return
    assert notice_end <= 0 and ended <= 0 and not pending and paid == remaining > 0
