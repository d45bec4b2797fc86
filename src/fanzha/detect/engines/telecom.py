"""Telecom engines: card openings (Art 10), callers (Art 12), abnormal cards (Art 13), SIM boxes (Art 14).

Sample numbers (Art 12: "公安机关通报的涉诈号码") live in the platform's sample library, which Ibis
cannot reach; CallerScreenV1 reads an optional `sample_numbers.parquet` (column `identifier`,
E.164) from the province directory when an exporter put one there, and otherwise judges callers
on what the call records show (gateway, roaming, number form).
"""

from __future__ import annotations

from typing import ClassVar

import ibis
import ibis.expr.types as ir

from fanzha.detect.frame import Engine, as_alerts, clip01, reasons_of
from fanzha.detect.province import Province

DAY_S = 86_400
CARD_LIMIT = 5  # Art 10(一): national limit, 5 cards per person per operator (工信部)
NEW_CARD_DAYS = 15  # a card first used within this many days of its opening is "new"
SHORT_CALL_S = 30  # answered for less than this, or unanswered
SIMBOX_MIN_CARDS = 5  # an ordinary handset holds one or two SIMs
SAMPLE_FILE = "sample_numbers.parquet"


def _card_calls(p: Province) -> ir.Table:
    """Per province card (phone_cards), its outbound calls summarised, inbound calls counted."""
    calls, cards = p["calls"], p["phone_cards"]
    out = calls.group_by(phone=calls.caller).aggregate(
        n_out=calls.count(),
        n_callees=calls.callee.nunique(),
        n_short=(calls.duration_s < SHORT_CALL_S).cast("int64").sum(),
        n_intl_roam=(calls.roaming == "international").cast("int64").sum(),
        first_call=calls.ts.min(),
        last_call=calls.ts.max(),
    )
    inb = calls.group_by(phone=calls.callee).aggregate(n_in=calls.count())
    per_imei = _imei_cards(p)
    boxed = (
        calls.filter(calls.caller_imei.notnull())
        .select(phone=calls.caller, imei=calls.caller_imei)
        .distinct()
        .inner_join(per_imei.filter(per_imei.n_cards >= SIMBOX_MIN_CARDS), "imei")
        .select("phone")
        .distinct()
        .mutate(in_box=ibis.literal(1))
    )
    j = (
        cards.select(phone=cards.msisdn, opened_at=cards.opened_at)
        .inner_join(out, "phone")
        .left_join(inb, "phone")
        .select(
            "phone",
            "opened_at",
            "n_out",
            "n_callees",
            "n_short",
            "n_intl_roam",
            "first_call",
            "last_call",
            n_in=ibis._.n_in.fill_null(0),
        )
    )
    j = j.left_join(boxed, "phone").select(*j.columns, in_box=ibis._.in_box.fill_null(0))
    return j


def _imei_cards(p: Province) -> ir.Table:
    """Per calling IMEI: distinct cards, callees, cells and calls."""
    calls = p["calls"]
    c = calls.filter(calls.caller_imei.notnull())
    return c.group_by(imei=c.caller_imei).aggregate(
        n_cards=c.caller.nunique(),
        n_calls=c.count(),
        n_callees=c.callee.nunique(),
        n_cells=c.cell_id.nunique(),
        n_short=(c.duration_s < SHORT_CALL_S).cast("int64").sum(),
        last_seen=c.ts.max(),
    )


