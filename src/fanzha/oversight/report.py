"""The monthly notification as HTML for the PDF: tables, server-drawn SVG bars, praise and criticism."""

from __future__ import annotations

from html import escape
from typing import Any

from fanzha.identity.domain import ORG_KIND_LABELS, OrgKind

# Columns of the PDF's tables: (indicator key, heading, format).
COLUMNS = (
    ("orders", "指令数", "n"),
    ("exec_median_min", "执行用时中位数(分)", "f"),
    ("exec_p90_min", "P90(分)", "f"),
    ("overdue_rate", "超期率", "%"),
    ("refused", "拒绝", "n"),
    ("wrongful_rate", "错误处置率", "%"),
    ("samples", "报送样本", "n"),
)


def fmt(value: float | None, kind: str) -> str:
    """A figure as the notification prints it ('—' when there is none)."""
    if value is None:
        return "—"
    if kind == "%":
        return f"{value:.1%}"
    if kind == "f":
        return f"{value:.1f}"
    if kind == "yuan":
        return f"{value / 100:,.2f}"
    return f"{int(value)}"


def svg_bars(title: str, items: list[tuple[str, float]], unit: str = "") -> str:
    """A horizontal bar chart as inline SVG (WeasyPrint draws SVG; it runs no JavaScript)."""
    if not items:
        return ""
    top = max(v for _, v in items) or 1.0
    height, width, label_w = 18, 460, 130
    rows = []
    for i, (label, value) in enumerate(items):
        y = 22 + i * height
        bar = (width - label_w - 60) * value / top
        rows.append(
            f'<text x="{label_w - 4}" y="{y + 12}" text-anchor="end" font-size="9">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{bar:.1f}" height="{height - 6}" fill="#4a78b5"/>'
            f'<text x="{label_w + bar + 4:.1f}" y="{y + 12}" font-size="9">{value:g}{escape(unit)}</text>'
        )
    total = 30 + len(items) * height
    box = f'width="{width}" height="{total}" viewBox="0 0 {width} {total}"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" {box}>'
        f'<text x="0" y="12" font-size="11" font-weight="bold">{escape(title)}</text>{"".join(rows)}</svg>'
    )


def _table(heading: str, rows: list[dict[str, Any]], first: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for _, h, _ in COLUMNS)
    body = "".join(
        f"<tr><td>{escape(str(r['name']))}</td>"
        + "".join(f"<td>{fmt(r['values'].get(k), f)}</td>" for k, _, f in COLUMNS)
        + "</tr>"
        for r in rows
    )
    return _grid(heading, f"<th>{escape(first)}</th>{head}", body)


def _grid(heading: str, head: str, body: str) -> str:
    return f"<h2>{escape(heading)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_SUMMARY = (
    ("orders", "n"),
    ("overdue_rate", "%"),
    ("exec_median_min", "f"),
    ("appeals", "n"),
    ("appeals_upheld", "n"),
    ("samples", "n"),
    ("stopped_fen", "yuan"),
    ("frozen_fen", "yuan"),
    ("returned_fen", "yuan"),
)
SHOWN_EACH_END = 10
BASIS = "依据《湖南省反电信网络诈骗若干规定》第二十四条、第二十五条"
FOOT = (
    "指标定义见平台文档 docs/oversight.md；"
    "依法履行职责、义务的单位不因申诉成立而计入错误处置（第三十四条第三款）。"
)


def html(content: dict[str, Any], status_zh: str, digest: str = "") -> str:
    """The notification document (Chinese): summary, by city, ranking, praised and criticised units."""
    province = content["province"]
    cities = content["cities"]
    ranking = content["ranking"]
    p = {k: fmt(province.get(k), f) for k, f in _SUMMARY}
    summary = (
        f"本月全省共下发处置指令 {p['orders']} 条，超期率 {p['overdue_rate']}，"
        f"执行用时中位数 {p['exec_median_min']} 分钟；受理申诉 {p['appeals']} 件，"
        f"申诉成立 {p['appeals_upheld']} 件；报送样本 {p['samples']} 条；"
        f"紧急止付 {p['stopped_fen']} 元，冻结 {p['frozen_fen']} 元，返还 {p['returned_fen']} 元。"
    )
    bars = svg_bars(
        "各市州处置指令数", [(c["name"], float(c["values"].get("orders") or 0)) for c in cities][:16], " 条"
    )
    ranked = [r for r in ranking if r.get("rank")]
    # The printed notification shows the first and last ten; the whole ranking is on the console page.
    if len(ranked) > 2 * SHOWN_EACH_END:
        ranked = ranked[:SHOWN_EACH_END] + ranked[-SHOWN_EACH_END:]
    rank_head = "".join(f"<th>{escape(h)}</th>" for _, h, _ in COLUMNS)
    rank_rows = "".join(
        f"<tr><td>{r['rank']}</td><td>{escape(r['name'])}</td><td>{escape(_sector(r['kind']))}</td>"
        + "".join(f"<td>{fmt(r['values'].get(k), f)}</td>" for k, _, f in COLUMNS)
        + "</tr>"
        for r in ranked
    )
    praised = "".join(
        f"<li><b>{escape(r['name'])}</b>：{escape('；'.join(r['praise']))}</li>"
        for r in ranking
        if r["praise"]
    )
    criticised = "".join(
        f"<li><b>{escape(r['name'])}</b>：{escape('；'.join(r['criticism']))}</li>"
        for r in ranking
        if r["criticism"]
    )
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{escape(content['title'])}</title></head><body>"
        f"<h1>{escape(content['title'])}</h1>"
        f"<p class='meta'>湖南省反电信网络诈骗中心 · {BASIS} · {escape(status_zh)}"
        + (f" · SM3 {escape(digest)}" if digest else "")
        + "</p>"
        f"<h2>一、总体情况</h2><p>{escape(summary)}</p>"
        f"<h2>二、各市州情况</h2>{bars}"
        + _table("各市州指标", cities, "地区")
        + (_table("各行业指标（第二十五条）", content["sectors"], "行业") if content.get("sectors") else "")
        + _grid(
            "三、机构排名（前十名与后十名）", f"<th>名次</th><th>机构</th><th>行业</th>{rank_head}", rank_rows
        )
        + f"<h2>四、通报表扬</h2><ul>{praised or '<li>无</li>'}</ul>"
        f"<h2>五、通报批评</h2><ul>{criticised or '<li>无</li>'}</ul>"
        f"<p class='meta'>{FOOT}</p>"
        "</body></html>"
    )


def _sector(kind: str) -> str:
    try:
        return ORG_KIND_LABELS[OrgKind(kind)][0]
    except ValueError:
        return kind
