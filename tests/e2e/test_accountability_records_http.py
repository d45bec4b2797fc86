"""Accountability's other records over HTTP: inspections that become penalty cases (Art 15, 40),
suggestions and transfers answered in writing (Art 36), supervised items (Art 5), internal controls and
risk assessments (Art 5, 11), the roster (Art 6) and the licensed-institution check (Art 22)."""

from __future__ import annotations

from sqlalchemy import select

from fanzha.bootstrap import Platform
from fanzha.identity.domain import OrgKind, Role
from fanzha.identity.tables import Organisation
from tests.e2e.test_oversight_http import _login, _province
from tests.factories import make_user
from tests.oversight_world import _org

A = "/api/v1/accountability"


def _more(platform: Platform) -> dict[str, int]:
    with platform.sessions() as s:
        ids = {"web": _org(s, "web-a", OrgKind.INTERNET, "430000")}
        s.commit()
        orgs = {o.code: o for o in s.scalars(select(Organisation))}
    make_user(platform, "webop", orgs["web-a"], Role.INSTITUTION_OPERATOR)
    make_user(platform, "telop", orgs["tel"], Role.INSTITUTION_OPERATOR)
    make_user(platform, "bop", orgs["bank-b"], Role.INSTITUTION_OPERATOR)
    ids.update({k: orgs[k].id for k in ("pbc", "ca", "bank-a", "bank-b", "tel", "cs")})
    return ids


