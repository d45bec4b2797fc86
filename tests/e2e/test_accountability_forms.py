"""Console forms to open a penalty case and record an interview (Art 24, 39-41), Chinese first with an
English switch; a refusal is shown on the page in both languages with its field, and nothing is kept."""

from __future__ import annotations

from sqlalchemy import func, select

from fanzha.accountability.tables import Interview, PenaltyCase
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
