"""The console's chart options keep their table twin, and PDFs carry Chinese text that reads back."""

from __future__ import annotations

import json

from fanzha.web import charts, i18n
from fanzha.web.pdf import pdf_text, render_pdf


def test_bar_chart_table_twin_matches_series() -> None:
    chart = charts.bar("逾期率", ["长沙", "株洲"], {"逾期率": [0.1, 0.25], "工单数": [10, 4]})
    assert chart.rows == (("长沙", 0.1, 10), ("株洲", 0.25, 4))
    option = json.loads(chart.option_json)
    assert option["xAxis"]["data"] == ["长沙", "株洲"]
    assert [s["name"] for s in option["series"]] == ["逾期率", "工单数"]


def test_horizontal_bar_swaps_axes() -> None:
    option = charts.bar("排名", ["甲", "乙"], {"分": [3, 1]}, horizontal=True).option
    assert option["yAxis"]["type"] == "category" and option["xAxis"]["type"] == "value"


def test_pie_shares() -> None:
    chart = charts.pie("诈骗类型", {"刷单": 5, "冒充公检法": 2})
    assert chart.rows == (("刷单", 5), ("冒充公检法", 2))


def test_chart_table_label_in_both_languages() -> None:
    assert i18n.translator("zh")("chart.table") == "查看数据表"
    assert i18n.translator("en")("chart.table") == "Show the data table"


def test_pdf_embeds_chinese_text() -> None:
    data = render_pdf("<html><body><h1>湖南省反诈通报</h1><p>某银行逾期率 12%</p></body></html>")
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "湖南省反诈通报" in text and "某银行逾期率" in text
