"""Bulk work in the console: orders from a run's alerts, receipts by CSV and holdings, each previewed,
confirmed and reported line by line, in Chinese with the English switch (issue 20 item 5)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.contracts import TABLES
from fanzha.contracts.base import TS
from fanzha.detect.runs import DetectRunService
from fanzha.disposal.tables import Holding, Order
from fanzha.identity.domain import Role
from tests.e2e.test_disposal_journey import Login
from tests.e2e.test_journey_operator_detection import a_day_of_calls
from tests.factories import World, make_user
from tests.integration.test_disposal_service import DisposalWorld, make_disposal_world
from tests.integration.test_holdings import HOLDER


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    make = make_disposal_world(platform)
    make_user(platform, "centreanalyst", make.base.centre, Role.ANALYST)
    return make


@pytest.fixture
def world(dw: DisposalWorld) -> World:
    return dw.base


def _post(
    client: TestClient, url: str, data: dict[str, object], files: dict[str, object] | None = None
) -> httpx.Response:
    token = str(client.headers["X-CSRF-Token"])
    return client.post(url, data={"csrf_token": token, **data}, files=files, headers={"X-CSRF-Token": ""})


def _orders(platform: Platform) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Order)) or 0)


def _audited(platform: Platform, action: str) -> int:
    with platform.sessions() as session:
        return int(
            session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == action))
            or 0
        )


def _run(platform: Platform, operator: TestClient) -> tuple[int, list[str]]:
    runs = DetectRunService.of(platform)
    box = a_day_of_calls(runs.data_root / "tel-cmcc" / "2025-03-01")
    started = operator.post(
        "/api/v1/detect/runs",
        json={"engine": "AbnormalCardV1", "backend": "duckdb", "data_dir": "2025-03-01"},
    )
    assert started.status_code == 201, started.text
    while runs.work_once("worker") is not None:
        pass
    return int(started.json()["id"]), box


def test_orders_from_alerts_are_previewed_then_issued_with_a_line_per_alert(
    login: Login, platform: Platform, dw: DisposalWorld
) -> None:
    run_id, box = _run(platform, login("cmccop"))
    centre = login("centreanalyst")
    page = centre.get(f"/console/detect/runs/{run_id}")
    ids = re.findall(r'data-testid="pick-(\d+)"', page.text)
    assert len(ids) == len(box) and 'data-testid="preview-orders"' in page.text
    # The operator may read its run but not issue orders: no boxes to tick.
    assert 'data-testid="pick-' not in login("cmccop").get(f"/console/detect/runs/{run_id}").text

    before = _orders(platform)
    preview = _post(
        centre, f"/console/detect/runs/{run_id}/orders/preview", {"alert_ids": ids, "measure": "reverify"}
    )
    assert preview.status_code == 200, preview.text
    assert _orders(platform) == before  # a preview changes nothing
    assert "预览（尚未提交）" in preview.text and "重新核验身份" in preview.text
    assert preview.text.count('class="accepted"') == len(ids) and "第十三条" in preview.text
    assert all(number not in preview.text for number in box)  # masked only
    assert _audited(platform, "detect.alerts.orders_preview") == 1

    # A measure not allowed on a phone is refused per line, in both languages.
    wrong = _post(
        centre,
        f"/console/detect/runs/{run_id}/orders/preview",
        {"alert_ids": ids[:1], "measure": "block_link"},
    )
    assert (
        wrong.status_code == 200
        and 'class="refused"' in wrong.text
        and 'data-testid="confirm"' not in wrong.text
    )
    nothing = _post(centre, f"/console/detect/runs/{run_id}/orders/preview", {"measure": "reverify"})
    assert nothing.status_code == 422 and "请至少勾选一条告警" in nothing.text

    confirm = re.findall(r'name="alert_ids" value="(\d+)"', preview.text)
    issued = _post(
        centre, f"/console/detect/runs/{run_id}/orders", {"alert_ids": confirm, "measure": "reverify"}
    )
    assert issued.status_code == 200 and "已提交" in issued.text
    assert _orders(platform) == before + len(ids)
    assert len(re.findall(r'data-testid="order-link"', issued.text)) == len(ids)
    assert _audited(platform, "detect.alerts.orders") == 1 and _audited(platform, "order.issue") >= len(ids)
    centre.get("/lang/en")
    english = _post(
        centre,
        f"/console/detect/runs/{run_id}/orders/preview",
        {"alert_ids": ids[:1], "measure": "block_link"},
    )
    assert "Preview (nothing sent yet)" in english.text and "is not allowed for a phone" in english.text


def test_receipts_by_csv_report_each_line_and_apply_only_after_confirmation(
    login: Login, platform: Platform, dw: DisposalWorld
) -> None:
    run_id, _ = _run(platform, login("cmccop"))
    centre = login("centreanalyst")
    ids = re.findall(r'data-testid="pick-(\d+)"', centre.get(f"/console/detect/runs/{run_id}").text)
    _post(centre, f"/console/detect/runs/{run_id}/orders", {"alert_ids": ids[:3], "measure": "reverify"})
    operator = login("cmccop")
    mine = operator.get("/api/v1/disposal/orders", params={"status": "issued"}).json()["items"]
    assert len(mine) == 3
    a, b, c = (o["id"] for o in mine)
    csv = (
        "order_id,status,verification,reason,notice_delivered\n"
        f"{a},executed,passed,,false\n"
        f"{b},refused,,,false\n"  # a refusal needs its reason
        f"{c},executed,,,false\n"  # a re-verification needs its result
        "999999,acknowledged,,,false\n"  # not ours
        "x,executed,,,\n"
    ).encode()
    form = operator.get("/disposal/receipts/upload")
    assert form.status_code == 200 and "批量回执" in form.text
    preview = _post(operator, "/disposal/receipts/preview", {}, {"file": ("r.csv", csv, "text/csv")})
    assert preview.status_code == 200, preview.text
    assert 'data-testid="line-2" class="accepted"' in preview.text
    for line in (3, 4, 5, 6):
        assert f'data-testid="line-{line}" class="refused"' in preview.text
    assert "第 6 行" in preview.text and "指令不存在或不属于本单位" in preview.text
    statuses = {o["status"] for o in operator.get("/api/v1/disposal/orders").json()["items"]}
    assert "executed" not in statuses  # a preview changes nothing

    content = re.search(r'name="content" value="([^"]+)"', preview.text)
    assert content is not None and base64.b64decode(content.group(1)) == csv
    done = _post(operator, "/disposal/receipts/upload", {"content": content.group(1)})
    assert (
        done.status_code == 200
        and "已提交" in done.text
        and 'data-testid="line-2" class="accepted"' in done.text
    )
    statuses = {o["id"]: o["status"] for o in operator.get("/api/v1/disposal/orders").json()["items"]}
    assert statuses[a] == "executed" and statuses[b] != "executed" and statuses[c] != "executed"
    # Police hold no receipt permission: refused before the body is read.
    assert (
        _post(centre, "/disposal/receipts/preview", {}, {"file": ("r.csv", csv, "text/csv")}).status_code
        == 403
    )
    bad = _post(operator, "/disposal/receipts/preview", {}, {"file": ("r.csv", b"a,b\n1,2\n", "text/csv")})
    assert bad.status_code == 422 and "CSV 须包含列 order_id 和 status" in bad.text


def test_holdings_are_checked_per_line_and_only_accepted_lines_are_written(
    login: Login, platform: Platform, dw: DisposalWorld
) -> None:
    operator = login("cmccop")
    csv = (
        "kind,value,holder_id\n"
        f"phone,13812345678,{HOLDER}\n"
        f"bank_card,6222021234567890123,{HOLDER}\n"  # an operator declares phones only
        "phone,13812340000,4301\n"
    ).encode()
    preview = _post(operator, "/disposal/holdings/preview", {}, {"file": ("h.csv", csv, "text/csv")})
    assert preview.status_code == 200, preview.text
    assert 'data-testid="line-2" class="accepted"' in preview.text
    assert (
        'data-testid="line-3" class="refused"' in preview.text
        and 'data-testid="line-4" class="refused"' in preview.text
    )
    assert HOLDER not in preview.text and "13812345678" not in preview.text  # no number comes back
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Holding)) == 0
    content = re.search(r'name="content" value="([^"]+)"', preview.text)
    assert content is not None
    done = _post(operator, "/disposal/holdings/upload", {"content": content.group(1)})
    assert done.status_code == 200 and "新增 1" in done.text
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Holding)) == 1
    assert _audited(platform, "holding.upload") == 1
    assert (
        _post(
            login("analyst"), "/disposal/holdings/preview", {}, {"file": ("h.csv", csv, "text/csv")}
        ).status_code
        == 403
    )


def day_of_calls_files(prefix: str = "+86138000000") -> dict[str, bytes]:
    """The operator's own day of call records as the Parquet files its systems export: eight new cards
    (`prefix` and two digits) rotating in one SIM box."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.e2e.test_journey_operator_detection import BOX_IMEI, DAY
    from tests.integration.detect.test_telecom import World as CallRecords

    w = CallRecords()
    box = [w.card(f"{prefix}{n:02d}", DAY - timedelta(days=2), rid="430102199001011234") for n in range(8)]
    for k in range(160):
        w.call(k * 3, box[k % 8], f"+86139{k:08d}", 8 if k % 3 else 0, imei=BOX_IMEI)
    files = {}
    for name, rows in (("phone_cards", w.cards), ("calls", w.calls)):
        out = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows, schema=TABLES[name].schema), out)
        files[name] = out.getvalue()
    return files


