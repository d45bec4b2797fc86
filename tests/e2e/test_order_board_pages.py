"""The order board pages by cursor, finds institutions by name, exports what it shows, opens each order."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.web.export import safe_cell, to_xlsx
from tests.e2e.test_disposal_journey import _sample
from tests.factories import World
from tests.integration.test_disposal_service import DisposalWorld, make_disposal_world

Login = Callable[[str], TestClient]
ORDERS = 53  # one page of 50 and a second of 3


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


@pytest.fixture
def world(dw: DisposalWorld) -> World:
    return dw.base


def _issue(analyst: TestClient, n: int) -> list[int]:
    ids = []
    for i in range(n):
        sample = _sample(analyst, f"1380013{i:04d}")
        made = analyst.post(
            "/api/v1/disposal/orders", json={"sample_id": sample, "measure": "suspend", "reason": "外呼异常"}
        )
        assert made.status_code == 201, made.text
        ids += [item["id"] for item in made.json()["items"]]
    return ids


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="order-(\d+)"', html)]


def test_board_pages_by_cursor_and_filters_by_typed_institution(
    login: Login, platform: Platform, dw: DisposalWorld
) -> None:
    analyst = login("analyst")
    issued = _issue(analyst, ORDERS)
    first = analyst.get("/disposal/orders")
    assert first.status_code == 200
    page_one = _ids(first.text)
    assert len(page_one) == 50 and page_one == sorted(page_one, reverse=True)
    next_url = re.search(r'href="([^"]+)" data-testid="next-page"', first.text)
    assert next_url is not None
    second = analyst.get(next_url.group(1).replace("&amp;", "&"))
    page_two = _ids(second.text)
    assert sorted(page_one + page_two) == sorted(issued)  # every order once, none repeated
    assert 'data-testid="next-page"' not in second.text
    # The picker: a typed code narrows to that institution; a partial name that fits several offers a choice.
    assert _ids(analyst.get("/disposal/orders", params={"org": "tel-cucc"}).text) == []
    assert len(_ids(analyst.get("/disposal/orders", params={"org": "tel-cmcc"}).text)) == 50
    several = analyst.get("/disposal/orders", params={"org": "tel-"})
    assert "匹配到多个单位" in several.text and "tel-cmcc" in several.text
    nothing = analyst.get("/disposal/orders", params={"org": "不存在的单位"})
    assert "没有匹配的单位" in nothing.text
    # No select of every organisation in the province any more.
    assert first.text.count("<option") < 20


def test_export_matches_the_board_and_is_audited(login: Login, platform: Platform, dw: DisposalWorld) -> None:
    analyst = login("analyst")
    issued = _issue(analyst, 3)
    exported = analyst.get("/disposal/orders/export", params={"format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[0][:2] == ["#", "接收单位"] and sorted(int(r[0]) for r in lines[1:]) == sorted(issued)
    assert all(r[4] == "暂停使用" and r[8] == "已下发" for r in lines[1:]), lines[1]  # labels, not codes
    xlsx = analyst.get("/disposal/orders/export", params={"format": "xlsx", "lang": "en"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    bad = analyst.get("/disposal/orders/export", params={"format": "pdf"})
    assert bad.status_code == 422 and bad.json()["field"] == "format"
    # An institution's export holds only its own orders.
    other = login("cuccop").get("/disposal/orders/export", params={"format": "csv"})
    assert len(list(csv.reader(io.StringIO(other.content.decode("utf-8-sig"))))) == 1
    with platform.sessions() as session:
        actions = session.scalars(
            select(AuditRecord.action).where(AuditRecord.action == "order.export")
        ).all()
    assert len(actions) == 3


def test_the_order_page_shows_its_history_and_audits_the_view(
    login: Login, platform: Platform, dw: DisposalWorld
) -> None:
    analyst = login("analyst")
    [order_id] = _issue(analyst, 1)
    operator = login("cmccop")
    board = operator.get("/disposal/orders")
    assert f'href="/disposal/orders/{order_id}"' in board.text
    token = str(operator.headers["X-CSRF-Token"])
    done = operator.post(
        f"/disposal/orders/{order_id}/receipt",
        data={"csrf_token": token, "status": "executed"},
        headers={"X-CSRF-Token": ""},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = operator.get(f"/disposal/orders/{order_id}")
    assert page.status_code == 200
    history = page.text[page.text.index('data-testid="history"') :]
    assert "已下发" in history and "已执行" in history
    assert "13800130000" in page.text  # the institution acting on the order sees the full number
    assert login("cuccop").get(f"/disposal/orders/{order_id}").status_code == 404  # not theirs
    with platform.sessions() as session:
        reads = session.scalars(select(AuditRecord).where(AuditRecord.action == "order.read")).all()
    assert any(r.object_id == str(order_id) for r in reads)


@pytest.mark.parametrize("text", ["=1+2", "+86 cmd", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_would_run_as_formulas_stay_text(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell(-3) == -3 and safe_cell("正常文本") == "正常文本"
    with zipfile.ZipFile(io.BytesIO(to_xlsx(["a"], [[text]]))) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b't="s"' in sheet  # a shared string, never a formula
