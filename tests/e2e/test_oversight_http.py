"""Oversight over HTTP: the monthly notification names the bank with a high overdue rate, in the PDF read
back; each role sees what Art 4 and 25 give it and no more; every read audited."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.identity.domain import OrgKind, Role
from fanzha.oversight.tables import NotificationArchive
from fanzha.web.app import create_app
from fanzha.web.pdf import pdf_text
from tests.factories import PASSWORD, make_user
from tests.oversight_world import Fixture, _order, _org, build


def _login(platform: Platform, username: str) -> TestClient:
    client = TestClient(create_app(platform=platform))
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]
    return client


def _province(platform: Platform) -> tuple[Fixture, int]:
    f = build(platform)
    with platform.sessions() as s:
        good = _org(s, "bank-c", OrgKind.BANK, "430000")
        for n in range(5):  # bank C: five orders executed within their deadline
            _order(s, 20 + n, good, f.city, timedelta(days=1), ("executed", 15 + n))
        regulator = _org(s, "pbc", OrgKind.REGULATOR, "430000")
        telecom_authority = _org(s, "ca", OrgKind.TELECOM_AUTHORITY, "430000")
        s.commit()
    from fanzha.identity.tables import Organisation

    with platform.sessions() as s:
        orgs = {o.id: o for o in s.scalars(select(Organisation))}
    make_user(platform, "chief", orgs[f.centre], Role.COMMANDER)
    make_user(platform, "citychief", orgs[f.city], Role.COMMANDER)
    make_user(platform, "countyanalyst", orgs[f.county], Role.ANALYST)
    make_user(platform, "aop", orgs[f.bank_a], Role.INSTITUTION_OPERATOR)
    make_user(platform, "pbc", orgs[regulator], Role.ANALYST)
    make_user(platform, "caanalyst", orgs[telecom_authority], Role.ANALYST)
    make_user(platform, "admin", orgs[f.centre], Role.PLATFORM_ADMIN)
    return f, good


def test_a_bank_with_a_high_overdue_rate_is_criticised_in_the_published_pdf(platform: Platform) -> None:
    f, good = _province(platform)
    chief = _login(platform, "chief")
    assert chief.post("/api/v1/oversight/notifications/draft?month=2026-13").status_code == 422
    drafted = chief.post("/api/v1/oversight/notifications/draft?month=2026-11")
    assert drafted.status_code == 201, drafted.text
    nid = drafted.json()["id"]
    content = chief.get(f"/api/v1/oversight/notifications/{nid}").json()["content"]
    judged = {r["org_id"]: r for r in content["ranking"]}
    assert judged[f.bank_a]["criticism"] and "超期率 40%" in judged[f.bank_a]["criticism"][0]
    assert judged[good]["praise"] and not judged[good]["criticism"]
    # Institutions see no draft; the city's commander may not publish (Art 24: the provincial centre).
    bank = _login(platform, "aop")
    assert bank.get(f"/api/v1/oversight/notifications/{nid}").status_code == 404
    assert (
        _login(platform, "citychief")
        .post(f"/api/v1/oversight/notifications/{nid}/publish", json={})
        .status_code
        == 403
    )
    published = chief.post(f"/api/v1/oversight/notifications/{nid}/publish", json={"note": "同意"})
    assert published.status_code == 200, published.text
    assert (
        chief.post(f"/api/v1/oversight/notifications/{nid}/publish", json={"note": "同意"}).status_code == 409
    )
    digest = published.json()["sm3"]
    pdf = bank.get(f"/api/v1/oversight/notifications/{nid}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    criticised = text.split("五、通报批评")[1]
    praised = text.split("四、通报表扬")[1].split("五、通报批评")[0]
    assert "单位bank-a" in criticised and "超期率" in criticised
    assert "单位bank-c" in praised and "单位bank-c" not in criticised
    assert "各行业指标" in text and {s["code"] for s in content["sectors"]} == {"bank", "telecom"}
    from fanzha.core.sm import sm3_hex

    assert sm3_hex(pdf.content) == digest
    # Delivered: the bank's feed carries the publication naming it among the criticised.
    items = bank.get("/api/v1/oversight/feed").json()["items"]
    assert items and f.bank_a in items[0]["payload"]["criticised_org_ids"]
    assert f.bank_a in items[0]["payload"]["org_ids"]
    # The console page shows the same.
    page = _login(platform, "chief").get(f"/oversight/notifications/{nid}")
    assert page.status_code == 200 and f'data-testid="criticism-{f.bank_a}"' in page.text
    with platform.sessions() as s:
        assert s.scalar(select(func.count()).select_from(NotificationArchive)) == 1


def test_each_role_sees_only_what_it_may_and_reads_are_audited(platform: Platform) -> None:
    f, good = _province(platform)
    bank = _login(platform, "aop")
    own = bank.get(f"/api/v1/oversight/scorecards/{f.bank_a}?month=2026-11")
    assert own.status_code == 200, own.text
    assert own.json()["values"]["orders"] == 5 and own.json()["peers"] == 3
    # The sector median of the overdue rate over banks A (0.4), B (0) and C (0).
    assert own.json()["medians"]["overdue_rate"] == 0.0
    assert bank.get(f"/api/v1/oversight/scorecards/{f.bank_b}").status_code == 404
    assert bank.get("/api/v1/oversight/dashboard").status_code == 403
    assert bank.get("/api/v1/oversight/indicators").status_code == 403
    assert "单位bank-b" not in bank.get("/oversight/scorecard?month=2026-11").text
    # The financial regulator reads banks, not the telecom; the telecom authority the reverse.
    pbc = _login(platform, "pbc")
    rows = pbc.get("/api/v1/oversight/indicators?period=2026-11").json()["items"]
    assert {r["key"] for r in rows} == {str(f.bank_a), str(f.bank_b), str(good)}
    assert pbc.get(f"/api/v1/oversight/scorecards/{f.telecom}").status_code == 404
    ranked = pbc.get("/api/v1/oversight/indicators?period=2026-11&rank_by=overdue_rate").json()["items"]
    assert ranked[-1]["key"] == str(f.bank_a)  # lower is better: the worst last
    bad = pbc.get("/api/v1/oversight/indicators?rank_by=nonsense")
    assert bad.status_code == 422 and bad.json()["field"] == "rank_by"
    assert pbc.get("/api/v1/oversight/indicators?period=2026-W60&span=week").status_code == 422
    ca = _login(platform, "caanalyst")
    assert {r["key"] for r in ca.get("/api/v1/oversight/indicators?period=2026-11").json()["items"]} == {
        str(f.telecom)
    }
    # Police by region: the county unit counts only the orders it issued (4 of bank A's 5).
    county = _login(platform, "countyanalyst")
    rows = county.get("/api/v1/oversight/indicators?period=2026-11").json()["items"]
    assert {r["key"]: r["values"]["orders"] for r in rows if r["values"]["orders"]} == {str(f.bank_a): 4}
    dash = _login(platform, "chief").get("/api/v1/oversight/dashboard?month=2026-11").json()
    assert {c["key"]: c["values"]["orders"] for c in dash["cities"]} == {"430100": 12, "430000": 1}
    assert len(dash["trend"]) == 12 and dash["trend"][-1]["values"]["orders"] == 13
    assert _login(platform, "admin").get("/api/v1/oversight/dashboard").status_code == 403
    page = _login(platform, "chief").get("/oversight?month=2026-11")
    assert page.status_code == 200 and "data-chart" in page.text and "单位bank-a" in page.text
    assert "月度趋势" in page.text
    english = _login(platform, "chief").get("/oversight?month=2026-11&lang=en")
    assert "Monthly trend" in english.text and "Province dashboard" in english.text
    with platform.sessions() as s:
        actions = dict(
            s.execute(select(AuditRecord.action, func.count()).group_by(AuditRecord.action)).all()  # type: ignore[arg-type]
        )
    assert actions.get("oversight.scorecard.read", 0) >= 2
    assert actions.get("oversight.indicators.read", 0) >= 3
    assert actions.get("oversight.dashboard.read", 0) >= 2
    with platform.sessions() as s:
        denied = s.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "oversight.scorecard.read", AuditRecord.result == "denied")
        )
    assert denied == 2
