"""Each day's mass dialling and texting by the groups, and the hard negatives around them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.sim import encode
from fanzha.sim.blocks import CALL_HOURS, DAY, WORK_HOURS, Block, concat, time_of_day
from fanzha.sim.gear import CALLER_MIX, Gear
from fanzha.sim.grammar import GRAMMAR_SHARE, scam_template  # importing it merges the phrasings into SCAM
from fanzha.sim.phrasing import compose, disguise, vary
from fanzha.sim.playbooks import PLAYBOOKS
from fanzha.sim.rng import stream
from fanzha.sim.scam_slots import SCAM
from fanzha.sim.scripts import EXTRA_BROADCAST, PHRASES, POLICE_WARNINGS
from fanzha.sim.vocab import CALL_CATEGORIES, CALLER_KINDS, GATEWAYS, ROAMING, cat
from fanzha.sim.world import World

SCAM_HOURS = np.where(np.arange(24) < 8, 0.3, np.where(np.arange(24) < 22, 3.0, 1.0))
BROADCAST_VARIANTS = 64  # distinct texts a group sends in a run
_POLICE_CALLS_PER_DAY = 0.0005
_CALL_CENTRE_CALLS_PER_DAY = 0.003


class Broadcaster:
    """Builds the day's broadcast calls and SMS, police calls and call-centre calls."""

    def __init__(self, w: World, gear: Gear) -> None:
        self.w = w
        self.gear = gear
        plan = w.plan
        cases = np.bincount(plan.case_group, minlength=plan.n_groups)
        self.share = cases / cases.sum()
        rng = stream(w.cfg.seed, "broadcast-texts")
        grng = stream(w.cfg.seed, "broadcast-grammar")
        urls = w.catalogue.urls.column("url")
        self.texts: list[pa.Array] = []
        for g in range(plan.n_groups):
            pb = PLAYBOOKS[plan.scam(g)]
            rows = w.catalogue.group_urls[g]
            templates = (*pb.broadcast, *EXTRA_BROADCAST.get(pb.code, ()))
            out = []
            for _ in range(BROADCAST_VARIANTS if pb.broadcast else 0):  # the grammar: each one differs
                tpl = templates[int(rng.integers(len(templates)))]
                if pb.code in PHRASES and rng.random() < 0.3:
                    tpl = compose(*PHRASES[pb.code], rng, link=True)
                tpl = vary(tpl, rng, evade=True)
                url = urls[int(rows[int(rng.integers(len(rows)))])].as_py() if len(rows) else ""
                text = tpl.format(url=url, brand=pb.brands[int(rng.integers(len(pb.brands)))])
                text = disguise(text, rng, evade=True)
                if pb.code in SCAM and grng.random() < GRAMMAR_SHARE:  # own stream: urls stay the same
                    slot = vary(scam_template(pb.code, grng, link=bool(url)), grng, evade=True)
                    brand = pb.brands[int(grng.integers(len(pb.brands)))]
                    amount = str(int(grng.choice((300, 500, 1000, 2000, 5000))))
                    text = slot.format(url=url, brand=brand, amount=amount, code="")
                    text = disguise(text, grng, evade=True)
                out.append(text)
            self.texts.append(pa.array(out, pa.string()))

    def day(self, day: int) -> dict[str, Block]:
        """All of one day's broadcast and service rows."""
        w = self.w
        rng = stream(w.cfg.seed, "broadcast", day)
        t_day = w.cfg.t0 + day * DAY
        calls: list[Block] = []
        sms: list[Block] = []
        for g in range(w.plan.n_groups):
            n = int(rng.poisson(w.cfg.people * w.cfg.broadcast_calls_per_day * self.share[g]))
            calls.append(self._scam_calls(rng, g, n, t_day))
            m = int(rng.poisson(w.cfg.people * w.cfg.broadcast_sms_per_day * self.share[g]))
            if len(self.texts[g]) and m:
                sms.append(self._scam_sms(rng, g, m, t_day))
        answered = [c["callee"].filter(pa.array(c["duration_s"] > 0)) for c in calls if c]
        if answered:
            sms.append(self._warnings(rng, pa.concat_arrays(answered), t_day))
        calls.append(self._service_calls(rng, t_day))
        return {"calls": concat(calls), "sms": concat(sms)}

    def _scam_calls(self, rng: np.random.Generator, g: int, n: int, t_day: int) -> Block:
        w, gear = self.w, self.gear
        ts = t_day + time_of_day(rng, n, SCAM_HOURS)
        cards = gear.active_cards(g, ts, rng.random(n))
        if w.plan.group_simbox[g]:
            kind = np.zeros(n, dtype=np.int64)
        else:
            kind = 1 + rng.choice(3, size=n, p=[p for _, p in CALLER_MIX])
        numbers = w.phones.number.take(pa.array(cards))
        spoof = kind == CALLER_KINDS.index("spoofed")
        abroad = kind == CALLER_KINDS.index("overseas")
        if spoof.any():
            numbers = pc.replace_with_mask(
                numbers, pa.array(spoof), gear.pick_numbers(rng, g, int(spoof.sum()), spoofed=True)
            )
        if abroad.any():
            numbers = pc.replace_with_mask(
                numbers, pa.array(abroad), gear.pick_numbers(rng, g, int(abroad.sum()), spoofed=False)
            )
        dev = w.phones.device[cards]
        callee = w.phones.primary[w.with_phone[rng.integers(0, len(w.with_phone), n)]]
        dur = np.where(rng.random(n) < 0.6, 0, rng.integers(3, 40, n)).astype(np.int32)
        return {
            "ts": ts,
            "caller": numbers,
            "callee": w.phones.number.take(pa.array(callee)),
            "duration_s": dur,
            "caller_imei": w.phones.imei.take(pa.array(dev, mask=spoof | abroad)),
            "cell_id": pa.array(gear.device_cell[dev], mask=kind != 0),
            "roaming": encode.take_strings(ROAMING, np.where(kind == 1, 2, 0)),
            "gateway": encode.take_strings(GATEWAYS, np.where(kind == 0, 0, 2)),
            "_label": np.full(n, 1 + int(w.plan.group_type[g]), dtype=np.int64),
            "_category": np.full(n, CALL_CATEGORIES.index("scam_broadcast"), dtype=np.int64),
            "_case": np.full(n, -1, dtype=np.int64),
            "_kind": kind,
        }

    def _scam_sms(self, rng: np.random.Generator, g: int, n: int, t_day: int) -> Block:
        w, gear = self.w, self.gear
        ts = t_day + time_of_day(rng, n, SCAM_HOURS)
        cards = gear.active_cards(g, ts, rng.random(n))
        dev = w.phones.device[cards]
        boxed = bool(w.plan.group_simbox[g])
        receiver = w.phones.primary[w.with_phone[rng.integers(0, len(w.with_phone), n)]]
        texts = self.texts[g]
        return {
            "ts": ts,
            "sender": w.phones.number.take(pa.array(cards)),
            "receiver": w.phones.number.take(pa.array(receiver)),
            "text": texts.take(pa.array(rng.integers(0, len(texts), n))),
            "sender_imei": w.phones.imei.take(pa.array(dev)),
            "cell_id": pa.array(gear.device_cell[dev], mask=np.full(n, not boxed)),
            "_label": np.full(n, 1 + int(w.plan.group_type[g]), dtype=np.int64),
            "_category": np.full(n, cat("scam_broadcast"), dtype=np.int64),
            "_case": np.full(n, -1, dtype=np.int64),
            "_stage": np.full(n, -1, dtype=np.int64),
        }

    def _warnings(self, rng: np.random.Generator, answered: pa.Array, t_day: int) -> Block:
        """12381 warns a fifth of the people who picked up a scam call (a hard negative)."""
        pick = np.flatnonzero(rng.random(len(answered)) < 0.2)
        n = len(pick)
        return {
            "ts": t_day + time_of_day(rng, n, SCAM_HOURS),
            "sender": pa.array(["12381"] * n, pa.string()),
            "receiver": answered.take(pa.array(pick)),
            "text": pa.array(list(POLICE_WARNINGS), pa.string()).take(
                pa.array(rng.integers(0, len(POLICE_WARNINGS), n))
            ),
            "sender_imei": pa.nulls(n, pa.string()),
            "cell_id": pa.nulls(n, pa.int64()),
            "_label": np.zeros(n, dtype=np.int64),
            "_category": np.full(n, cat("anti_fraud_warning"), dtype=np.int64),
            "_case": np.full(n, -1, dtype=np.int64),
            "_stage": np.full(n, -1, dtype=np.int64),
        }

    def _service_calls(self, rng: np.random.Generator, t_day: int) -> Block:
        """Call centres (many short outbound calls) and the police's publicity calls: hard negatives."""
        w = self.w
        cc_cards = np.concatenate(w.phones.cc_cards)
        n_cc = int(rng.poisson(max(30.0, w.cfg.people * _CALL_CENTRE_CALLS_PER_DAY)))
        n_po = int(rng.poisson(max(2.0, w.cfg.people * _POLICE_CALLS_PER_DAY)))
        n = n_cc + n_po
        cards = cc_cards[rng.integers(0, len(cc_cards), n_cc)]
        dev = w.phones.device[cards]
        callee = w.phones.primary[w.with_phone[rng.integers(0, len(w.with_phone), n)]]
        police = np.r_[np.zeros(n_cc, bool), np.ones(n_po, bool)]
        caller = pa.concat_arrays(
            [w.phones.number.take(pa.array(cards)), pa.array(["96110"] * n_po, pa.string())]
        )
        dur = np.r_[
            np.where(rng.random(n_cc) < 0.4, 0, np.clip(rng.lognormal(np.log(25), 0.6, n_cc), 3, 180)),
            rng.integers(30, 240, n_po),
        ].astype(np.int32)
        return {
            "ts": t_day + np.r_[time_of_day(rng, n_cc, WORK_HOURS), time_of_day(rng, n_po, CALL_HOURS)],
            "caller": caller,
            "callee": w.phones.number.take(pa.array(callee)),
            "duration_s": dur,
            "caller_imei": w.phones.imei.take(pa.array(np.r_[dev, np.zeros(n_po, np.int64)], mask=police)),
            "cell_id": pa.array(np.r_[self.gear.device_cell[dev], np.zeros(n_po, np.int64)], mask=police),
            "roaming": encode.take_strings(ROAMING, np.zeros(n, np.int64)),
            "gateway": encode.take_strings(GATEWAYS, np.zeros(n, np.int64)),
            "_label": np.zeros(n, dtype=np.int64),
            "_category": np.where(
                police, CALL_CATEGORIES.index("police_dissuasion"), CALL_CATEGORIES.index("call_centre")
            ),
            "_case": np.full(n, -1, dtype=np.int64),
            "_kind": np.where(police, CALLER_KINDS.index("police"), CALLER_KINDS.index("call_centre")),
        }
