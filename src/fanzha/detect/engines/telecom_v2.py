"""Telecom engines scored by calibrated models: abnormal cards (Art 13) and SIM boxes (Art 14).

V1 adds fixed weights to yes/no rules ("new card", "never called back"); fraud cards bought or
nurtured weeks before use, rung back by a few victims, or hidden among cover calls slip past it.
V2 keeps the law's reasons (Art 13: cards used abnormally for fraud; Art 14: devices that run many
cards) as the features and lets a logistic model, trained on several simulator seeds and shipped
in models/, weigh them. Features are Ibis; the model is an Ibis expression (fanzha.detect.linear).
"""

from __future__ import annotations

from typing import ClassVar

import ibis
import ibis.expr.types as ir

from fanzha.detect import additive
from fanzha.detect.engines.telecom import DAY_S, NEW_CARD_DAYS, SHORT_CALL_S, SIMBOX_MIN_CARDS
from fanzha.detect.frame import MEDIUM, Engine, as_alerts
from fanzha.detect.province import Province

LONG_CALL_S = 180  # a conversation, not a pitch or a courier's "到楼下了"


def _log1p(x: ir.NumericValue) -> ir.FloatingValue:
    return (x.cast("float64") + 1.0).ln()


def _share(a: ir.NumericValue, b: ir.NumericValue) -> ir.FloatingValue:
    return a.cast("float64") / ibis.greatest(b, 1).cast("float64")


class ModelEngine(Engine):
    """An engine whose score is a shipped logistic model over an Ibis feature frame."""

    object_kind: ClassVar[str]
    # feature name -> the reason in plain Chinese shown when it weighs heavily
    REASONS: ClassVar[dict[str, str]]
    # The features the model reads (default: those with a reason text).
    FEATURES: ClassVar[tuple[str, ...]] = ()
    # Additive trees with these monotone directions (feature -> 1 rising, -1 falling); None: logistic.
    MONOTONE: ClassVar[dict[str, int] | None] = None

    def frame(self, p: Province) -> ir.Table:
        """One row per object: `identifier`, `last_seen`, optionally `kind`, and the features (floats)."""
        raise NotImplementedError

    def alerts(self, p: Province) -> ir.Table:
        f = self.frame(p)
        model = additive.load(self.name)
        cols = {n: f[n] for n in model.names}
        kind = f["kind"] if "kind" in f.columns else self.object_kind
        return as_alerts(
            f,
            object_kind=kind,
            identifier=f.identifier,
            score=model.score(cols),
            reasons=model.reasons(cols, self.REASONS),
            last_seen=f.last_seen,
            min_score=MEDIUM,
        )


class AbnormalCardV2(ModelEngine):
    """Fraud cards judged by how they call, not by their age: strangers, brevity, one-way, no call-backs."""

    name = "AbnormalCardV2"
    version = 3
    articles = "13"
    title_zh = "涉诈异常电话卡监测（模型）"
    title_en = "Abnormal phone cards (model)"
    inputs = ("calls", "phone_cards")
    truth_roles = frozenset({"fraud_card"})
    object_kind = "phone"
    REASONS: ClassVar[dict[str, str]] = {
        "volume_rank": "呼出量在全部电话卡中居前",
        "callees": "呼叫大量不同号码",
        "stranger_ratio": "几乎每次呼叫都是不同号码（不回拨、不重复联系）",
        "no_reply": "被呼叫的号码极少与其有来电往来",
        "short_share": "短时通话或未接通占比高",
        "one_way": "呼出远多于呼入",
        "roaming": "在境外漫游时呼叫境内号码",
        "in_box": "在多卡设备（疑似“猫池”）中使用",
        "new": f"新开电话卡（开卡后{NEW_CARD_DAYS}天内即大量使用）",
        "few_long": "少有正常长时通话",
        "personal": "登记在个人名下却像外呼业务一样批量呼叫",
    }
    # Absolute volume (calls per day) and the share of days active are left out: both depend on the
    # province's calling rate and window, and with them the model did worse on the development world
    # too (docs/detect.md); the volume's rank among the province's cards carries what they meant.
    # Each of the law's reasons may only raise the odds as it grows (Art 13: abnormal use for fraud);
    # volume itself is left free, so couriers' and sales callers' volume can count for nothing.
    MONOTONE: ClassVar[dict[str, int] | None] = {
        "stranger_ratio": 1,
        "no_reply": 1,
        "short_share": 1,
        "one_way": 1,
        "roaming": 1,
        "in_box": 1,
        "new": 1,
        "few_long": 1,
        "personal": 1,
    }

    def frame(self, p: Province) -> ir.Table:
        calls, cards = p["calls"], p["phone_cards"]
        out = calls.group_by(identifier=calls.caller).aggregate(
            n_out=calls.count(),
            n_callees=calls.callee.nunique(),
            n_short=(calls.duration_s < SHORT_CALL_S).cast("int64").sum(),
            n_long=(calls.duration_s >= LONG_CALL_S).cast("int64").sum(),
            n_roam=(calls.roaming == "international").cast("int64").sum(),
            n_days=calls.ts.date().nunique(),
            first_call=calls.ts.min(),
            last_seen=calls.ts.max(),
        )
        inb = calls.group_by(identifier=calls.callee).aggregate(n_in=calls.count())
        # Callees that ever rang this card: people a card knows call it too; a script's targets rarely do.
        pairs = calls.select(a=calls.caller, b=calls.callee).distinct()
        back = pairs.select(a=pairs.b, b=pairs.a)
        replied = (
            pairs.semi_join(back, [pairs.a == back.a, pairs.b == back.b])
            .group_by(identifier=ibis._.a)
            .aggregate(n_replied=ibis._.count())
        )
        imei = calls.filter(calls.caller_imei.notnull())
        per_imei = imei.group_by(imei=imei.caller_imei).aggregate(n_cards=imei.caller.nunique())
        boxed = (
            imei.select(identifier=imei.caller, imei=imei.caller_imei)
            .distinct()
            .inner_join(per_imei.filter(per_imei.n_cards >= SIMBOX_MIN_CARDS), "imei")
            .select("identifier")
            .distinct()
            .mutate(boxed=ibis.literal(1))
        )
        f = cards.select(
            identifier=cards.msisdn, opened_at=cards.opened_at, biz=cards.holder_business_id
        ).inner_join(out, "identifier")
        for extra in (inb, boxed, replied):
            f = f.left_join(extra, "identifier")
            f = f.select(*[c for c in f.columns if c != "identifier_right"])
        age_days = (f.first_call.epoch_seconds() - f.opened_at.epoch_seconds()) / DAY_S
        n_in = f.n_in.fill_null(0)
        per_day = f.n_out.cast("float64") / f.n_days.cast("float64")
        return f.select(
            "identifier",
            "last_seen",
            # Rank among the province's cards: the same meaning whatever the province's calling rate.
            volume_rank=ibis.percent_rank().over(order_by=[per_day, f.n_callees]),
            callees=_log1p(f.n_callees),
            stranger_ratio=_share(f.n_callees, f.n_out),
            no_reply=1.0 - _share(f.n_replied.fill_null(0), f.n_callees),
            short_share=_share(f.n_short, f.n_out),
            one_way=_share(f.n_out, f.n_out + n_in),
            roaming=(f.n_roam > 0).cast("float64"),
            in_box=f.boxed.fill_null(0).cast("float64"),
            new=(age_days <= NEW_CARD_DAYS).fill_null(False).cast("float64"),
            few_long=1.0 - _share(f.n_long, f.n_out),
            personal=f.biz.isnull().cast("float64"),
        )

    def universe(self, p: Province) -> ir.Table:
        cards = p["phone_cards"]
        return cards.select(object_kind=ibis.literal("phone"), identifier=cards.msisdn).distinct()


