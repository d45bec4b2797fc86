"""Accountability over HTTP: a bank with a high overdue rate is interviewed, gets a rectification item and
reports progress; a platform that failed Art 20¶2 gets a penalty case whose fine must lie in Art 41's range;
each party sees its own; every step audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.identity.domain import OrgKind, Role
from fanzha.identity.tables import Organisation
from fanzha.web.pdf import pdf_text
from tests.e2e.test_oversight_http import _login, _province
from tests.factories import make_user
from tests.oversight_world import NOV, _order, _org

A = "/api/v1/accountability"


def _platform_world(platform: Platform, centre: int) -> tuple[int, int, int]:
    with platform.sessions() as s:
        web = _org(s, "web-a", OrgKind.INTERNET, "430000")
        other = _org(s, "web-b", OrgKind.INTERNET, "430000")
        cac = _org(s, "cac", OrgKind.CYBERSPACE, "430000")
        # Art 20¶2: two orders to re-verify associated accounts, one refused, one never answered.
        refused = _order(s, 40, web, centre, timedelta(hours=4), ("refused", 30), "associated_reverify")
        _order(s, 41, web, centre, timedelta(hours=4), None, "associated_reverify")
        s.commit()
        orgs = {o.id: o for o in s.scalars(select(Organisation))}
    make_user(platform, "webop", orgs[web], Role.INSTITUTION_OPERATOR)
    make_user(platform, "webbop", orgs[other], Role.INSTITUTION_OPERATOR)
    make_user(platform, "cacanalyst", orgs[cac], Role.ANALYST)
    return web, other, refused.id


def _audits(platform: Platform, action: str) -> int:
    with platform.sessions() as s:
        return int(s.scalar(select(func.count()).where(AuditRecord.action == action)) or 0)


def test_bank_interviewed_rectifies_and_platform_fined_within_art_41(
    platform: Platform, clock: FrozenClock
) -> None:
    f, _ = _province(platform)
    web, _other, refused = _platform_world(platform, f.centre)
    chief = _login(platform, "chief")

    # 1. The bank with a high overdue rate (oversight's indicators) is interviewed (Art 24).
    interview = chief.post(
        f"{A}/interviews",
        json={
            "org_id": f.bank_a,
            "month": "2026-11",
            "attendees": "分管副行长、反诈专班负责人",
            "commitments": "一个月内将超期率降至 10% 以下",
        },
    )
    assert interview.status_code == 201, interview.text
    reasons = interview.json()["reasons"]
    assert any("超期率 40%" in r["text"] for r in reasons)
    # A bank whose figures show nothing is not interviewed without a stated reason.
    assert (
        chief.post(
            f"{A}/interviews",
            json={"org_id": f.bank_b, "month": "2026-11", "attendees": "x"},
        ).json()["field"]
        == "reasons"
    )

    # 2. A rectification item with a target, deadline and a progress cadence.
    item = chief.post(
        f"{A}/items",
        json={
            "kind": "rectification",
            "unit_org_id": f.bank_a,
            "title": "指令超期整治",
            "target": "超期率低于 10%",
            "deadline_days": 30,
            "report_every_days": 7,
            "interview_id": interview.json()["id"],
        },
    )
    assert item.status_code == 201, item.text
    item_id = item.json()["id"]
    assert item.json()["basis"] == "第二十四条第一款"

    # 3. The bank sees its own item and reports progress; another bank sees nothing.
    bank = _login(platform, "aop")
    mine = bank.get(f"{A}/items").json()
    assert [i["id"] for i in mine] == [item_id]
    reported = bank.post(
        f"{A}/items/{item_id}/reports",
        json={"kind": "progress", "text": "已调整值班，超期率降至 15%", "percent": 40},
    )
    assert reported.status_code == 201, reported.text
    # A retry with the same Idempotency-Key is answered once: the same report, not a second one.
    body = {"kind": "progress", "text": "第二周进展", "percent": 60}
    first = bank.post(f"{A}/items/{item_id}/reports", json=body, headers={"Idempotency-Key": "r-2"})
    again = bank.post(f"{A}/items/{item_id}/reports", json=body, headers={"Idempotency-Key": "r-2"})
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    page = bank.get(f"/accountability/items/{item_id}")
    assert page.status_code == 200 and "已调整值班" in page.text and "重点整治" in page.text

    # Overdue progress escalates: eight days without a report.
    clock.advance(timedelta(days=8))
    chief, bank = _login(platform, "chief"), _login(platform, "aop")  # sessions expire in a week
    swept = chief.post(f"{A}/items/sweep")
    assert swept.status_code == 200, swept.text
    assert swept.json()["escalated"] == [item_id]
    detail = chief.get(f"{A}/items/{item_id}").json()
    assert detail["escalation"] == 1 and detail["overdue"] == "report"

    # 4. The platform that failed Art 20¶2: a case opened by the cyberspace administration.
    cac = _login(platform, "cacanalyst")
    opened = cac.post(
        f"{A}/cases",
        json={
            "rule": "hn41",
            "respondent_org_id": web,
            "facts": "未按要求对涉诈异常账号的关联注册账号重新核验",
            "evidence": [
                {"kind": "order", "id": refused},
                {"kind": "indicator", "key": "overdue_rate", "period": "2026-11"},
            ],
        },
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["article"] == "《湖南省反电信网络诈骗若干规定》第四十一条"
    assert case["fine_ranges_fen"]["not_corrected"] == [5_000_000, 20_000_000]
    assert case["evidence"][0]["measure"] == "associated_reverify"
    # The platform's overdue rate as oversight computes it: one of its two orders never answered.
    assert case["evidence"][1]["value"] == 0.5 and case["evidence"][1]["label"] == "超期率"
    cid = case["id"]
    # A telecom authority may not open a case against a bank (not competent); a bank never opens one.
    assert (
        _login(platform, "pbc")
        .post(
            f"{A}/cases",
            json={"rule": "hn41", "respondent_org_id": web, "facts": "xxxx"},
        )
        .status_code
        == 403
    )
    order = cac.post(f"{A}/cases/{cid}/order", json={"days": 10})
    assert order.status_code == 200 and order.json()["state"] == "ordered"
    # Not yet overdue: 逾期不改正 refused; "serious" needs its own range.
    early = cac.post(
        f"{A}/cases/{cid}/propose",
        json={"circumstance": "not_corrected", "amount_fen": 10_000_000},
    )
    assert early.status_code == 409 and early.json()["code"] == "not_yet_overdue"
    clock.advance(timedelta(days=11))
    cac, bank = _login(platform, "cacanalyst"), _login(platform, "aop")
    # A fine outside Art 41's range is refused, naming the rule and the article; nothing changes.
    outside = cac.post(
        f"{A}/cases/{cid}/propose",
        json={"circumstance": "not_corrected", "amount_fen": 30_000_000},
    )
    assert outside.status_code == 422
    problem = outside.json()
    assert problem["code"] == "fine_out_of_range" and "第四十一条" in problem["message_zh"]
    assert "hn41" in problem["message_en"] and problem["field"] == "amount_fen"
    assert cac.get(f"{A}/cases/{cid}").json()["state"] == "ordered"
    proposed = cac.post(
        f"{A}/cases/{cid}/propose",
        json={"circumstance": "not_corrected", "amount_fen": 12_000_000, "note": "逾期未改正"},
    )
    assert proposed.status_code == 200, proposed.text
    notice = pdf_text(cac.get(f"{A}/cases/{cid}/notice.pdf").content).replace("\n", "")
    assert "行政处罚告知书" in notice and "120,000元" in notice and "听证" in notice
    # The platform asks for a hearing; the department records it and decides within the range.
    webop = _login(platform, "webop")
    assert webop.post(f"{A}/cases/{cid}/hearing-request", json={}).status_code == 200
    assert cac.post(f"{A}/cases/{cid}/hearing", json={"record": "当事人陈述"}).status_code == 200
    above = cac.post(f"{A}/cases/{cid}/decide", json={"amount_fen": 15_000_000})
    assert above.status_code == 422 and above.json()["code"] == "above_proposal"
    decided = cac.post(f"{A}/cases/{cid}/decide", json={"amount_fen": 10_000_000})
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "decided" and decided.json()["decision_sm3"]
    pdf = webop.get(f"{A}/cases/{cid}/decision.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content).replace("\n", "")
    assert (
        "行政处罚决定书" in text and "100,000元" in text and "第四十一条" in text and "第二十条第二款" in text
    )
    paid = cac.post(f"{A}/cases/{cid}/payment", json={"amount_fen": 10_000_000, "reference": "FK1"})
    assert paid.json()["state"] == "paid"

    # Authorisation: the respondent sees its case; another platform and a bank do not.
    assert webop.get(f"{A}/cases/{cid}").status_code == 200
    assert _login(platform, "webbop").get(f"{A}/cases/{cid}").status_code == 404
    assert bank.get(f"{A}/cases/{cid}").status_code == 404
    assert bank.get(f"{A}/cases").json() == []
    # The finance regulator sees the bank's item, not the platform's case.
    pbc = _login(platform, "pbc")
    assert [i["id"] for i in pbc.get(f"{A}/items").json()] == [item_id]
    assert pbc.get(f"{A}/cases").json() == []
    assert _audits(platform, "accountability.case.decide") == 1
    assert _audits(platform, "accountability.case.read") >= 3

    # The console: the case page shows the range in yuan, Chinese first.
    page = cac.get(f"/accountability/cases/{cid}")
    assert page.status_code == 200 and "50,000元 – 200,000元" in page.text and "第四十一条" in page.text
    assert "200,000元 – 500,000元" in page.text
    assert NOV.year == 2026
