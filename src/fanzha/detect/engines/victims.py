"""Potential victims (Art 28): people reached by fraud objects, graded by how far the scam went.

The fraud objects are the police samples beside the data (`sample_objects.parquet`, and telecom's
`sample_numbers.parquet`) and the objects this platform's own engines judge high-risk: callers
(CallerScreenV1, AbnormalCardV1), senders of scam messages (ScamTextV1), URLs and apps (FraudUrlV1,
FraudAppV1) and mule accounts (MuleAccountV1). A person is reached when one calls, texts or chats to
them, or when their handset opens a fraud URL or installs a fraud app, or their account pays one.
"""

from __future__ import annotations

from typing import ClassVar

import ibis
import ibis.expr.types as ir

from fanzha.detect.engines.content_text import ScamTextV1
from fanzha.detect.engines.content_web import FraudAppV1, FraudUrlV1
from fanzha.detect.engines.finance import MuleAccountV1
from fanzha.detect.engines.internet import mask, sample_objects
from fanzha.detect.engines.telecom import AbnormalCardV1, CallerScreenV1
from fanzha.detect.frame import Engine, as_alerts, clip01, reasons_of
from fanzha.detect.province import Province

LONG_CALL_S = 300  # an answered call this long means the target listened to the script
REPEAT = 3  # this many contacts from one fraud number or account is repeated (a broadcast calls, then texts)
SOURCES = (CallerScreenV1, AbnormalCardV1, ScamTextV1, FraudUrlV1, FraudAppV1, MuleAccountV1)
EVENTS = ("call", "sms", "chat", "reply", "callback", "visit", "install", "pay")


def shanghai(ts: ir.TimestampValue) -> ir.StringValue:
    """A UTC timestamp as Asia/Shanghai wall time (UTC+8, no daylight saving): "2025年3月3日 14:05"."""
    t = ts + ibis.interval(hours=8)
    two = [x.cast("string").lpad(2, "0") for x in (t.hour(), t.minute())]
    ymd = t.year().cast("string") + "年" + t.month().cast("string") + "月" + t.day().cast("string") + "日"
    return ymd + " " + two[0] + ":" + two[1]