class SimBoxV2(ModelEngine):
    """Devices that run many cards dialling strangers briefly, whatever the cards' age."""

    name = "SimBoxV2"
    version = 2
    articles = "14"
    title_zh = "猫池等多卡设备监测（模型）"
    title_en = "SIM boxes and multi-card devices (model)"
    inputs = ("calls", "phone_cards")
    truth_roles = frozenset({"sim_box"})
    object_kind = "imei"
    REASONS: ClassVar[dict[str, str]] = {
        "cards": "同一设备轮换使用多张电话卡",
        "many_cards": f"同一设备使用{SIMBOX_MIN_CARDS}张以上电话卡",
        "new_share": "所用电话卡多为新开卡",
        "stranger_ratio": "批量拨打不同号码",
        "short_share": "短时通话占比高",
        "personal_share": "电话卡登记在个人名下而非企业",
        "calls_per_card": "每张卡呼出次数多",
    }

    def frame(self, p: Province) -> ir.Table:
        calls, cards = p["calls"], p["phone_cards"]
        c = calls.filter(calls.caller_imei.notnull())
        per = c.group_by(identifier=c.caller_imei).aggregate(
            n_cards=c.caller.nunique(),
            n_calls=c.count(),
            n_callees=c.callee.nunique(),
            n_short=(c.duration_s < SHORT_CALL_S).cast("int64").sum(),
            last_seen=c.ts.max(),
        )
        used = c.group_by(identifier=c.caller_imei, phone=c.caller).aggregate(first_call=c.ts.min())
        held = used.left_join(
            cards.select(phone=cards.msisdn, opened_at=cards.opened_at, biz=cards.holder_business_id), "phone"
        )
        age = held.first_call.epoch_seconds() - held.opened_at.epoch_seconds()
        kinds = held.group_by(held.identifier).aggregate(
            n_new=(age <= NEW_CARD_DAYS * DAY_S).fill_null(False).cast("int64").sum(),
            n_personal=held.biz.isnull().cast("int64").sum(),
        )
        f = per.left_join(kinds, "identifier")
        f = f.select(*[col for col in f.columns if col != "identifier_right"])
        return f.select(
            "identifier",
            "last_seen",
            cards=_log1p(f.n_cards),
            many_cards=(f.n_cards >= SIMBOX_MIN_CARDS).cast("float64"),
            new_share=_share(f.n_new.fill_null(0), f.n_cards),
            stranger_ratio=_share(f.n_callees, f.n_calls),
            short_share=_share(f.n_short, f.n_calls),
            personal_share=_share(f.n_personal.fill_null(0), f.n_cards),
            calls_per_card=_log1p(f.n_calls.cast("float64") / f.n_cards.cast("float64")),
        )

    def universe(self, p: Province) -> ir.Table:
        calls = p["calls"]
        c = calls.filter(calls.caller_imei.notnull())
        return c.select(object_kind=ibis.literal("imei"), identifier=c.caller_imei).distinct()


ENGINES: tuple[type[Engine], ...] = (AbnormalCardV2, SimBoxV2)
