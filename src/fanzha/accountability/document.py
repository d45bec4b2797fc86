"""The decision document (行政处罚决定书) as HTML for the PDF renderer."""

from __future__ import annotations

import json
from html import escape

from fanzha.accountability.penalties import (
    ART39_QUOTE,
    CIRCUMSTANCE_LABELS,
    RULES,
    Circumstance,
    Rule,
    yuan_text,
)
from fanzha.accountability.tables import PenaltyCase
from fanzha.core.clock import local_text
from fanzha.disposal.domain import MEASURE_LABELS, STATUS_LABELS

MEASURES = {str(k): v[0] for k, v in MEASURE_LABELS.items()}
STATUSES = {str(k): v[0] for k, v in STATUS_LABELS.items()}

VENUE_TYPES = {
    "hotel": "宾馆、酒店",
    "hospital": "医院",
    "internet_cafe": "网吧",
    "rented": "出租房屋",
    "other": "其他场所",
}


def _evidence_line(link: dict[str, object]) -> str:
    if link.get("kind") == "indicator":
        value = link.get("value")
        shown = (
            "—"
            if value is None
            else (f"{float(str(value)):.1%}" if "rate" in str(link.get("key")) else str(value))
        )
        return f"{link.get('period')} 指标「{link.get('label')}」：{shown}"
    if link.get("kind") == "order":
        measure = MEASURES.get(str(link.get("measure")), str(link.get("measure")))
        status = STATUSES.get(str(link.get("status")), str(link.get("status")))
        what = f"{measure}，依据{link.get('article')}，{status}"
        return f"处置指令 {link.get('id')}（{what}）"
    return f"{link.get('kind')} 记录 {link.get('id')}"


def decision_html(case: PenaltyCase, rule: Rule, names: dict[str, str], note: str) -> str:
    """The decision: parties, facts and evidence, the article and its words, the fine, remedies."""
    evidence = "".join(f"<li>{escape(_evidence_line(e))}</li>" for e in json.loads(case.evidence or "[]"))
    respondent = escape(names["respondent"])
    if case.respondent_kind == "venue":
        respondent += (
            f"（{escape(VENUE_TYPES.get(case.venue_type, case.venue_type))}，{escape(case.venue_address)}）"
        )
    higher = ""
    if case.applied_rule != case.rule:
        higher = (
            f"<p>本规定第三十九条：「{escape(ART39_QUOTE)}」本案行为{escape(rule.source_name)}已有法律责任规定，"
            f"依{escape(rule.cited)}处罚。</p>"
        )
    circumstance = CIRCUMSTANCE_LABELS[Circumstance(case.circumstance or "serious")][0]
    fine = yuan_text(case.decided_fen or 0)
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>行政处罚决定书</title></head>
<body>
<h1>{escape(names["decider"])}<br>行政处罚决定书</h1>
<p class="meta">文号：{escape(case.decision_no)}　案件编号：{escape(case.number)}</p>
<h2>当事人</h2><p>{respondent}</p>
<h2>违法事实</h2><p>{escape(case.facts)}</p>
<h2>证据</h2><ul>{evidence or "<li>—</li>"}</ul>
<h2>处罚依据</h2>
<p>当事人的行为违反《湖南省反电信网络诈骗若干规定》{escape(case_duty(case))}。
依据{escape(rule.cited)}：「{escape(rule.quote)}」</p>{higher}
<h2>处罚决定</h2>
<p>情节：{escape(circumstance)}。决定给予警告，并处罚款人民币 <b>{escape(fine)}</b>。</p>
<p>{escape(note)}</p>
<h2>履行方式和期限</h2>
<p>当事人应当自收到本决定书之日起十五日内缴纳罚款（缴款截止：{escape(local_text(case.pay_by))}）。</p>
<h2>救济途径</h2>
<p>如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。</p>
<p class="meta">作出决定时间：{escape(local_text(case.decided_at))}（北京时间）</p>
</body></html>"""


def case_duty(case: PenaltyCase) -> str:
    """The provision's duty breached (the provision's own, also when a higher law sets the penalty)."""
    return RULES[case.rule].duty


def notice_html(case: PenaltyCase, rule: Rule, names: dict[str, str]) -> str:
    """The notice of the proposed penalty (行政处罚告知书): facts, article, proposed fine, hearing right."""
    circumstance = CIRCUMSTANCE_LABELS[Circumstance(case.circumstance or "serious")][0]
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>行政处罚告知书</title></head>
<body>
<h1>{escape(names["decider"])}<br>行政处罚告知书</h1>
<p class="meta">案件编号：{escape(case.number)}</p>
<h2>当事人</h2><p>{escape(names["respondent"])}</p>
<h2>违法事实</h2><p>{escape(case.facts)}</p>
<h2>拟作出的处罚</h2>
<p>当事人的行为违反《湖南省反电信网络诈骗若干规定》{escape(case_duty(case))}。依据{escape(rule.cited)}：
「{escape(rule.quote)}」情节：{escape(circumstance)}。拟给予警告，并处罚款人民币
<b>{escape(yuan_text(case.proposed_fen or 0))}</b>。</p>
<h2>当事人的权利</h2>
<p>当事人有权进行陈述和申辩，并有权在 {escape(local_text(case.hearing_until))}（北京时间）前要求举行听证。
逾期未提出的，视为放弃上述权利。</p>
</body></html>"""