class AbnormalCardV1(Engine):
    """Fraud cards: new, outbound only, many strangers called briefly, roaming abroad or in a SIM box."""

    name = "AbnormalCardV1"
    articles = "13"
    title_zh = "涉诈异常电话卡监测"
    title_en = "Abnormal phone cards"
    inputs = ("calls", "phone_cards")
    truth_roles = frozenset({"fraud_card"})
    # Weights tuned on seed 1: "new" alone never reaches medium; a new card must also call out
    # only (no one calls it back) and show a fraud pattern (strangers, short calls, abroad, box).
    W_NEW: ClassVar[float] = 0.35
    W_NO_IN: ClassVar[float] = 0.15
    W_CALLEES: ClassVar[float] = 0.2
    W_SHORT: ClassVar[float] = 0.1
    W_ROAM: ClassVar[float] = 0.3
    W_BOX: ClassVar[float] = 0.3
    MIN_SCORE: ClassVar[float] = 0.8

    def features(self, p: Province) -> ir.Table:
        """Card features the rules score."""
        f = _card_calls(p)
        age_s = f.first_call.epoch_seconds() - f.opened_at.epoch_seconds()
        return f.mutate(
            new=age_s <= NEW_CARD_DAYS * DAY_S,
            short_share=f.n_short.cast("float64") / f.n_out.cast("float64"),
            roam_share=f.n_intl_roam.cast("float64") / f.n_out.cast("float64"),
        )

    def alerts(self, p: Province) -> ir.Table:
        f = self.features(p)
        no_in = f.n_in == 0
        many = f.n_callees >= 10
        short = (f.short_share >= 0.6) & (f.n_out >= 2)
        roam = f.roam_share > 0
        box = f.in_box == 1
        score = clip01(
            self.W_NEW * f.new.cast("float64")
            + self.W_NO_IN * no_in.cast("float64")
            + self.W_CALLEES * clip01(f.n_callees.cast("float64") / 10.0)
            + self.W_SHORT * short.cast("float64")
            + self.W_ROAM * roam.cast("float64")
            + self.W_BOX * box.cast("float64")
        )
        reasons = reasons_of(
            (f.new, "新开电话卡（开卡后" + str(NEW_CARD_DAYS) + "天内即大量使用）"),
            (no_in, "只呼出不呼入"),
            (many, "呼叫大量不同号码（" + f.n_callees.cast("string") + "个）"),
            (short, "短时通话占比高"),
            (roam, "在境外漫游时呼叫境内号码"),
            (box, "在多卡设备（疑似“猫池”）中使用"),
        )
        return as_alerts(
            f,
            object_kind="phone",
            identifier=f.phone,
            score=score,
            reasons=reasons,
            last_seen=f.last_call,
            min_score=self.MIN_SCORE,
        )

    def universe(self, p: Province) -> ir.Table:
        cards = p["phone_cards"]
        return cards.select(object_kind=ibis.literal("phone"), identifier=cards.msisdn).distinct()


class SimBoxV1(Engine):
    """SIM boxes: one IMEI through which many new cards take turns to dial strangers in one cell."""

    name = "SimBoxV1"
    articles = "14"
    title_zh = "猫池等多卡设备监测"
    title_en = "SIM boxes and multi-card devices"
    inputs = ("calls", "phone_cards")
    truth_roles = frozenset({"sim_box"})
    MIN_SCORE: ClassVar[float] = 0.7  # call-centre gateways (old business cards) score 0.6

    def alerts(self, p: Province) -> ir.Table:
        calls, cards = p["calls"], p["phone_cards"]
        c = calls.filter(calls.caller_imei.notnull())
        used = c.group_by(imei=c.caller_imei, phone=c.caller).aggregate(first_call=c.ts.min())
        fresh = used.left_join(cards.select(phone=cards.msisdn, opened_at=cards.opened_at), "phone")
        age = fresh.first_call.epoch_seconds() - fresh.opened_at.epoch_seconds()
        new_share = fresh.group_by("imei").aggregate(
            n_new=(age <= NEW_CARD_DAYS * DAY_S).fill_null(False).cast("int64").sum()
        )
        f = _imei_cards(p).left_join(new_share, "imei")
        f = f.select(*[col for col in f.columns if col != "imei_right"])
        # A box sits on the province network (it has a cell); a handset swapping cards abroad has
        # none and is left to AbnormalCardV1, card by card.
        many = (f.n_cards >= SIMBOX_MIN_CARDS) & (f.n_cells >= 1)
        new_share_v = f.n_new.fill_null(0).cast("float64") / f.n_cards.cast("float64")
        one_cell = (f.n_cells >= 1) & (f.n_cells <= 2)
        strangers = f.n_callees.cast("float64") / f.n_calls.cast("float64") >= 0.8
        short = f.n_short.cast("float64") / f.n_calls.cast("float64") >= 0.6
        # Many cards is necessary; call-centre gateways also hold many (old, business) cards, so
        # the cards being new and the callees strangers carry the rest.
        score = ibis.ifelse(
            many,
            clip01(
                0.3
                + 0.4 * new_share_v
                + 0.1 * one_cell.cast("float64")
                + 0.1 * strangers.cast("float64")
                + 0.1 * short.cast("float64")
            ),
            0.0,
        )
        reasons = reasons_of(
            (many, "同一设备轮换使用" + f.n_cards.cast("string") + "张电话卡"),
            (new_share_v >= 0.5, "所用电话卡多为新开卡"),
            (one_cell, "固定在同一基站拨打"),
            (strangers, "批量拨打不同号码"),
            (short, "短时通话占比高"),
        )
        return as_alerts(
            f,
            object_kind="imei",
            identifier=f.imei,
            score=score,
            reasons=reasons,
            last_seen=f.last_seen,
            min_score=self.MIN_SCORE,
        )

    def universe(self, p: Province) -> ir.Table:
        calls = p["calls"]
        c = calls.filter(calls.caller_imei.notnull())
        return c.select(object_kind=ibis.literal("imei"), identifier=c.caller_imei).distinct()


