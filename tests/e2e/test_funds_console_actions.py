"""Issue 22 item 9: the case page draws the money graph and acts (extend, freeze, verify, return);
the board charts amounts stopped, frozen and returned by city and month."""

from __future__ import annotations

import json
import re
from html import unescape

from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.funds.schemas import ReceiptCreate
from fanzha.web.app import create_app
from tests.factories import PASSWORD
from tests.funds_world import COLLECTOR, LAYER_B, case_of, funds_of, make_funds_world


def _console(platform: Platform, username: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(platform=platform))
    client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/funds").text)
    assert match is not None
    return client, match.group(1)


def _graph(page: str) -> dict:
    box = page.split('data-testid="money-graph"', 1)[1]
    option = re.search(r'data-chart="([^"]+)"', box)
    assert option is not None
    return json.loads(unescape(option.group(1)))


def test_case_page_graph_and_actions_then_board_charts(platform: Platform, clock: FrozenClock) -> None:
    fw = make_funds_world(platform)
    service = funds_of(platform)
    case = service.create_case(fw.analyst.principal, case_of(clock.now(), victims=1))
    transfer = service.case_detail(fw.analyst.principal, case.id)["transfers"][0]
    stop = service.stop_payment(fw.analyst.principal, transfer.id, _stop())
    moved_at = clock.now().isoformat()
    service.receipt(
        fw.bank_a.principal,
        stop.id,
        ReceiptCreate.model_validate(
            {
                "outcome": "moved",
                "onward": [{"kind": "bank_card", "value": LAYER_B, "amount_fen": 60_000, "at": moved_at}],
            }
        ),
    )
    lead = next(i for i in service.case_detail(fw.analyst.principal, case.id)["instructions"] if i.hop == 1)
    service.receipt(fw.bank_b.principal, lead.id, ReceiptCreate(outcome="held", amount_fen=60_000))  # type: ignore[arg-type]

    police, csrf = _console(platform, "analyst")
    page = police.get(f"/funds/cases/{case.id}")
    assert page.status_code == 200
    graph = _graph(page.text)["series"][0]
    assert graph["type"] == "graph"
    assert len(graph["links"]) == 2  # victim → collector, collector → layer B
    assert COLLECTOR not in page.text and LAYER_B not in page.text  # masked only

    # extend the held lead once; the button then disappears
    base = f"/funds/cases/{case.id}/instructions/{lead.id}"
    assert police.post(f"{base}/extend", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    again = police.post(f"{base}/extend", data={"csrf_token": csrf})
    assert again.status_code in (409, 422) and f'data-testid="extend-{lead.id}"' not in again.text

    # a freeze above the money traced is refused with the article; then one within it
    form = {"csrf_token": csrf, "kind": "bank_card", "value": COLLECTOR, "account_name": "王某"}
    over = police.post(f"/funds/cases/{case.id}/freezes", data=form | {"amount_fen": "100001"})
    assert over.status_code == 422 and "第十九条第一款" in over.text
    ok = police.post(
        f"/funds/cases/{case.id}/freezes", data=form | {"amount_fen": "40000"}, follow_redirects=False
    )
    assert ok.status_code == 303
    freeze = next(i for i in service.instructions(fw.analyst.principal, status="pending_approval"))
    service.approve(fw.commander.principal, freeze.id, True, "同意")
    service.receipt(fw.bank_a.principal, freeze.id, ReceiptCreate(outcome="frozen", amount_fen=40_000))  # type: ignore[arg-type]

    # verification and a single-deposit return from the console
    fbase = f"/funds/cases/{case.id}/instructions/{freeze.id}"
    bad = police.post(f"{fbase}/verification", data={"csrf_token": csrf, "verdict": "maybe", "reason": "x"})
    assert bad.status_code == 422
    done = police.post(
        f"{fbase}/verification",
        data={"csrf_token": csrf, "verdict": "return", "reason": "查明系被害人资金"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    one = police.post(
        f"{fbase}/return",
        data={"csrf_token": csrf, "method": "single", "officer1": "analyst", "officer2": "analyst"},
    )
    assert one.status_code == 422  # two different officers
    ret = police.post(
        f"{fbase}/return",
        data={"csrf_token": csrf, "method": "single", "officer1": "analyst", "officer2": "fofficer"},
        follow_redirects=False,
    )
    assert ret.status_code == 303, ret.text
    order = next(i for i in service.instructions(fw.analyst.principal, kind="return"))
    service.receipt(
        fw.bank_a.principal, order.id, ReceiptCreate(outcome="returned", amount_fen=order.amount_fen)
    )  # type: ignore[arg-type]

    board = police.get("/funds").text
    charts = re.findall(r'data-chart="([^"]+)"', board.split('data-testid="funds-charts"', 1)[1])
    by_city = json.loads(unescape(charts[0]))
    names = [s["name"] for s in by_city["series"]]
    assert names == ["止付", "冻结", "返还"]
    assert [sum(s["data"]) for s in by_city["series"]] == [600.0, 400.0, 400.0]


def _stop():  # type: ignore[no-untyped-def]
    from fanzha.funds.schemas import StopCreate

    return StopCreate()


def test_public_report_form_then_the_police_confirm_from_the_board(
    platform: Platform, clock: FrozenClock
) -> None:
    from fanzha.core.clock import SHANGHAI
    from fanzha.disposal.notices import MemoryNotifier
    from tests.funds_world import card

    make_funds_world(platform)
    assert platform.disposal is not None
    notifier = MemoryNotifier()
    platform.disposal.notifier = notifier
    public = TestClient(create_app(platform=platform))
    assert "网上报案" in public.get("/funds/report").text
    sent = public.post("/funds/report/otp", data={"phone": "13812345672"})
    assert sent.status_code == 202 and 'data-testid="otp-sent"' in sent.text
    code = re.search(r"验证码 (\d{6})", notifier.sent[-1].text)
    assert code is not None
    at = clock.now().astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0).isoformat(timespec="minutes")
    form = {
        "phone": "13812345672",
        "otp": code.group(1),
        "name": "孙某",
        "scam_type": "loan",
        "summary": "虚假贷款交保证金",
        "loss_fen": "50000",
        "account": card("621700", 601),
        "at": at,
        "amount_fen": "50000",
        "payee": COLLECTOR,
    }
    bad = public.post("/funds/report", data=form | {"amount_fen": "-5"})
    assert bad.status_code == 422
    done = public.post("/funds/report", data=form)
    assert done.status_code == 201 and 'data-testid="report-accepted"' in done.text
    police, csrf = _console(platform, "analyst")
    board = police.get("/funds").text
    row = re.search(r'data-testid="report-(\d+)"', board)
    assert row is not None
    ok = police.post(
        f"/funds/cases/{row.group(1)}/confirmation", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert ok.status_code == 303
    assert 'data-testid="report-' not in police.get("/funds").text
