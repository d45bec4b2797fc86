"""Art 27¶2: medical, education, logistics, transport and public-service units join the sample library.

An education-sector unit contributes a sample, the police confirm it, and the unit receives it in the feed;
it may do nothing else (no orders, credit checks, scorecards); its sector appears in the indicators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.identity.domain import (
    ORG_KIND_LABELS,
    SHARING_BASIS,
    SHARING_KINDS,
    SHARING_PERMISSIONS,
    OrgKind,
    Permission,
    Principal,
    Role,
    roles_allowed_for,
)
from fanzha.identity.tables import Organisation
from fanzha.law import article
from fanzha.oversight.domain import Grain, Scope, Span
from fanzha.oversight.notifications import SECTOR_CODES
from fanzha.samples.domain import SECTOR_KINDS
from tests.factories import World, make_user
from tests.integration.test_holdings import CARD_A

Login = Callable[[str], TestClient]


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_the_sharing_sectors_cite_art_27_and_are_the_five_it_names() -> None:
    citation, quote = SHARING_BASIS
    assert citation == "第二十七条第二款" and quote in article(citation)
    names = {"医疗": OrgKind.MEDICAL, "教育": OrgKind.EDUCATION, "快递物流": OrgKind.LOGISTICS}
    names |= {"交通运输": OrgKind.TRANSPORT, "公共服务": OrgKind.PUBLIC_SERVICE}
    assert all(word in quote for word in names) and set(names.values()) == SHARING_KINDS
    for kind in SHARING_KINDS:
        assert kind.is_sharing and not kind.is_institution and not kind.is_police
        assert roles_allowed_for(kind) == {Role.INSTITUTION_OPERATOR, Role.INSTITUTION_ADMIN}
        assert SECTOR_KINDS[kind] and str(kind) in SECTOR_CODES and ORG_KIND_LABELS[kind][0]
        # Whatever the role holds for a bank, a sharing sector holds the sample library only.
        for role in (Role.INSTITUTION_OPERATOR, Role.INSTITUTION_ADMIN):
            who = Principal(1, "u", 1, kind, role)
            bank = Principal(1, "u", 1, OrgKind.BANK, role)
            assert {p for p in Permission if who.can(p)} <= SHARING_PERMISSIONS
            assert who.can(Permission.SAMPLE_PUBLISH) and who.can(Permission.SAMPLE_READ)
            assert bank.can(Permission.ORDER_RECEIPT) and bank.can(Permission.CREDIT_CHECK)
            assert not who.can(Permission.ORDER_RECEIPT) and not who.can(Permission.CREDIT_CHECK)


def test_an_education_unit_contributes_a_sample_and_receives_the_feed(
    platform: Platform, login: Login, world: World
) -> None:
    # The platform administrator registers the school (the console and the API offer the new kinds).
    admin = login("admin")
    page = admin.get("/admin/organisations")
    assert page.status_code == 200 and "教育机构" in page.text and "快递物流企业" in page.text
    body = {"code": "csu", "name_zh": "某大学", "kind": "education", "region_code": "430104"}
    org_id = _ok(admin.post("/api/v1/organisations", json=body), 201)["id"]
    with platform.sessions() as session:
        school = session.get(Organisation, org_id)
        assert school is not None
        session.expunge(school)
    make_user(platform, "eduop", school, Role.INSTITUTION_OPERATOR)
    edu = login("eduop")

    # A card is the banks' to report; a scam link the school's students met is the school's to share.
    error = _ok(
        edu.post(
            "/api/v1/samples",
            json={"kind": "bank_card", "value": CARD_A, "fraud_type": "fake_loan"},
        ),
        403,
    )
    assert error["field"] == "kind" and "本行业" in error["message_zh"] and error["message_en"]
    sample = {
        "kind": "url",
        "value": "https://fake-scholarship.example.com/apply",
        "fraud_type": "fake_loan",
        "confidence": 70,
        "evidence": "多名学生收到冒充助学贷款的短信链接",
        "region_code": "430104",
    }
    reported = _ok(edu.post("/api/v1/samples", json=sample), 201)["sample"]
    assert reported["status"] == "pending"
    after = _ok(edu.get("/api/v1/samples/feed"))["next_after"]
    # The police confirm it; the school then receives it in the feed like any institution.
    analyst = login("analyst")
    _ok(analyst.post(f"/api/v1/samples/{reported['id']}/confirm", json={"reason": "核实为诈骗网站"}))
    feed = _ok(edu.get("/api/v1/samples/feed", params={"after": after}))
    assert any(
        item["payload"].get("id", item["payload"].get("sample_id")) == reported["id"]
        for item in feed["items"]
    )
    # Nothing beyond the sample library (Art 27¶2): no orders, credit checks or scorecards.
    for path in ("/api/v1/disposal/orders", "/api/v1/oversight/indicators"):
        assert edu.get(path).status_code == 403, path

    # The indicators list the education sector with the sample it contributed (Art 25, 27¶2).
    assert platform.oversight is not None
    with platform.sessions() as session:
        week = platform.oversight.period(Span.WEEK, None)
        rows = platform.oversight.rows(session, Scope(), Grain.SECTOR, [week])
    education = [r for r in rows if r.key == "education"]
    assert education and education[0].values.get("samples") == 1 and education[0].name == "教育机构"
