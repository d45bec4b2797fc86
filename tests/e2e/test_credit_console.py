"""The list's console: the approval queue, approval from the page, the listing with its receipts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.credit.domain import Facts, Ground, SubjectKind
from fanzha.credit.service import ListingInput
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.web.app import create_app
from tests.factories import PASSWORD
from tests.integration.test_credit_service import make_credit_world
from tests.integration.test_holdings import HOLDER, OTHER


def _console(platform: Platform, username: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(platform=platform))
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    page = client.get("/credit")
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None, page.text
    return client, match.group(1)


def test_queue_approval_and_detail_with_receipts(platform: Platform) -> None:
    cw = make_credit_world(platform)
    credit = platform.credit
    assert credit is not None
    first = credit.propose(
        cw.city_analyst.principal,
        ListingInput(
            SubjectKind.PERSON, HOLDER, "", Ground.CARDS, Facts(items=3), ["认字31号"], "出售银行卡3张"
        ),
    )
    credit.propose(
        cw.city_analyst.principal,
        ListingInput(
            SubjectKind.PERSON, OTHER, "", Ground.FALSE_IDENTITY, Facts(), ["认字32号"], "冒用他人身份开卡"
        ),
    )
    page, csrf = _console(platform, "cscommander")
    board = page.get("/credit").text
    assert "待审批的认定" in board and first.number in board and HOLDER not in board
    assert f'data-testid="queue-{first.id}"' in board
    # A decision without a reason is refused on the page, in Chinese, and nothing changes.
    bad = page.post(f"/credit/listings/{first.id}/decision", data={"csrf_token": csrf, "approve": "true"})
    assert bad.status_code == 422 and "审批须说明理由" in bad.text
    done = page.post(
        f"/credit/listings/{first.id}/decision",
        data={"csrf_token": csrf, "approve": "true", "reason": "属实"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    _, pairs, _ = credit.get(cw.city_commander.principal, first.id)
    bank_order = next(o for _, o in pairs if o.measure == "restrict_non_counter")
    assert platform.disposal is not None
    platform.disposal.receipt(
        cw.hw.dw.base.bank_a_op.principal, bank_order.id, ReceiptCreate(status="executed")
    )  # type: ignore[arg-type]
    detail = page.get(done.headers["location"]).text
    assert "惩戒中" in detail and "限制非柜面出金" in detail and "已执行" in detail and "已下发" in detail
    assert "第二十九条第二款" in detail and "下载联合惩戒告知书" in detail and HOLDER not in detail
    assert "{" not in detail.split("<main", 1)[-1].split("</main>")[0]  # no raw JSON on the page
    # Filters and the English page.
    active = page.get("/credit", params={"status": "active"}).text
    assert f'data-testid="listing-{first.id}"' in active and "listing-" + str(first.id + 1) not in active
    english = page.get("/credit", headers={"Accept-Language": "en"}).text
    assert "Serious-dishonesty list" in english or "严重失信主体名单" in english
    # Institutions and county units do not see the list.
    bank, _ = TestClient(create_app(platform=platform)), None
    bank.post("/login", data={"username": "aop", "password": PASSWORD})
    assert bank.get("/credit").status_code == 403
