"""The funds console: police report a case and stop payment; the bank answers from its board; approvals."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.core.clock import SHANGHAI, FrozenClock
from fanzha.web.app import create_app
from tests.factories import PASSWORD
from tests.funds_world import COLLECTOR, card, make_funds_world


def _console(platform: Platform, username: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(platform=platform))
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    page = client.get("/funds" if username != "aop" else "/funds/inbox")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None, page.text
    return client, match.group(1)


def test_police_report_and_stop_then_the_bank_answers_from_its_board(
    platform: Platform, clock: FrozenClock
) -> None:
    make_funds_world(platform)
    police, csrf = _console(platform, "analyst")
    at = clock.now().astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0).isoformat(timespec="minutes")
    form = {
        "csrf_token": csrf,
        "number": "AJ-CONSOLE-1",
        "scam_type": "impersonation",
        "summary": "冒充客服退款",
        "victim": "张某",
        "loss_fen": "880000",
        "account": card("621700", 301),
        "at": at,
        "amount_fen": "880000",
        "payee": COLLECTOR,
    }
    bad = police.post("/funds/cases", data=form | {"amount_fen": "-1"})
    assert bad.status_code == 422 and "amount_fen" in bad.text
    bad_phone = police.post("/funds/cases", data=form | {"phone": "12"})
    assert bad_phone.status_code == 422 and "phone" in bad_phone.text
    done = police.post("/funds/cases", data=form | {"phone": "13812345679"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    from sqlalchemy import select

    from fanzha.funds.tables import Victim

    with platform.sessions() as s:
        masks = list(s.scalars(select(Victim.phone_masked)))
    assert masks and masks[-1] and "13812345679" not in masks[-1]  # recorded, masked
    case_page = police.get(done.headers["location"])
    assert "AJ-CONSOLE-1" in case_page.text and COLLECTOR not in case_page.text
    action = re.search(r'action="(/funds/cases/\d+/transfers/\d+/stop-payment)"', case_page.text)
    assert action is not None
    stopped = police.post(action.group(1), data={"csrf_token": csrf}, follow_redirects=False)
    assert stopped.status_code == 303
    assert "已下发" in police.get(done.headers["location"]).text

    bank, bank_csrf = _console(platform, "aop")
    board = bank.get("/funds/inbox")
    receipt = re.search(r'action="(/funds/inbox/(\d+)/receipt)"', board.text)
    assert receipt is not None and "紧急止付" in board.text
    too_much = bank.post(
        receipt.group(1), data={"csrf_token": bank_csrf, "outcome": "held", "amount_fen": "880001"}
    )
    assert too_much.status_code == 422 and "第十九条第一款" in too_much.text
    held = bank.post(
        receipt.group(1),
        data={"csrf_token": bank_csrf, "outcome": "held", "amount_fen": "880000"},
        follow_redirects=False,
    )
    assert held.status_code == 303
    assert "已止付" in bank.get("/funds/inbox").text
    # The police board shows nothing overdue; bank B's board shows nothing of bank A's.
    assert 'data-testid="overdue-' not in police.get("/funds").text
    other = TestClient(create_app(platform=platform))
    other.post("/login", data={"username": "bop", "password": PASSWORD})
    assert 'data-testid="instruction-' not in other.get("/funds/inbox").text


def test_the_head_approves_a_freeze_from_the_board(platform: Platform, clock: FrozenClock) -> None:
    from fanzha.funds.schemas import FreezeCreate
    from tests.funds_world import case_of, funds_of

    fw = make_funds_world(platform)
    service = funds_of(platform)
    case = service.create_case(fw.analyst.principal, case_of(clock.now(), victims=1))
    freeze = service.request_freeze(
        fw.analyst.principal,
        FreezeCreate.model_validate(
            {
                "case_id": case.id,
                "kind": "bank_card",
                "value": COLLECTOR,
                "account_name": "李某",
                "amount_fen": 100_000,
            }
        ),
    )
    head, csrf = _console(platform, "fcommander")
    assert f'data-testid="pending-{freeze.id}"' in head.get("/funds").text
    done = head.post(
        f"/funds/instructions/{freeze.id}/approval",
        data={"csrf_token": csrf, "approve": "true"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert f'data-testid="pending-{freeze.id}"' not in head.get("/funds").text
    # A township head may not: refused naming the rule and the article, nothing changed.
    other = service.create_case(fw.analyst.principal, case_of(clock.now(), victims=1, number="AJ-CONSOLE-2"))
    township, tcsrf = _console(platform, "ftownship")
    pending = service.request_freeze(
        fw.analyst.principal,
        FreezeCreate.model_validate(
            {
                "case_id": other.id,
                "kind": "bank_card",
                "value": COLLECTOR,
                "account_name": "李某",
                "amount_fen": 100_000,
            }
        ),
    )
    refused = township.post(
        f"/funds/instructions/{pending.id}/approval", data={"csrf_token": tcsrf, "approve": "true"}
    )
    assert refused.status_code == 403 and "第十九条第一款" in refused.text
    assert f'data-testid="pending-{pending.id}"' in head.get("/funds").text
