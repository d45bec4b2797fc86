"""Console forms to open a penalty case, record an interview and set an item (Art 5, 24, 36, 39-41),
Chinese first with an English switch; a refusal is shown on the page in both languages with its field,
and nothing is kept."""

from __future__ import annotations

from sqlalchemy import func, select

from fanzha.accountability.tables import Interview, PenaltyCase, TrackedItem
from fanzha.bootstrap import Platform
from tests.e2e.test_accountability_console import _console
from tests.e2e.test_accountability_http import _platform_world
from tests.e2e.test_oversight_http import _province


def _count(platform: Platform, model: type) -> int:
    with platform.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_open_a_penalty_case_from_the_console(platform: Platform) -> None:
    f, _ = _province(platform)
    web, _other, refused = _platform_world(platform, f.centre)
    page, csrf = _console(platform, "cacanalyst", "/accountability")
    board = page.get("/accountability").text
    assert 'data-testid="case-form"' in board and "行政处罚立案" in board and "第四十一条" in board
    form = {
        "csrf_token": csrf,
        "rule": "hn41",
        "respondent_org_id": str(web),
        "facts": "未按要求重新核验关联账号",
        "evidence_kind": "order",
        "evidence_id": str(refused),
    }
    # Refused on the page, both languages and the field, nothing kept: facts too short, an unknown rule,
    # a record number that is not a number, a department that is not competent for Art 40¶1.
    for changes, field in (
        ({"facts": "短"}, "facts"),
        ({"rule": "hn99"}, "rule"),
        ({"evidence_id": "abc"}, "evidence_id"),
    ):
        bad = page.post("/accountability/cases", data=form | changes, follow_redirects=False)
        assert bad.status_code == 422, (changes, bad.status_code)
        assert 'data-testid="case-error"' in bad.text and f"<code>{field}</code>" in bad.text, changes
        error = bad.text.split('data-testid="case-error"')[1].split("</p>")[0]
        assert '<span lang="zh-CN">' in error and '<span lang="en">' in error
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error.split('<span lang="en">')[0])
        assert (form["respondent_org_id"] and "未按要求重新核验关联账号" in bad.text) or field == "facts"
    # The form keeps what was typed.
    kept = page.post("/accountability/cases", data=form | {"facts": "短"}, follow_redirects=False).text
    assert ">短</textarea>" in kept
    assert _count(platform, PenaltyCase) == 0
    done = page.post("/accountability/cases", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/accountability/cases/")
    case = page.get(done.headers["location"]).text
    assert "第四十一条" in case and "未按要求重新核验关联账号" in case
    assert _count(platform, PenaltyCase) == 1
    # English on request: the form and its errors.
    page.get("/lang/en")
    english = page.post("/accountability/cases", data=form | {"facts": "x"}, follow_redirects=False).text
    assert "Open a penalty case" in english and "Field &#39;facts&#39;" in english
    # An institution reads its own cases but has no form to open one, and may not post it.
    web_page, web_csrf = _console(platform, "webop", "/accountability")
    assert 'data-testid="case-form"' not in web_page.get("/accountability").text
    denied = web_page.post(
        "/accountability/cases", data=form | {"csrf_token": web_csrf}, follow_redirects=False
    )
    assert denied.status_code == 403 and _count(platform, PenaltyCase) == 1


def test_record_an_interview_from_the_console(platform: Platform) -> None:
    f, _ = _province(platform)
    page, csrf = _console(platform, "chief", "/accountability")
    assert 'data-testid="interview-form"' in page.get("/accountability").text
    form = {
        "csrf_token": csrf,
        "org_id": str(f.bank_a),
        "month": "2026-11",
        "attendees": "行长、分管副行长",
        "commitments": "一个月内将超期率降至 5% 以下",
        "reasons": "群众投诉止付迟缓",
    }
    for changes, field in (({"month": "11/2026"}, "month"), ({"attendees": ""}, "attendees")):
        bad = page.post("/accountability/interviews", data=form | changes, follow_redirects=False)
        assert bad.status_code == 422 and f"<code>{field}</code>" in bad.text, changes
        error = bad.text.split('data-testid="interview-error"')[1].split("</p>")[0]
        assert f"字段「{field}」" in error and f"Field &#39;{field}&#39;" in error
    missing = page.post(
        "/accountability/interviews", data=form | {"org_id": "999999"}, follow_redirects=False
    )
    assert missing.status_code == 404 and 'data-testid="interview-error"' in missing.text
    assert _count(platform, Interview) == 0
    done = page.post("/accountability/interviews", data=form, follow_redirects=False)
    assert done.status_code == 303
    board = page.get("/accountability").text
    assert "行长、分管副行长" in board and "群众投诉止付迟缓" in board
    assert _count(platform, Interview) == 1


def test_set_a_rectification_item_from_the_console_and_the_unit_reports(platform: Platform) -> None:
    f, _ = _province(platform)
    page, csrf = _console(platform, "chief", "/accountability")
    board = page.get("/accountability").text
    assert 'data-testid="item-form"' in board and "交办整治、督办事项" in board and "重点整治" in board
    form = {
        "csrf_token": csrf,
        "kind": "rectification",
        "unit_org_id": str(f.bank_a),
        "title": "止付超期整治",
        "target": "三个月内止付超期率降至全省平均以下",
        "deadline_days": "90",
        "report_every_days": "30",
    }
    # Refused on the page with the field, in both languages, and nothing kept.
    for changes, field in (
        ({"deadline_days": "0"}, "deadline_days"),
        ({"deadline_days": "abc"}, "deadline_days"),
        ({"title": "整"}, "title"),
        ({"kind": "nonsense"}, "kind"),
    ):
        bad = page.post("/accountability/items", data=form | changes, follow_redirects=False)
        assert bad.status_code == 422, (changes, bad.status_code)
        error = bad.text.split('data-testid="item-error"')[1].split("</p>")[0]
        assert f"<code>{field}</code>" in error and '<span lang="en">' in error, changes
        assert "止付超期整治" in bad.text or field == "title"  # what was typed is kept
    missing = page.post(
        "/accountability/items", data=form | {"unit_org_id": "999999"}, follow_redirects=False
    )
    assert missing.status_code == 404 and 'data-testid="item-error"' in missing.text
    assert _count(platform, TrackedItem) == 0
    done = page.post("/accountability/items", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/accountability/items/")
    item_url = done.headers["location"]
    item = page.get(item_url).text
    assert "止付超期整治" in item and "第二十四条" in item and "30 天" in item
    assert _count(platform, TrackedItem) == 1
    # The unit sees it on its own board and files a progress report; the centre reads it.
    unit, unit_csrf = _console(platform, "aop", "/accountability")
    assert "止付超期整治" in unit.get("/accountability").text
    assert 'data-testid="item-form"' not in unit.get("/accountability").text
    sent = unit.post(
        f"{item_url}/report",
        data={"csrf_token": unit_csrf, "kind": "progress", "percent": "40", "text": "已增配夜班止付人员"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert "已增配夜班止付人员" in page.get(item_url).text and "40%" in page.get(item_url).text
    denied = unit.post("/accountability/items", data=form | {"csrf_token": unit_csrf}, follow_redirects=False)
    assert denied.status_code == 403 and _count(platform, TrackedItem) == 1
