"""Telecom engines on hand-made cases (a SIM box beside a call centre, a spoofed caller beside a
subscriber roaming abroad, a card trader beside an ordinary family) and their backtests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fanzha.contracts import TABLES
from fanzha.detect.backtest import backtest
from fanzha.detect.engines.telecom import (
    SAMPLE_FILE,
    AbnormalCardV1,
    CallerScreenV1,
    CardOpeningV1,
    SimBoxV1,
)
from fanzha.detect.province import Province
from fanzha.detect.runner import run

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
OLD = datetime(2021, 5, 1, tzinfo=UTC)
BOX_IMEI, GATEWAY_IMEI = "861234567890123", "869876543210987"


class World:
    """Phone cards and call records written the way the simulator writes them."""

    def __init__(self) -> None:
        self.cards: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []

    def card(
        self,
        msisdn: str,
        opened: datetime,
        rid: str | None = None,
        operator: str = "CMCC",
        outlet: int = 43010201,
        business: int | None = None,
    ) -> str:
        self.cards.append(
            {
                "card_id": len(self.cards),
                "msisdn": msisdn,
                "operator_code": operator,
                "segment": msisdn[3:6],
                "is_virtual": False,
                "holder_person_id": None if business is not None else len(self.cards),
                "holder_business_id": business,
                "holder_resident_id": rid,
                "opened_at": opened,
                "opened_region_code": "430102",
                "outlet_id": outlet,
            }
        )
        return msisdn

    def call(
        self,
        minutes: float,
        caller: str,
        callee: str,
        seconds: int,
        imei: str | None = None,
        cell: int | None = 43010200101,
        roaming: str = "none",
        gateway: str = "local",
    ) -> None:
        self.calls.append(
            {
                "call_id": len(self.calls),
                "ts": T0 + timedelta(minutes=minutes),
                "caller": caller,
                "callee": callee,
                "duration_s": seconds,
                "caller_imei": imei,
                "cell_id": cell if imei else None,
                "roaming": roaming,
                "gateway": gateway,
            }
        )

    def province(self, tmp: Path) -> Province:
        """A data directory holding these tables (every other contract table empty)."""
        tables = {"phone_cards": self.cards, "calls": self.calls}
        for name, contract in TABLES.items():
            pq.write_table(
                pa.Table.from_pylist(tables.get(name, []), schema=contract.schema), tmp / f"{name}.parquet"
            )
        (tmp / "manifest.json").write_text(json.dumps({"days": 30, "people": 10, "seed": 0}))
        return Province.open(tmp, "duckdb")


def _stranger(n: int) -> str:
    return f"+86139{n:08d}"


def alerts_of(engine: Any, p: Province) -> dict[str, tuple[str, str]]:
    """identifier → (level, reasons)."""
    table = run(engine, p)
    return {
        i: (lv, r)
        for i, lv, r in zip(
            table["identifier"].to_pylist(),
            table["level"].to_pylist(),
            table["reasons"].to_pylist(),
            strict=True,
        )
    }


def _sim_box_beside_a_call_centre(w: World) -> tuple[list[str], list[str], str]:
    """Eight new cards rotating in one box; eight old business cards on a call-centre gateway;
    an ordinary new card whose family call back."""
    box = [w.card(f"+86170{n:08d}", T0 - timedelta(days=2), rid="430102199001011234") for n in range(8)]
    centre = [w.card(f"+86135{n:08d}", OLD, business=7) for n in range(8)]
    for k in range(160):
        w.call(k * 3, box[k % 8], _stranger(k), 8 if k % 3 else 0, imei=BOX_IMEI)
        w.call(k * 3 + 1, centre[k % 8], _stranger(1000 + k), 20, imei=GATEWAY_IMEI)
    ordinary = w.card("+8615000000001", T0 - timedelta(days=3), rid="430102198505054321")
    family = w.card("+8615000000002", OLD, rid="430102196001011111")
    for k in range(12):
        w.call(k * 60, ordinary, family, 240, imei="356789012345678", cell=43010200100 + k % 5)
        w.call(k * 60 + 30, family, ordinary, 180, imei="356789012345679")
    return box, centre, ordinary


def test_a_sim_box_is_found_and_a_call_centre_gateway_is_not(tmp_path: Path) -> None:
    w = World()
    _sim_box_beside_a_call_centre(w)
    found = alerts_of(SimBoxV1(), w.province(tmp_path))
    assert set(found) == {BOX_IMEI}
    level, reasons = found[BOX_IMEI]
    assert level == "high"
    assert "同一设备轮换使用8张电话卡" in reasons and "所用电话卡多为新开卡" in reasons


def test_box_cards_are_abnormal_but_gateway_and_new_family_cards_are_not(tmp_path: Path) -> None:
    w = World()
    box, centre, ordinary = _sim_box_beside_a_call_centre(w)
    found = alerts_of(AbnormalCardV1(), w.province(tmp_path))
    assert set(found) == set(box)
    assert ordinary not in found and not set(centre) & set(found)
    assert "只呼出不呼入" in found[box[0]][1] and "多卡设备" in found[box[0]][1]


def test_a_new_card_roaming_abroad_calling_strangers_is_abnormal(tmp_path: Path) -> None:
    w = World()
    roamer = w.card("+8618800000001", T0 - timedelta(days=1), rid="430102199202022222")
    for k in range(3):
        w.call(k * 10, roamer, _stranger(k), 15, imei="356789012340000", cell=None, roaming="international")
    found = alerts_of(AbnormalCardV1(), w.province(tmp_path))
    assert set(found) == {roamer}
    assert "在境外漫游时呼叫境内号码" in found[roamer][1]


def test_spoofed_overseas_and_sample_callers_are_screened_but_a_roaming_subscriber_is_not(
    tmp_path: Path,
) -> None:
    w = World()
    spoofed, overseas, sample = "+8610110110110", "+959123456789", "+8613300000000"
    abroad = w.card("+8613900000001", OLD, rid="430102197003033333")
    for k in range(6):
        w.call(k, spoofed, _stranger(k), 12, gateway="international")
        w.call(k + 10, overseas, _stranger(100 + k), 9, gateway="international")
    # A subscriber on holiday abroad rings home: +86 through the international gateway, roaming.
    w.call(
        20,
        abroad,
        _stranger(500),
        600,
        imei="356789012341111",
        cell=None,
        roaming="international",
        gateway="international",
    )
    w.call(30, sample, _stranger(600), 300, gateway="domestic")
    p = w.province(tmp_path)
    found = alerts_of(CallerScreenV1(), p)
    assert set(found) == {spoofed, overseas}
    assert "疑似虚假主叫" in found[spoofed][1]
    assert "境外电信网络诈骗活动严重地区" in found[overseas][1]
    # With a sample list beside the data, a sample number is screened whatever its pattern.
    pq.write_table(pa.table({"identifier": [sample]}), tmp_path / SAMPLE_FILE)
    found = alerts_of(CallerScreenV1(), Province.open(tmp_path, "duckdb"))
    assert set(found) == {spoofed, overseas, sample}
    assert found[sample][0] == "high" and "样本库" in found[sample][1]


def test_card_traders_and_fraud_card_holders_are_refused_but_a_family_is_not(tmp_path: Path) -> None:
    w = World()
    trader, holder, family = "43010219800101001X", "430102199909099999", "430102197507077777"
    for n in range(7):  # 7 CMCC cards, 4 of them in one week at one outlet
        opened = T0 - timedelta(days=400 - n) if n < 3 else T0 - timedelta(days=20, hours=n)
        w.card(f"+86147{n:08d}", opened, rid=trader, outlet=43010299)
    for n, op in enumerate(("CMCC", "CMCC", "CTCC", "CUCC")):  # four cards over years: allowed
        w.card(f"+86158{n:08d}", OLD + timedelta(days=300 * n), rid=family, operator=op)
    sold = w.card("+8617100000001", T0 - timedelta(days=1), rid=holder, operator="VNO-XL")
    for k in range(12):  # the card the holder sold dials strangers from abroad
        w.call(
            k,
            sold,
            _stranger(k),
            10,
            imei="356789012342222",
            cell=None,
            roaming="international",
            gateway="international",
        )
    found = alerts_of(CardOpeningV1(), w.province(tmp_path))
    assert set(found) == {trader, holder}
    assert "超过国家规定的5张" in found[trader][1] and "批量开卡" in found[trader][1]
    assert found[trader][0] == "high"
    assert "涉诈异常电话卡" in found[holder][1]


@pytest.mark.parametrize(
    ("engine", "precision", "recall"),
    [
        (CardOpeningV1(), 0.9, 0.8),
        (AbnormalCardV1(), 0.95, 0.8),
        (CallerScreenV1(), 0.95, 0.9),
        (SimBoxV1(), 0.9, 0.9),
    ],
    ids=lambda e: getattr(e, "name", str(e)),
)
def test_backtest_on_the_small_province(
    engine: Any, precision: float, recall: float, classic_province: Province
) -> None:
    """Rule engines on the world they were tuned on; the V2 models are measured on the harder one."""
    result = backtest(engine, classic_province, run(engine, classic_province)).all_levels
    assert result.truth > 0
    assert result.precision >= precision and result.recall >= recall, result
    assert result.false_alarm_rate is not None and result.false_alarm_rate < 0.001
