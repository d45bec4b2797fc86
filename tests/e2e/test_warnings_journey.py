"""Warnings over HTTP: Journey 2 (payee check → warning → call → visit → dissuaded → release), 12381."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.warnings.tables import Warning_, WarnSignal, WarnSms, WarnTask
from fanzha.web.app import create_app
from tests.factories import PASSWORD
from tests.integration.test_holdings import CARD_A, HOLDER, OTHER
from tests.warnings_world import PHONE, make_warn_world, warnings_of

MULE_CARD = "6222021234567890128"


def _login(platform: Platform, username: str) -> TestClient:
    client = TestClient(create_app(platform=platform))
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]
    return client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _counts(platform: Platform) -> tuple[int, ...]:
    with platform.sessions() as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Warning_, WarnSignal, WarnTask, WarnSms)
        )


def test_journey_2_over_http(platform: Platform, clock: FrozenClock) -> None:
    ww = make_warn_world(platform)
    analyst, bank, desk = _login(platform, "analyst"), _login(platform, "aop"), _login(platform, "desk")
    worker, other_worker = _login(platform, "gridw"), _login(platform, "gridw2")
    sample = {"kind": "bank_card", "value": MULE_CARD, "fraud_type": "fake_police", "confidence": 90}
    _ok(analyst.post("/api/v1/samples", json=sample), 201)
    # The retiree's bank checks the payee: a sample, so settlement is delayed (Art 18¶4) ...
    check = _ok(
        bank.post("/api/v1/detect/payee-check", json={"items": [{"kind": "bank_card", "value": MULE_CARD}]})
    )
    assert check["results"][0]["decision"] == "delay_settlement"
    # ... and the bank tells the platform who was paying: a high warning and a call task at once.
    signal = {
        "kind": "payee_check",
        "ref": "txn-20261128-0001",
        "id_number": HOLDER,
        "payer_kind": "bank_card",
        "payer_value": CARD_A,
        "fraud_number": MULE_CARD,
        "scam_type": "fake_police",
        "sample_id": check["results"][0]["sample_id"],
    }
    result = _ok(bank.post("/api/v1/warnings/signals", json={"items": [signal]}))["results"][0]
    assert result["level"] == "high" and result["action"] == "call"
    orders = _ok(bank.get("/api/v1/disposal/orders"))["items"]
    delay = next(o for o in orders if o["measure"] == "delay_settlement")
    assert delay["article"] == "第十八条第四款"
    _ok(bank.post(f"/api/v1/disposal/orders/{delay['id']}/receipt", json={"status": "executed"}))
    # The county desk calls within minutes; he insists.
    call = _ok(desk.get("/api/v1/warnings/tasks"))["items"]
    assert [t["channel"] for t in call] == ["call"] and call[0]["level"] == "high"
    shown = _ok(desk.get(f"/api/v1/warnings/tasks/{call[0]['id']}"))
    assert shown["phone"] == "+86" + PHONE and HOLDER not in str(shown)
    _ok(desk.post(f"/api/v1/warnings/tasks/{call[0]['id']}/accept"))
    clock.advance(timedelta(minutes=3))
    _ok(desk.post(f"/api/v1/warnings/tasks/{call[0]['id']}/outcome", json={"outcome": "refused_to_believe"}))
    # The township grid worker gets the visit; the other grid's worker sees nothing.
    assert _ok(other_worker.get("/api/v1/warnings/tasks"))["items"] == []
    visit = _ok(worker.get("/api/v1/warnings/tasks"))["items"]
    assert [t["channel"] for t in visit] == ["visit"]
    _ok(other_worker.get(f"/api/v1/warnings/tasks/{visit[0]['id']}"), 404)
    # Bad input: an outcome before accepting, from someone else, changes nothing.
    before = _counts(platform)
    refused = _ok(
        desk.post(f"/api/v1/warnings/tasks/{visit[0]['id']}/outcome", json={"outcome": "dissuaded"}), 403
    )
    assert refused["field"] == "task_id" and "接收" in refused["message_zh"]
    assert _counts(platform) == before
    _ok(worker.post(f"/api/v1/warnings/tasks/{visit[0]['id']}/accept"))
    clock.advance(timedelta(minutes=20))
    done = _ok(
        worker.post(
            f"/api/v1/warnings/tasks/{visit[0]['id']}/outcome",
            json={"outcome": "dissuaded", "note": "已取消转账"},
        )
    )
    assert done["status"] == "done" and done["outcome"] == "dissuaded"
    detail = _ok(desk.get(f"/api/v1/warnings/{result['warning_id']}"))
    assert detail["warning"]["outcome"] == "dissuaded" and detail["warning"]["status"] == "closed"
    assert detail["warning"]["first_contact_at"] is not None and detail["warning"]["outcome_at"] is not None
    assert [t["channel"] for t in detail["tasks"]] == ["call", "visit"]
    # The bank releases the delay: a release order comes, and it executes it.
    orders = _ok(bank.get("/api/v1/disposal/orders"))["items"]
    release = next(o for o in orders if o["measure"] == "release")
    assert release["releases_order_id"] == delay["id"]
    _ok(bank.post(f"/api/v1/disposal/orders/{release['id']}/receipt", json={"status": "executed"}))
    assert _ok(bank.get(f"/api/v1/disposal/orders/{delay['id']}"))["order"]["status"] == "released"
    # Grid workers see neither the warning nor the statistics; every view of the task was audited.
    _ok(worker.get(f"/api/v1/warnings/{result['warning_id']}"), 403)
    with platform.sessions() as s:
        reads = s.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "warnings.task.read")
        )
    assert reads == 2
    assert ww.holder_token


def test_12381_a_new_sample_numbers_contacts_are_texted_once(platform: Platform) -> None:
    ww = make_warn_world(platform)
    operator, desk = _login(platform, "cmccop"), _login(platform, "desk")
    contacts = {
        "fraud_number": "+8617012345678",
        "scam_type": "fake_customer_service",
        "contacts": [
            {"id_number": HOLDER, "phone": "13912345678", "calls": 1},
            {"id_number": OTHER, "phone": "13912340000", "calls": 1},
            {
                "person_token": "c" * 64,
                "phone": "13700001111",
                "calls": 1,
            },  # not registered: the phone suffices
        ],
    }
    summary = _ok(operator.post("/api/v1/warnings/contacts", json=contacts))
    assert summary == {"received": 3, "actions": {"sms": 3}}
    # The same list again (the operator retries): nobody is texted twice.
    assert _ok(operator.post("/api/v1/warnings/contacts", json=contacts))["actions"] == {"duplicate": 3}
    assert warnings_of(platform).deliver() == 3
    texts = ww.sender.sent
    assert len({phone for _, phone, _ in texts}) == 3
    assert all("尾号5678" in t and "http" not in t for _, _, t in texts)
    # A template with a link is refused, nothing changes.
    bad = {"templates": {"fake_police": "【反诈预警】尾号{tail}的来电是诈骗，详见 www.fz110.cn 请勿转账谢谢"}}
    error = _ok(desk.put("/api/v1/warnings/templates", json=bad), 422)
    assert error["field"] == "templates.fake_police" and "链接" in error["message_zh"]
    # An unknown person without a phone is refused with the field.
    before = _counts(platform)
    unknown = {"items": [{"kind": "tip", "ref": "t1", "person_token": "d" * 64}]}
    error = _ok(desk.post("/api/v1/warnings/signals", json=unknown), 422)
    assert error["field"] == "items.0.person_token" and "未知人员" in error["message_zh"]
    assert _counts(platform) == before
    board = _ok(desk.get("/api/v1/warnings/board"))
    assert board == {
        "new": 0,
        "in_progress": 0,
        "overdue": 0,
        "extra_high": 0,
        "high": 0,
        "medium": 0,
        "low": 0,
    }


def test_the_county_board_counts_new_in_progress_and_overdue(platform: Platform, clock: FrozenClock) -> None:
    ww = make_warn_world(platform)
    service = warnings_of(platform)
    from fanzha.warnings.domain import SignalKind
    from fanzha.warnings.service import SignalInput

    for i, token in enumerate((ww.holder_token, ww.other_token)):
        service.ingest(ww.desk.principal, [SignalInput(SignalKind.TIP, f"tip{i}", person_token=token)])
    first = service.tasks(ww.desk.principal, "open")[0][0]
    service.accept(ww.desk.principal, first.id)
    clock.advance(timedelta(minutes=31))  # the other medium call is now overdue
    desk, worker = _login(platform, "desk"), _login(platform, "gridw")
    page = desk.get("/warnings/board")
    assert page.status_code == 200 and "预警劝阻看板" in page.text and "劝阻成效" in page.text
    counts = _ok(desk.get("/api/v1/warnings/board"))
    assert (counts["new"], counts["in_progress"], counts["overdue"], counts["medium"]) == (0, 1, 1, 2)
    fragment = desk.get("/warnings/board?fragment=true")
    assert 'data-testid="count-overdue"><strong>1</strong>' in fragment.text
    assert worker.get("/warnings/board").status_code == 403
    assert worker.get("/api/v1/warnings/stats").status_code == 403


def test_12381_from_the_operators_call_records_to_texts(platform: Platform, tmp_path: Any) -> None:
    """A new sample number → its contacts in the operator's records of the last 7 days → one text each."""
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    from fanzha.warnings.operator import contact_list

    ww = make_warn_world(platform)
    fraud, t = "+8617012345678", datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    calls = {
        "ts": [t, t + timedelta(minutes=5), t - timedelta(days=20), t, t],
        "caller": [fraud, fraud, fraud, "+8613912340000", "+8613700002222"],
        "callee": ["+86" + PHONE, "+86" + PHONE, "+8613912340000", fraud, "+8613800003333"],
        "duration_s": [30, 420, 10, 60, 100],
    }
    pq.write_table(pa.table(calls), tmp_path / "calls.parquet")
    sms = {"ts": [t], "sender": [fraud], "receiver": ["+8613700001111"], "text": ["x"]}
    pq.write_table(pa.table(sms), tmp_path / "sms.parquet")
    cards = {
        "msisdn": ["+86" + PHONE, "+8613912340000", "+8613700001111", "+8613800003333"],
        "holder_resident_id": [HOLDER, OTHER, None, OTHER],
    }
    pq.write_table(pa.table(cards), tmp_path / "phone_cards.parquet")
    body = contact_list(tmp_path, "17012345678", 7, "fake_customer_service")
    from typer.testing import CliRunner

    from fanzha.cli import app

    printed = CliRunner().invoke(
        app,
        [
            "warnings",
            "contacts",
            str(tmp_path),
            "17012345678",
            "--days",
            "7",
            "--scam-type",
            "fake_customer_service",
        ],
    )
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == body
    # The retiree (two calls, one long) and OTHER (called back); the old call and the card with no holder out.
    assert [(c["phone"], c["calls"], c["longest_call_s"]) for c in body["contacts"]] == [
        ("+8613912340000", 1, 60),
        ("+86" + PHONE, 2, 420),
    ]
    operator = _login(platform, "cmccop")
    summary = _ok(operator.post("/api/v1/warnings/contacts", json=body))
    # A long call is engaged: the desk calls him; the other gets the text.
    assert summary["actions"] == {"sms": 1, "call": 1}
    assert warnings_of(platform).deliver() == 1 and len(ww.sender.sent) == 1


def test_grids_and_register_over_http(platform: Platform) -> None:
    make_warn_world(platform)
    desk, worker = _login(platform, "desk"), _login(platform, "gridw")
    grids = _ok(desk.get("/api/v1/warnings/grids"))
    assert [g["code"] for g in grids] == ["430104001001", "430104002001"]
    made = _ok(desk.post("/api/v1/warnings/grids", json={"code": "430104001009", "name_zh": "第九网格"}), 201)
    assert made["township_code"] == "430104001"
    outside = _ok(desk.post("/api/v1/warnings/grids", json={"code": "430102001001", "name_zh": "外区"}), 422)
    assert outside["field"] == "code"
    body = {"items": [{"id_number": HOLDER, "phone": "13912349999", "grid_code": "430104001009"}]}
    assert _ok(desk.post("/api/v1/warnings/register", json=body)) == {"count": 1}
    bad = {"items": [{"person_token": "x" * 64, "phone": "13912349999", "grid_code": "430104001009"}]}
    assert _ok(desk.post("/api/v1/warnings/register", json=bad), 422)["field"] == "items.0.person_token"
    assert worker.get("/api/v1/warnings/grids").status_code == 403