class CardOpeningV1(Engine):
    """Resident IDs whose card openings should be refused: over the limit, bulk, or a fraud-card holder."""

    name = "CardOpeningV1"
    articles = "10"
    title_zh = "电话卡开卡异常核查"
    title_en = "Card-opening checks"
    inputs = ("phone_cards", "calls")
    # Traders; `truth` adds the holders of labelled fraud cards (mules who sold their own).
    truth_roles = frozenset({"trader"})
    BULK_CARDS: ClassVar[int] = 3  # cards opened by one ID at one outlet within BULK_DAYS
    BULK_DAYS: ClassVar[int] = 7
    MIN_SCORE: ClassVar[float] = 0.5

    def alerts(self, p: Province) -> ir.Table:
        cards = p["phone_cards"]
        held = cards.filter(cards.holder_resident_id.notnull())
        # Art 10(一): more than CARD_LIMIT cards with one operator.
        per_op = held.group_by(rid=held.holder_resident_id, op=held.operator_code).aggregate(n=held.count())
        over = per_op.group_by("rid").aggregate(max_per_op=per_op.n.max())
        # Bulk: several cards at one outlet in one week (traders buy at complicit outlets).
        week = (held.opened_at.epoch_seconds() // (self.BULK_DAYS * DAY_S)).cast("int64")
        bulk_g = held.group_by(rid=held.holder_resident_id, outlet=held.outlet_id, week=week).aggregate(
            n=held.count()
        )
        bulk = bulk_g.group_by("rid").aggregate(max_bulk=bulk_g.n.max())
        # Art 10(二): holds a card this platform judges a fraud card (AbnormalCardV1); until the
        # holder is re-verified, further openings are refused.
        fraud = AbnormalCardV1().alerts(p)
        flagged = (
            held.inner_join(fraud, held.msisdn == fraud.identifier)
            .group_by(rid=held.holder_resident_id)
            .aggregate(n_fraud=ibis._.msisdn.nunique())
        )
        base = held.group_by(rid=held.holder_resident_id).aggregate(
            n_cards=held.count(), last_seen=held.opened_at.max()
        )
        f = (
            base.left_join(over, "rid")
            .select(*base.columns, "max_per_op")
            .left_join(bulk, "rid")
            .select(*base.columns, "max_per_op", "max_bulk")
        )
        f = f.left_join(flagged, "rid").select(
            *base.columns,
            max_per_op=f.max_per_op.fill_null(0),
            max_bulk=f.max_bulk.fill_null(0),
            n_fraud=ibis._.n_fraud.fill_null(0),
        )
        over_limit = f.max_per_op > CARD_LIMIT
        is_bulk = f.max_bulk >= self.BULK_CARDS
        holds_fraud = f.n_fraud > 0
        score = clip01(
            0.8 * over_limit.cast("float64")
            + 0.3 * is_bulk.cast("float64")
            + 0.6 * holds_fraud.cast("float64")
        )
        reasons = reasons_of(
            (
                over_limit,
                "在同一运营商名下持有"
                + f.max_per_op.cast("string")
                + "张电话卡，超过国家规定的"
                + str(CARD_LIMIT)
                + "张",
            ),
            (
                is_bulk,
                "短期内在同一网点批量开卡（"
                + str(self.BULK_DAYS)
                + "天内"
                + f.max_bulk.cast("string")
                + "张）",
            ),
            (holds_fraud, "名下有" + f.n_fraud.cast("string") + "张涉诈异常电话卡，未经重新核验不得再开卡"),
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
        """Traders, and holders of labelled fraud cards: both should be refused a new card."""
        objects, cards = p["label_objects"], p["phone_cards"]
        traders = objects.filter(objects.role == "trader").select("object_kind", "identifier")
        fraud = objects.filter(objects.role == "fraud_card")
        holders = cards.inner_join(fraud, cards.msisdn == fraud.identifier).filter(
            cards.holder_resident_id.notnull()
        )
        holders = holders.select(
            object_kind=ibis.literal("resident_id"), identifier=holders.holder_resident_id
        )
        return ibis.union(traders, holders).distinct()

    def universe(self, p: Province) -> ir.Table:
        cards = p["phone_cards"]
        held = cards.filter(cards.holder_resident_id.notnull())
        return held.select(
            object_kind=ibis.literal("resident_id"), identifier=held.holder_resident_id
        ).distinct()


# Art 12: regions where overseas fraud is rife (country calling codes; longest first is not
# needed since none is a prefix of another here).
RISKY_CODES = ("+95", "+855", "+856", "+63", "+60", "+66", "+971", "+852", "+853", "+886", "+84")


class CallerScreenV1(Engine):
    """Callers to screen: domestic numbers arriving from abroad (spoofed), overseas and sample numbers."""

    name = "CallerScreenV1"
    articles = "12"
    title_zh = "境外及虚假主叫号码识别"
    title_en = "Spoofed, overseas and sample callers"
    inputs = ("calls",)
    truth_roles = frozenset({"spoofed_number", "overseas_number"})
    MIN_SCORE: ClassVar[float] = 0.5

    def _samples(self, p: Province) -> ir.Table | None:
        """The optional sample-number list beside the data (see the module docstring)."""
        if not p.has(SAMPLE_FILE):
            return None
        t = p.con.read_parquet(p.location(SAMPLE_FILE), table_name="telecom_sample_numbers")
        return t.select(caller=t.identifier.cast("string")).distinct().mutate(is_sample=ibis.literal(1))

    def alerts(self, p: Province) -> ir.Table:
        calls = p["calls"]
        domestic = calls.caller.startswith("+86")
        intl_in = calls.gateway == "international"
        # A +86 number whose card is not roaming abroad cannot enter through the international
        # gateway: the calling number was changed (改号).
        spoof = domestic & intl_in & (calls.roaming != "international")
        overseas = calls.caller.startswith("+") & ~domestic
        risky = ibis.literal(False)
        for code in RISKY_CODES:
            risky = risky | calls.caller.startswith(code)
        g = calls.group_by(phone=calls.caller).aggregate(
            n=calls.count(),
            n_spoof=spoof.cast("int64").sum(),
            n_overseas=overseas.cast("int64").sum(),
            n_risky=(overseas & risky).cast("int64").sum(),
            n_callees=calls.callee.nunique(),
            n_short=(calls.duration_s < SHORT_CALL_S).cast("int64").sum(),
            last_seen=calls.ts.max(),
        )
        samples = self._samples(p)
        if samples is not None:
            g = g.left_join(samples, g.phone == samples.caller).drop("caller")
            g = g.mutate(is_sample=g.is_sample.fill_null(0))
        else:
            g = g.mutate(is_sample=ibis.literal(0))
        is_spoof = g.n_spoof > 0
        is_overseas = g.n_overseas > 0
        is_risky = g.n_risky > 0
        many = g.n_callees >= 5
        short = g.n_short.cast("float64") / g.n.cast("float64") >= 0.6
        sample = g.is_sample == 1
        score = clip01(
            0.9 * is_spoof.cast("float64")
            + ibis.ifelse(is_overseas, 0.4 + 0.2 * is_risky.cast("float64"), 0.0)
            + 0.15 * many.cast("float64")
            + 0.1 * short.cast("float64")
            + 1.0 * sample.cast("float64")
        )
        reasons = reasons_of(
            (sample, "公安机关通报的涉诈号码（样本库）"),
            (is_spoof, "境内号码经国际网关呼入，疑似虚假主叫（改号）"),
            (is_overseas, "境外号码呼入"),
            (is_risky, "来自境外电信网络诈骗活动严重地区"),
            (many, "呼叫大量不同号码（" + g.n_callees.cast("string") + "个）"),
            (short, "短时通话占比高"),
        )
        return as_alerts(
            g,
            object_kind="phone",
            identifier=g.phone,
            score=score,
            reasons=reasons,
            last_seen=g.last_seen,
            min_score=self.MIN_SCORE,
        )

    def universe(self, p: Province) -> ir.Table:
        calls = p["calls"]
        return calls.select(object_kind=ibis.literal("phone"), identifier=calls.caller).distinct()


ENGINES: tuple[type[Engine], ...] = (CardOpeningV1, AbnormalCardV1, CallerScreenV1, SimBoxV1)
