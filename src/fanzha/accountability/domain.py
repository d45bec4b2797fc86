"""Tracked items (Art 5, 24, 36): kinds, their articles, and when one is overdue and escalates: pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ItemKind(StrEnum):
    """What a unit must do and answer in writing."""

    RECTIFICATION = "rectification"  # 重点整治 (Art 24¶1)
    SUPERVISION = "supervision"  # 案件督办 (Art 5¶1)
    JUDICIAL_SUGGESTION = "judicial_suggestion"  # 司法建议 (Art 36¶2)
    PROCURATORIAL_SUGGESTION = "procuratorial_suggestion"  # 检察建议 (Art 36¶2)
    POLICE_NOTICE = "police_notice"  # 公安提示 (Art 36¶2)
    TRANSFER = "transfer"  # 案件移送 (Art 36¶1)


@dataclass(frozen=True)
class KindRule:
    """An item kind's article, its words (checked against the text by a test), and its written answer."""

    citation: str
    quote: str
    answer: str  # the report kind that answers it
    zh: str
    en: str
    issued_by_court: bool = False


KINDS: dict[ItemKind, KindRule] = {
    ItemKind.RECTIFICATION: KindRule(
        "第二十四条第一款",
        "涉诈重点整治地区、单位应当采取有效措施开展整治，定期报告整治情况",
        "progress",
        "重点整治",
        "Key rectification",
    ),
    ItemKind.SUPERVISION: KindRule("第五条第一款", "案件督办", "closing", "督办事项", "Supervised item"),
    ItemKind.JUDICIAL_SUGGESTION: KindRule(
        "第三十六条第二款",
        "应当依法提出司法建议、检察建议或者公安提示，有关单位应当及时研究处理并书面反馈处理情况",
        "reply",
        "司法建议",
        "Judicial suggestion",
        True,
    ),
    ItemKind.PROCURATORIAL_SUGGESTION: KindRule(
        "第三十六条第二款",
        "应当依法提出司法建议、检察建议或者公安提示，有关单位应当及时研究处理并书面反馈处理情况",
        "reply",
        "检察建议",
        "Procuratorial suggestion",
        True,
    ),
    ItemKind.POLICE_NOTICE: KindRule(
        "第三十六条第二款",
        "应当依法提出司法建议、检察建议或者公安提示，有关单位应当及时研究处理并书面反馈处理情况",
        "reply",
        "公安提示",
        "Police notice",
    ),
    ItemKind.TRANSFER: KindRule(
        "第三十六条第一款",
        "有关行政机关应当依法及时作出处理，并将处理情况书面反馈移送机关",
        "feedback",
        "案件移送",
        "Case transfer",
        True,
    ),
}
INTERVIEW_CITATION = ("第二十四条第一款", "对反电信网络诈骗工作履职不力的有关部门和单位进行约谈")
CONTROL_CITATIONS = {
    "control": ("第五条第四款", "建立反电信网络诈骗内部控制机制和安全责任制度"),
    "assessment": ("第五条第四款", "加强新业务涉诈风险安全评估"),
}
INSPECTION_CITATIONS = {
    "venue": ("第十五条第一款", "发现安装、使用非法外联设备可疑情形的，应当立即向公安机关报告"),
    "facility": ("第十五条第二款", "对非法安装、使用外联设备进行定期排查"),
    "premises": (
        "第三十一条第一款",
        "对发现的上述行为，应当及时予以制止、清理并留存证据，同时向公安机关报告",
    ),
}
ROSTER_CITATION = ("第六条第二款", "建立反电信网络诈骗专业队伍与人才库")
LICENSED_CITATION = ("第二十二条第一款", "未取得合法金融服务资质的，不得为其提供信息发布、直播、推广服务")
REPORT_KINDS = ("progress", "reply", "feedback", "closing")
DEFAULT_CADENCE_DAYS = 30


class ItemStatus(StrEnum):
    """open → answered (the unit's written answer or closing report) → closed (accepted by the owner)."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


def overdue(
    status: str,
    deadline: datetime,
    last_report: datetime | None,
    created: datetime,
    every_days: int | None,
    now: datetime,
) -> str:
    """Why an item is overdue now ('' when it is not): past its deadline unanswered, or a report late."""
    if status != ItemStatus.OPEN:
        return ""
    if deadline <= now:
        return "deadline"
    if every_days:
        due = (last_report or created) + timedelta(days=every_days)
        if due <= now:
            return "report"
    return ""


def escalates(reason: str, escalated_at: datetime | None, every_days: int | None, now: datetime) -> bool:
    """An overdue item escalates one level at most once a cadence (default a day)."""
    if not reason:
        return False
    gap = timedelta(days=every_days or 1)
    return escalated_at is None or escalated_at + gap <= now