def test_an_operator_uploads_its_call_records_checked_line_by_line_and_runs_detection(
    login: Login, platform: Platform, dw: DisposalWorld
) -> None:
    operator = login("cmccop")
    page = operator.get("/console/detect/uploads")
    assert page.status_code == 200 and "上传本单位数据" in page.text
    runs = DetectRunService.of(platform)
    assert str(runs.data_root) not in operator.get("/console/detect").text  # no server path
    # A CSV whose times lack a zone and whose card misses its number: refused, lines named, nothing kept.
    names = TABLES["calls"].names
    values = ["2025-03-01 02:00:00" if TABLES["calls"].column(n).type == TS else "1" for n in names]
    bad_csv = ",".join(names) + "\n" + ",".join(values) + "\n"
    refused = _post(
        operator,
        "/console/detect/uploads",
        {"dataset": "2025-03-01", "table": "calls", "days": "1"},
        {"file": ("calls.csv", bad_csv.encode(), "text/csv")},
    )
    assert refused.status_code == 422 and 'data-testid="error-line-2"' in refused.text, refused.text[-2000:]
    assert not (runs.data_root / "tel-cmcc" / "2025-03-01").exists()
    fake = _post(
        operator,
        "/console/detect/uploads",
        {"dataset": "2025-03-01", "table": "calls", "days": "1"},
        {"file": ("calls.parquet", b"not parquet at all", "application/octet-stream")},
    )
    assert fake.status_code == 422 and "按文件内容判断" in fake.text
    escape = _post(
        operator,
        "/console/detect/uploads",
        {"dataset": "../tel-cucc", "table": "calls", "days": "1"},
        {"file": ("c.parquet", b"PAR1", "application/octet-stream")},
    )
    assert escape.status_code == 422 and "数据集名称" in escape.text

    for table, data in day_of_calls_files().items():
        checked = _post(
            operator,
            "/console/detect/uploads",
            {"dataset": "2025-03-01", "table": table, "days": "1"},
            {"file": (f"{table}.parquet", data, "application/octet-stream")},
        )
        assert checked.status_code == 200 and 'data-testid="upload-preview"' in checked.text, checked.text[
            -1500:
        ]
        token = re.search(r'name="token" value="([^"]+)"', checked.text)
        assert token is not None
        stored = _post(
            operator,
            "/console/detect/uploads/confirm",
            {"token": token.group(1), "table": table, "dataset": "2025-03-01", "days": "1"},
        )
        assert stored.status_code == 200 and 'data-testid="stored"' in stored.text
        assert str(runs.data_root) not in stored.text
    assert _audited(platform, "detect.upload") == 2
    started = operator.post(
        "/api/v1/detect/runs",
        json={"engine": "AbnormalCardV1", "backend": "duckdb", "data_dir": "2025-03-01"},
    )
    assert started.status_code == 201, started.text
    while runs.work_once("worker") is not None:
        pass
    run = operator.get(f"/api/v1/detect/runs/{started.json()['id']}").json()
    assert (
        run["status"] == "succeeded" and run["alerts_high"] + run["alerts_medium"] + run["alerts_low"] == 8
    ), run