def test_inspections_become_penalty_cases_within_art_40(platform: Platform) -> None:
    f, _ = _province(platform)
    ids = _more(platform)
    chief = _login(platform, "chief")
    hotel = chief.post(
        f"{A}/inspections",
        json={
            "kind": "venue",
            "venue_name": "某某宾馆",
            "venue_type": "hotel",
            "venue_address": "长沙市岳麓区",
            "findings": ["sim_box"],
            "reported_to_police": False,
            "measures": "现场拆除",
        },
    )
    assert hotel.status_code == 201, hotel.text
    assert "第十五条第一款" in hotel.json()["duty_failed"]
    case = chief.post(f"{A}/inspections/{hotel.json()['id']}/case", json={})
    assert case.status_code == 201, case.text
    c = case.json()
    assert (
        c["rule"] == "hn40-1" and c["venue_name"] == "某某宾馆" and c["evidence"][0]["kind"] == "inspection"
    )
    assert c["fine_ranges_fen"] == {"serious": [1_000_000, 5_000_000]}
    again = chief.post(f"{A}/inspections/{hotel.json()['id']}/case", json={})
    assert again.status_code == 409
    # Art 40¶1: a warning, no deadline to correct; a fine only when serious, 10,000-50,000 yuan.
    assert chief.post(f"{A}/cases/{c['id']}/order", json={}).json()["state"] == "ordered"
    refused = chief.post(
        f"{A}/cases/{c['id']}/propose",
        json={"circumstance": "serious", "amount_fen": 6_000_000},
    )
    assert refused.status_code == 422 and "第四十条第一款" in refused.json()["message_zh"]
    wrong = chief.post(
        f"{A}/cases/{c['id']}/propose",
        json={"circumstance": "not_corrected", "amount_fen": 2_000_000},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "fine_not_provided"

    # An operator's facilities: devices found, nothing done → the telecom authority's case (Art 40¶2).
    ca = _login(platform, "caanalyst")
    facility = ca.post(
        f"{A}/inspections",
        json={"kind": "facility", "subject_org_id": ids["tel"], "findings": ["multi_card"], "measures": ""},
    )
    assert facility.status_code == 201 and "第十五条第二款" in facility.json()["duty_failed"]
    # The police may not decide an Art 40¶2 case: the telecom authority does.
    assert chief.post(f"{A}/inspections/{facility.json()['id']}/case", json={}).status_code == 403
    opened = ca.post(f"{A}/inspections/{facility.json()['id']}/case", json={})
    assert opened.status_code == 201 and opened.json()["rule"] == "hn40-2"
    # Art 39: the national law's Art 41 may govern instead, and the case says so.
    higher = ca.post(
        f"{A}/cases",
        json={
            "rule": "hn40-2",
            "higher_law": "afl41",
            "respondent_org_id": ids["tel"],
            "facts": "未定期排查外联设备",
        },
    )
    assert higher.status_code == 201, higher.text
    assert higher.json()["article"] == "《中华人民共和国反电信网络诈骗法》第四十一条"
    assert "第三十九条" in ca.get(f"{A}/cases/{higher.json()['id']}").json()["events"][0]["note"]
    bad = ca.post(
        f"{A}/cases",
        json={"rule": "hn40-2", "higher_law": "afl40", "respondent_org_id": ids["tel"], "facts": "xxxx"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "higher_law"
    # The operator records its own facility check; it sees its own inspections only.
    telop = _login(platform, "telop")
    own = telop.post(
        f"{A}/inspections",
        json={"kind": "facility", "findings": [], "measures": "巡检无异常"},
    )
    assert (
        own.status_code == 201
        and own.json()["subject_org_id"] == ids["tel"]
        and not own.json()["duty_failed"]
    )
    assert telop.post(f"{A}/inspections", json={"kind": "venue", "venue_name": "x"}).status_code == 403
    assert {i["subject_org_id"] for i in telop.get(f"{A}/inspections").json()} == {ids["tel"]}
    board = chief.get("/accountability")
    assert board.status_code == 200 and "某某宾馆" in board.text and "第十五条第一款" in board.text
    assert f.bank_a


def test_suggestions_transfers_and_supervision_are_answered_in_writing(platform: Platform) -> None:
    f, _ = _province(platform)
    ids = _more(platform)
    chief = _login(platform, "chief")
    base = {"title": "个人信息保护漏洞", "deadline_days": 15}
    missing = chief.post(
        f"{A}/items",
        json={**base, "kind": "procuratorial_suggestion", "unit_org_id": f.bank_a},
    )
    assert missing.status_code == 422 and missing.json()["field"] == "issuer_name"
    suggestion = chief.post(
        f"{A}/items",
        json={
            **base,
            "kind": "procuratorial_suggestion",
            "unit_org_id": f.bank_a,
            "issuer_name": "长沙市人民检察院",
        },
    ).json()
    assert suggestion["basis"] == "第三十六条第二款"
    bank = _login(platform, "aop")
    # The owner may not close before the written reply.
    assert chief.post(f"{A}/items/{suggestion['id']}/close", json={}).status_code == 409
    reply = bank.post(
        f"{A}/items/{suggestion['id']}/reports",
        json={"kind": "reply", "text": "已整改客户信息查询权限"},
    )
    assert reply.status_code == 201
    assert _login(platform, "bop").get(f"{A}/items/{suggestion['id']}").status_code == 404
    closed = chief.post(f"{A}/items/{suggestion['id']}/close", json={"note": "同意"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    # Art 36¶1: transfers go to administrative organs, which feed back in writing.
    to_bank = chief.post(
        f"{A}/items",
        json={**base, "kind": "transfer", "unit_org_id": f.bank_a, "issuer_name": "岳麓区人民法院"},
    )
    assert to_bank.status_code == 422
    transfer = chief.post(
        f"{A}/items",
        json={**base, "kind": "transfer", "unit_org_id": ids["pbc"], "issuer_name": "岳麓区人民法院"},
    ).json()
    pbc = _login(platform, "pbc")
    fed = pbc.post(
        f"{A}/items/{transfer['id']}/reports",
        json={"kind": "feedback", "text": "已作出警告处理"},
    )
    assert fed.status_code == 201
    assert pbc.get(f"{A}/items/{transfer['id']}").json()["status"] == "answered"
    # Art 5 督办: a city unit's supervised item, progress then a closing report.
    supervised = chief.post(
        f"{A}/items",
        json={**base, "kind": "supervision", "unit_org_id": ids["cs"], "title": "督办某电诈案件"},
    ).json()
    city = _login(platform, "citychief")
    assert (
        city.post(
            f"{A}/items/{supervised['id']}/reports",
            json={"kind": "closing", "text": "已破案"},
        ).status_code
        == 201
    )
    # A unit never reports on another's item.
    assert bank.post(
        f"{A}/items/{supervised['id']}/reports", json={"kind": "progress", "text": "x"}
    ).status_code in (403, 404)


def test_controls_roster_and_the_licensed_check(platform: Platform) -> None:
    f, _ = _province(platform)
    ids = _more(platform)
    bank = _login(platform, "aop")
    risky = bank.post(
        f"{A}/controls",
        json={
            "kind": "assessment",
            "business_line": "线上快捷开户",
            "summary": "远程开户易被买卖",
            "risk_level": "high",
            "conclusion": "launch",
        },
    )
    assert risky.status_code == 422 and "第十一条第二款" in risky.json()["message_zh"]
    ok = bank.post(
        f"{A}/controls",
        json={
            "kind": "assessment",
            "business_line": "线上快捷开户",
            "summary": "远程开户易被买卖",
            "risk_level": "high",
            "conclusion": "refuse",
        },
    )
    assert ok.status_code == 201
    assert bank.post(f"{A}/controls", json={"kind": "control", "summary": "反诈内控制度"}).status_code == 201
    pbc = _login(platform, "pbc")
    assert {c["org_id"] for c in pbc.get(f"{A}/controls").json()} == {f.bank_a}
    assert _login(platform, "caanalyst").get(f"{A}/controls").json() == []
    assert _login(platform, "bop").get(f"{A}/controls").json() == []

    assert (
        bank.post(
            f"{A}/roster",
            json={"kind": "volunteer", "name": "张三", "speciality": "反诈宣传"},
        ).status_code
        == 201
    )
    assert [r["name"] for r in bank.get(f"{A}/roster").json()] == ["张三"]
    assert _login(platform, "bop").get(f"{A}/roster").json() == []
    assert [r["org_id"] for r in _login(platform, "chief").get(f"{A}/roster").json()] == [f.bank_a]

    registered = pbc.post(
        f"{A}/licensed",
        json={"name": "湖南某某证券股份有限公司", "licence_no": "ZQ-430001", "kind": "securities"},
    )
    assert registered.status_code == 201, registered.text
    assert (
        pbc.post(
            f"{A}/licensed",
            json={"name": "湖南某某证券股份有限公司", "licence_no": "ZQ-430001", "kind": "securities"},
        ).status_code
        == 409
    )
    web = _login(platform, "webop")
    found = web.get(f"{A}/licensed/check", params={"name": "湖南某某证券股份有限公司"}).json()
    assert found["licensed"] is True and found["matches"][0]["licence_no"] == "ZQ-430001"
    assert web.get(f"{A}/licensed/check", params={"name": "荐股大师工作室"}).json()["licensed"] is False
    assert web.get(f"{A}/licensed/check").status_code == 422
    assert (
        web.post(f"{A}/licensed", json={"name": "xx", "licence_no": "x1", "kind": "fund"}).status_code == 403
    )
    assert (
        _login(platform, "caanalyst")
        .post(f"{A}/licensed", json={"name": "xx", "licence_no": "x1", "kind": "fund"})
        .status_code
        == 403
    )
    assert ids["web"]
