"""Potential victims scored by a calibrated model (Art 28): who is being worked on, not who was reached.

V1 grades each person by the furthest stage seen and adds fixed bonuses, so everyone a broadcast rang
three times, or who sat through one long cold call, reaches the level that triggers a call. A scam in
progress looks different in public case reports: the same number or account comes back over days, the
person answers (replies, rings back), follows the link or app, and pays. V2 gives a logistic model the
person's touches by kind, by source and by channel (a broadcast rings and texts; a script is worked in
one-to-one chats), and reports a calibrated probability; the stages stay reasons.
"""

from __future__ import annotations

from typing import ClassVar

import ibis.expr.types as ir

from fanzha.detect.engines.telecom_v2 import ModelEngine
from fanzha.detect.engines.victims import LONG_CALL_S, PotentialVictimV1
from fanzha.detect.frame import Engine
from fanzha.detect.province import Province


def _log1p(x: ir.NumericValue) -> ir.FloatingValue:
    return (x.cast("float64") + 1.0).ln()


class PotentialVictimV2(ModelEngine):
    """People a scam is being run on: repeated two-way contact with a fraud source, then links and money."""

    name = "PotentialVictimV2"
    version = 2
    articles = "28"
    title_zh = "潜在受害人识别（模型）"
    title_en = "Potential victims (model)"
    inputs = PotentialVictimV1.inputs
    truth_roles = frozenset()
    object_kind = "resident_id"
    REASONS: ClassVar[dict[str, str]] = {
        "calls": "多次接到涉诈号码来电",
        "texts": "多次收到涉诈号码短信",
        "chats": "多次收到涉诈账号消息（一对一聊天：刷单、投资、交友骗局多在社交平台进行）",
        "replied": "回复涉诈账号或回拨涉诈号码",
        "long_call": "与涉诈号码长时间通话",
        "clicked": "访问涉诈网址",
        "installed": "安装涉诈应用",
        "paid": "向涉诈账户付款",
        "paid_amount": "付款金额大",
        "per_source": "被同一涉诈号码或账号反复联系",
        "days": "多日内持续被联系",
        "sources": "被多个涉诈号码或账号联系",
    }

    def frame(self, p: Province) -> ir.Table:
        e = PotentialVictimV1().events(p)
        contact = e.ev.isin(("call", "sms", "chat"))

        def n(*evs: str) -> ir.IntegerValue:
            return e.ev.isin(evs).cast("int64").sum()

        f = e.group_by("rid").aggregate(
            n_call=n("call"),
            n_sms=n("sms"),
            n_chat=n("chat"),
            n_reply=n("reply", "callback"),
            n_visit=n("visit"),
            n_install=n("install"),
            n_pay=n("pay"),
            paid_fen=e.amount.sum(where=e.ev == "pay"),
            max_call=e.dur.max(where=e.ev == "call"),
            days=e.ts.date().nunique(where=contact),
            sources=e.obj.nunique(where=contact),
            last_seen=e.ts.max(),
        )
        c = e.filter(contact)
        per_obj = c.group_by(["rid", "obj"]).aggregate(k=c.count())
        most = per_obj.group_by("rid").aggregate(per_source=per_obj.k.max())
        f = f.left_join(most, "rid")
        f = f.select(*[x for x in f.columns if not x.endswith("_right")])
        return f.select(
            identifier=f.rid,
            last_seen=f.last_seen,
            calls=_log1p(f.n_call),  # broadcasts ring and text many people once or twice
            texts=_log1p(f.n_sms),
            chats=_log1p(f.n_chat),  # a chat is one to one: scripts are worked there
            replied=_log1p(f.n_reply),
            long_call=(f.max_call.fill_null(0) >= LONG_CALL_S).cast("float64"),
            clicked=(f.n_visit > 0).cast("float64"),
            installed=(f.n_install > 0).cast("float64"),
            paid=(f.n_pay > 0).cast("float64"),
            paid_amount=_log1p(f.paid_fen.fill_null(0) / 100),
            per_source=_log1p(f.per_source.fill_null(0)),
            days=_log1p(f.days),
            sources=_log1p(f.sources),
        )

    def truth(self, p: Province) -> ir.Table:
        return PotentialVictimV1().truth(p)

    def universe(self, p: Province) -> ir.Table | None:
        return PotentialVictimV1().universe(p)


ENGINES: tuple[type[Engine], ...] = (PotentialVictimV2,)