class PotentialVictimV1(Engine):
    """People contacted by fraud numbers or accounts, led to fraud URLs and apps, or paying fraud accounts."""

    name: ClassVar[str] = "PotentialVictimV1"
    articles: ClassVar[str] = "28"
    title_zh: ClassVar[str] = "潜在受害人识别"
    title_en: ClassVar[str] = "Potential victims"
    inputs: ClassVar[tuple[str, ...]] = (
        "calls", "sms", "chats", "web_visits", "app_installs", "transactions", "phone_cards",
        "internet_accounts", "devices", "bank_cards", "payment_accounts", "people",
    )  # fmt: skip
    FROM_ENGINES: ClassVar[bool] = True  # also use the high-risk objects of the engines in SOURCES
    # Stage scores (contacted < replied < clicked or installed < paid) and evidence on top.
    CONTACTED: ClassVar[float] = 0.3
    REPLIED: ClassVar[float] = 0.5
    CLICKED: ClassVar[float] = 0.6
    PAID: ClassVar[float] = 0.9
    W_REPEAT: ClassVar[float] = 0.2
    W_LONG: ClassVar[float] = 0.2
    W_ENGAGED: ClassVar[float] = 0.2
    MIN_SCORE: ClassVar[float] = 0.3  # low alerts too: a warning text is cheap (Art 28, timely warning)

    def known(self, p: Province) -> ir.Table:
        """Fraud objects: (object_kind, identifier), from the samples and the engines' high alerts."""
        parts: list[ir.Table] = []
        samples = sample_objects(p, "victims")
        if samples is not None:
            parts.append(samples)
        if self.FROM_ENGINES:
            for source in SOURCES:
                a = source().alerts(p)
                parts.append(a.filter(a.level == "high").select("object_kind", "identifier"))
        if not parts:
            return ibis.memtable(
                {"object_kind": [], "identifier": []},
                schema={"object_kind": "string", "identifier": "string"},
            )
        return ibis.union(*parts).distinct()

    def events(self, p: Province) -> ir.Table:
        """(rid, ev, ts, obj, dur, amount): every touch of a fraud object on a person."""
        known = self.known(p)

        def kinds(*names: str) -> ir.Table:
            k = known.filter(known.object_kind.isin(names))
            return k.select(obj=k.identifier).distinct()

        phones, accounts, urls = kinds("phone"), kinds("internet_account"), kinds("url")
        domains, apps, money = kinds("domain"), kinds("app"), kinds("bank_card", "payment_account")
        people = p["people"].select("person_id", "resident_id")
        cards = p["phone_cards"].filter(p["phone_cards"].holder_resident_id.notnull())
        phone_of = cards.select(own=cards.msisdn, rid=cards.holder_resident_id).anti_join(
            phones, ibis._.own == phones.obj
        )
        ia = p["internet_accounts"]
        acct_of = (
            ia.inner_join(people, ia.holder_person_id == people.person_id)
            .select(own=ia.account, rid=people.resident_id)
            .anti_join(accounts, ibis._.own == accounts.obj)
        )
        dev = p["devices"]
        imei_of = dev.inner_join(people, dev.owner_person_id == people.person_id).select(
            own=dev.imei, rid=people.resident_id
        )
        bc, pa_ = p["bank_cards"], p["payment_accounts"]
        money_of = ibis.union(
            bc.filter(bc.holder_resident_id.notnull()).select(own=bc.card_number, rid=bc.holder_resident_id),
            pa_.inner_join(people, pa_.holder_person_id == people.person_id).select(
                own=pa_.account, rid=people.resident_id
            ),
        ).anti_join(money, ibis._.own == money.obj)

        def touch(
            t: ir.Table, ev: str, own: str, obj: str, owners: ir.Table, objs: ir.Table, **extra: ir.Value
        ) -> ir.Table:
            hit = t.inner_join(objs, t[obj] == objs.obj).inner_join(owners, t[own] == owners.own)
            return hit.select(
                rid=hit.rid,
                ev=ibis.literal(ev),
                ts=hit.ts.cast("timestamp('UTC')"),
                obj=hit.obj,
                dur=extra["dur"].cast("int64") if "dur" in extra else ibis.literal(0).cast("int64"),
                amount=extra["amount"].cast("int64") if "amount" in extra else ibis.literal(0).cast("int64"),
            )

        calls, sms, chats = p["calls"], p["sms"], p["chats"]
        visits, installs, txns = p["web_visits"], p["app_installs"], p["transactions"]
        vis_url = visits.inner_join(urls, visits.url == urls.obj).select("ts", "imei", obj="url")
        vis_dom = visits.inner_join(domains, visits.domain == domains.obj).select("ts", "imei", obj="url")
        vis = ibis.union(vis_url, vis_dom).distinct()
        vis_hit = vis.inner_join(imei_of, vis.imei == imei_of.own)
        parts = [
            touch(calls, "call", "callee", "caller", phone_of, phones, dur=calls.duration_s),
            touch(calls, "callback", "caller", "callee", phone_of, phones, dur=calls.duration_s),
            touch(sms, "sms", "receiver", "sender", phone_of, phones),
            touch(chats, "chat", "receiver", "sender", acct_of, accounts),
            touch(chats, "reply", "sender", "receiver", acct_of, accounts),
            vis_hit.select(
                rid=vis_hit.rid,
                ev=ibis.literal("visit"),
                ts=vis_hit.ts.cast("timestamp('UTC')"),
                obj=vis_hit.obj,
                dur=ibis.literal(0).cast("int64"),
                amount=ibis.literal(0).cast("int64"),
            ),
            touch(installs, "install", "imei", "package", imei_of, apps),
            touch(txns, "pay", "src_account", "dst_account", money_of, money, amount=txns.amount_fen),
        ]
        return ibis.union(*parts)

    def alerts(self, p: Province) -> ir.Table:
        e = self.events(p)
        contact = e.ev.isin(("call", "sms", "chat"))
        agg: dict[str, ir.Value] = {}
        for ev in EVENTS:
            on = e.ev == ev
            agg[f"n_{ev}"] = on.cast("int64").sum()
            agg[f"t_{ev}"] = e.ts.min(where=on)
            agg[f"o_{ev}"] = e.obj.min(where=on)
        agg["max_call"] = e.dur.max(where=e.ev == "call")
        agg["paid"] = e.amount.sum(where=e.ev == "pay")
        agg["contact_days"] = e.ts.date().nunique(where=contact)
        agg["last_seen"] = e.ts.max()
        f = e.group_by("rid").aggregate(**agg)
        c = e.filter(contact)
        per_obj = c.group_by(["rid", "obj"]).aggregate(n=c.count())
        most = per_obj.group_by("rid").aggregate(max_per_obj=per_obj.n.max())
        f = f.left_join(most, "rid").drop("rid_right")
        n_contact = f.n_call + f.n_sms + f.n_chat
        paid = f.n_pay > 0
        clicked = (f.n_visit > 0) | (f.n_install > 0)
        replied = (f.n_reply > 0) | (f.n_callback > 0)
        # Broadcasts reach a person once per number; a script comes back from the same number or account.
        repeated = f.max_per_obj.fill_null(0) >= REPEAT
        long_call = f.max_call.fill_null(0) >= LONG_CALL_S
        # Paying a flagged account with no contact seen (rent to a landlord whose card became a mule
        # card) is worth a look, not an urgent call.
        led = (n_contact > 0) | clicked | replied
        stage = ibis.cases(
            (paid & led, self.PAID),
            (clicked | paid, self.CLICKED),
            (replied, self.REPLIED),
            else_=self.CONTACTED,
        )
        engaged = replied & (clicked | paid)  # answered the scammer and followed the link as well
        score = clip01(
            stage
            + self.W_REPEAT * repeated.cast("float64")
            + self.W_LONG * long_call.cast("float64")
            + self.W_ENGAGED * engaged.cast("float64")
        )
        when = {ev: shanghai(f[f"t_{ev}"]) for ev in EVENTS}
        what = {ev: mask(f[f"o_{ev}"]) for ev in EVENTS}
        n = {ev: f[f"n_{ev}"].cast("string") for ev in EVENTS}
        yuan = (f.paid.fill_null(0).cast("float64") / 100).round(0).cast("int64").cast("string")
        reasons = reasons_of(
            (paid, when["pay"] + "起向涉诈账户 " + what["pay"] + " 付款" + n["pay"] + "笔，共" + yuan + "元"),
            (f.n_install > 0, when["install"] + "安装涉诈应用 " + f.o_install),
            (f.n_visit > 0, when["visit"] + "起访问涉诈网址" + n["visit"] + "次"),
            (f.n_callback > 0, when["callback"] + "回拨涉诈号码 " + what["callback"]),
            (f.n_reply > 0, when["reply"] + "起回复涉诈账号 " + what["reply"] + "（" + n["reply"] + "条）"),
            (
                f.n_call > 0,
                when["call"] + "起接到涉诈号码 " + what["call"] + " 来电" + n["call"] + "次",
            ),
            (long_call, "最长通话" + (f.max_call.fill_null(0) // 60).cast("string") + "分钟"),
            (f.n_sms > 0, when["sms"] + "起收到涉诈号码 " + what["sms"] + " 短信" + n["sms"] + "条"),
            (f.n_chat > 0, when["chat"] + "起收到涉诈账号 " + what["chat"] + " 消息" + n["chat"] + "条"),
            (
                repeated,
                "被同一涉诈号码或账号反复联系（"
                + f.contact_days.cast("string")
                + "天内共"
                + n_contact.cast("string")
                + "次）",
            ),
        )
        return as_alerts(
            f,
            object_kind="resident_id",
            identifier=f.rid,
            score=score,
            reasons=reasons,
            last_seen=f.last_seen,
            min_score=self.MIN_SCORE,
        )

    def truth(self, p: Province) -> ir.Table:
        """Targets of the scam cases, victims who paid and those who engaged."""
        cases = p["label_cases"]
        return cases.select(object_kind=ibis.literal("resident_id"), identifier=cases.resident_id).distinct()

    def universe(self, p: Province) -> ir.Table | None:
        """Every person of the province."""
        people = p["people"]
        return people.select(
            object_kind=ibis.literal("resident_id"), identifier=people.resident_id
        ).distinct()


ENGINES: tuple[type[Engine], ...] = (PotentialVictimV1,)
