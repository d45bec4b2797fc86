"""Voice private lines, trunk lines and SMS ports used otherwise than declared at access (Art 11).

The operator's monitoring records each line's day (line_records): volume, distinct destinations, the
share outside the declared scope, short calls, the content class seen and complaints. A line is judged
by its worst day against its own declaration: a leased-out line dials or texts strangers nationwide far
beyond the declared volume with financial or impersonation content. Abnormal lines go to re-verification
of the user's identity and usage scenario (Art 11 重新核验使用者身份和使用场景) through the disposal orders.
"""

from __future__ import annotations

from typing import ClassVar

import ibis
import ibis.expr.types as ir

from fanzha.detect.frame import REASON_SEP, Engine, as_alerts, clip01, reasons_of
from fanzha.detect.province import Province

ARTICLE = "第十一条"
OVER_VOLUME = 1.5  # a day above 1.5 × the declared volume: an honest sales peak rarely goes further
STRANGERS = 0.8  # destinations / volume: honest lines call back the same customers
OUT_OF_SCOPE = 0.4
SHORT = 0.5
FRAUD_CONTENT = ("financial", "impersonation")
COMPLAINTS = 3

# Each reason in Chinese (as the alerts carry it) and in English, the article cited in both.
REASONS: dict[str, tuple[str, str]] = {
    "content": (
        f"实际内容为金融、冒充类，与接入时申报的使用场景不符（{ARTICLE}）",
        "Financial or impersonation content, not the usage scenario declared at access (Art 11)",
    ),
    "volume": (
        f"单日呼叫或发送量超过申报量的{OVER_VOLUME}倍（{ARTICLE}）",
        f"Daily volume above {OVER_VOLUME} × the declared volume (Art 11)",
    ),
    "strangers": (
        f"几乎每次都联系不同号码（{ARTICLE}）",
        "Almost every call or message to a different number (Art 11)",
    ),
    "scope": (
        f"大量目的号码超出申报的使用范围（{ARTICLE}）",
        "Many destinations outside the declared scope (Art 11)",
    ),
    "short": (f"短时通话或未接通占比高（{ARTICLE}）", "High share of short or unanswered calls (Art 11)"),
    "complaints": (f"单日投诉多（{ARTICLE}）", "Many complaints in a day (Art 11)"),
    "mismatch": (
        f"内容类别与申报的使用场景不一致（{ARTICLE}）",
        "Content class differs from the declared scenario (Art 11)",
    ),
}


def reasons_en(text: str) -> str:
    """The English of an alert's reasons (joined by "；" in Chinese, by "; " in English)."""
    back = {zh: en for zh, en in REASONS.values()}
    return "; ".join(back.get(part, part) for part in text.split(REASON_SEP) if part)


class LineAbuseV1(Engine):
    """Lines and ports whose use departs from the declaration: volume, strangers, scope, content."""

    name = "LineAbuseV1"
    articles = "11"
    title_zh = "语音专线、中继线路和短信端口异常使用监测"
    title_en = "Voice lines, trunks and SMS ports used otherwise than declared"
    inputs = ("line_records",)
    truth_roles = frozenset({"abnormal_line"})
    W: ClassVar[dict[str, float]] = {
        "content": 0.45,
        "volume": 0.2,
        "strangers": 0.2,
        "scope": 0.2,
        "short": 0.15,
        "complaints": 0.1,
        "mismatch": 0.1,
    }

    def daily(self, p: Province) -> ir.Table:
        """One row per line and day with the day's flags and score."""
        r = p["line_records"]
        flags = {
            "content": r.content_class.isin(FRAUD_CONTENT),
            "volume": r.volume.cast("float64") > OVER_VOLUME * r.declared_daily_volume.cast("float64"),
            "strangers": (r.destinations.cast("float64") >= STRANGERS * r.volume.cast("float64"))
            & (r.volume >= 50),
            "scope": (r.declared_scope != "national") & (r.out_of_scope_share >= OUT_OF_SCOPE),
            "short": (r.line_kind != "sms_port") & (r.short_share >= SHORT),
            "complaints": r.complaints >= COMPLAINTS,
            "mismatch": (r.content_class != r.declared_scenario) & ~r.content_class.isin(FRAUD_CONTENT),
        }
        score = ibis.literal(0.0)
        for key, flag in flags.items():
            score = score + self.W[key] * flag.cast("float64")
        return r.select(
            "line_number",
            "day",
            day_score=clip01(score),
            **{f"f_{k}": v.cast("int64") for k, v in flags.items()},
        )

    def alerts(self, p: Province) -> ir.Table:
        d = self.daily(p)
        g = d.group_by(d.line_number).aggregate(
            score=d.day_score.max(),
            last_day=d.day.max(),
            **{f"n_{k}": d[f"f_{k}"].sum() for k in self.W},
        )
        reasons = reasons_of(*[(g[f"n_{k}"] > 0, REASONS[k][0]) for k in self.W])
        return as_alerts(
            g,
            object_kind="phone",
            identifier=g.line_number,
            score=g.score,
            reasons=reasons,
            last_seen=g.last_day.cast("timestamp"),
        )

    def universe(self, p: Province) -> ir.Table:
        r = p["line_records"]
        return r.select(object_kind=ibis.literal("phone"), identifier=r.line_number).distinct()


ENGINES: tuple[type[Engine], ...] = (LineAbuseV1,)
