"""Scam cases, stage by stage: contacts, scripts, replies, visits, installs and payments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from fanzha.contracts import SCAM_CODES
from fanzha.sim.blocks import DAY, Block
from fanzha.sim.gear import CALLER_MIX, Gear
from fanzha.sim.grammar import GRAMMAR_SHARE, scam_template  # importing it merges the phrasings into SCAM
from fanzha.sim.money import MIN, Layerer, Payment
from fanzha.sim.phrasing import compose, disguise, vary
from fanzha.sim.playbooks import PLAYBOOKS
from fanzha.sim.rng import stream
from fanzha.sim.scam_slots import SCAM
from fanzha.sim.scripts import EXTRA_BROADCAST, PHRASES, POLICE_WARNINGS, REPEAT_PAY, Stage
from fanzha.sim.vocab import CALL_CATEGORIES, CALLER_KINDS, cat
from fanzha.sim.world import World

_MEETING_APP = "com.tencent.wemeet.app"


def _write(
    stage: Stage,
    fill: dict[str, str],
    rng: np.random.Generator,
    code: str,
    stage_no: int,
    trng: np.random.Generator | None = None,
) -> str:
    """One scam message of the stage: a template rephrased by the grammar, filled in, then disguised.

    With `trng` (its own stream, so the rest of the world draws the same numbers), about half the
    messages are written instead from the slot grammar of the type (fanzha.sim.grammar).
    """
    templates = stage.texts
    if stage_no <= 2 and rng.random() < 0.3:  # first contacts also use the type's other openings
        templates = EXTRA_BROADCAST.get(code, templates)
    template = templates[int(rng.integers(len(templates)))]
    if code in PHRASES and rng.random() < 0.3:  # any stage may be said in the type's other words
        template = compose(*PHRASES[code], rng, link="{url}" in template)
    text = disguise(vary(template, rng, evade=True).format(**fill), rng, evade=True)
    if trng is not None and code in SCAM and trng.random() < GRAMMAR_SHARE:
        slot = scam_template(code, trng, link="{url}" in template and bool(fill.get("url")))
        text = disguise(vary(slot, trng, evade=True).format(**({"amount": "1000"} | fill)), trng, evade=True)
    return text


@dataclass
class CaseRecord:
    """What label_cases reports about one case."""

    first_contact: int
    first_channel: str
    n_payments: int
    loss: int
    first_payment: int
    dissuaded: bool


class CaseRunner:
    """Plays every case of the plan and collects its rows per table."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.rng = stream(w.cfg.seed, "cases")
        self.crng = stream(w.cfg.seed, "cases-cover")  # call-backs and cover calls; own stream
        self.trng = stream(w.cfg.seed, "cases-grammar")  # slot-grammar wording; own stream
        self.gear = Gear(w)
        self.layer = Layerer(w, stream(w.cfg.seed, "money"))
        self.rows: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.records: list[CaseRecord] = []
        self.payments: list[Payment] = []
        # (case, stage_no, ts, channel, action, amount_fen): stage timings for the dissuasion backtest.
        self.stages: list[tuple[int, int, int, str, str, int]] = []
        ph = w.phones
        self.numbers = ph.number.to_pylist()
        self.imeis = ph.imei.to_pylist()
        self.accounts = w.net.ident.to_pylist()
        self.urls = w.catalogue.urls.column("url").to_pylist()
        self.domains = w.catalogue.urls.column("domain").to_pylist()
        self.packages = w.catalogue.apps.column("package").to_pylist()
        self.ip_home = w.person_ip

    def _add(self, table: str, **cols: Any) -> None:
        r = self.rows[table]
        for k, v in cols.items():
            r[k].append(v)

    def _stages(self, case: int) -> list[Stage]:
        plan = self.w.plan
        stages = list(PLAYBOOKS[plan.scam(int(plan.case_group[case]))].stages)
        pays = [i for i, s in enumerate(stages) if s.action == "pay"]
        k = int(plan.case_payments[case])
        if not plan.case_victim[case]:
            return stages[: max(1, pays[0])]
        if k <= len(pays):
            return stages[: pays[k - 1] + 1]
        return stages + [REPEAT_PAY] * (k - len(pays))

    def run(self) -> None:
        """Play all cases, then move the money."""
        plan = self.w.plan
        for case in range(len(plan.case_person)):
            self._case(case)
        self.payments.sort(key=lambda p: (p.ts, p.case, p.payment_no))
        for p in self.payments:
            self.layer.payment(p)

    def _case(self, case: int) -> None:
        w, rng, plan = self.w, self.rng, self.w.plan
        person = int(plan.case_person[case])
        g = int(plan.case_group[case])
        code = plan.scam(g)
        pb = PLAYBOOKS[code]
        stages = self._stages(case)
        delays = np.array([rng.integers(s.delay_min[0], s.delay_min[1] + 1) for s in stages], float) * MIN
        delays[0] = 0
        # Leave room after the last stage for the money to be layered and cashed out.
        avail = w.cfg.days * DAY - 8 * 3600
        total = float(delays.sum())
        if total > 0.8 * avail:
            delays *= 0.8 * avail / total
            total = 0.8 * avail
        t = t_first = w.cfg.t0 + int(rng.uniform(0, avail - total))  # the first stage has no delay
        phone = int(w.phones.primary[person])
        device = int(w.phones.person_device[person])
        kinds = [k for k, _ in CALLER_MIX]
        kind = "sim_box" if plan.group_simbox[g] else kinds[int(rng.choice(3, p=[p for _, p in CALLER_MIX]))]
        n_pays = int(plan.case_payments[case])
        base = rng.lognormal(np.log(pb.loss_median_yuan / max(1, n_pays) * 0.6), 0.7)
        url_rows = w.catalogue.group_urls[g]
        url = int(url_rows[int(rng.integers(len(url_rows)))]) if len(url_rows) else -1
        fill = {
            "url": self.urls[url] if url >= 0 else "",
            "code": f"{int(rng.integers(10**9, 10**10))}",
            "brand": pb.brands[int(rng.integers(len(pb.brands)))],
        }
        paid, loss, first_pay = 0, 0, -1
        dissuaded = bool(rng.random() < 0.3)
        for stage_no, (stage, delay) in enumerate(zip(stages, delays, strict=True), start=1):
            t += int(delay)
            amount = 0
            if stage.action == "pay":
                amount = max(300, round(base * 1.6**paid / 100) * 100) * 100
                fill["amount"] = str(amount // 100)
            if stage.channel == "call":
                self._call(g, kind, t, phone, int(rng.integers(*stage.call_s)), code, case)
            elif stage.channel == "sms":
                self._sms(
                    g,
                    t,
                    phone,
                    _write(stage, fill, rng, code, stage_no, self.trng),
                    code,
                    case,
                    stage_no,
                )
            else:
                self._chat(g, pb.platforms[stage.platform], person, t, stage, fill, code, case, stage_no)
            t += int(rng.integers(1, 6)) * MIN
            self.stages.append((case, stage_no, t, stage.channel, stage.action or "", amount))
            if stage.action == "visit" and url >= 0:
                self._add(
                    "web_visits",
                    ts=t,
                    imei=self.imeis[device],
                    ip=self.ip_home[person].as_py(),
                    url=self.urls[url],
                    domain=self.domains[url],
                )
            elif stage.action == "install":
                self._install(g, t, device, person, url)
            elif stage.action == "pay":
                paid += 1
                loss += amount
                first_pay = t if first_pay < 0 else first_pay
                self.payments.append(Payment(case, g, paid, t, amount, self._victim_account(person), device))
            if stage_no == 1 and dissuaded:
                self._dissuade(t + int(rng.integers(10, 120)) * MIN, phone, case)
        self.records.append(CaseRecord(t_first, stages[0].channel, paid, loss, first_pay, dissuaded))

    def _victim_account(self, person: int) -> int:
        """The victim pays from their bank card, or sometimes from WeChat Pay or Alipay."""
        w = self.w
        card = int(w.banks.primary[person])
        if self.rng.random() < 0.3 or card < 0:
            for plat in ("wechatpay", "alipay"):
                row = int(w.pay.of_person[plat][person])
                if row >= 0:
                    return row + w.pay0
        return card

    def _call(self, g: int, kind: str, t: int, phone: int, dur: int, code: str, case: int) -> None:
        gear, rng = self.gear, self.rng
        caller, imei, cell, roaming, gateway = "", None, None, "none", "international"
        if kind in ("sim_box", "roaming_card"):
            card = int(gear.active_cards(g, np.array([t]), np.array([rng.random()]))[0])
            dev = int(self.w.phones.device[card])
            caller, imei = self.numbers[card], self.imeis[dev]
            if kind == "sim_box":
                cell, gateway = int(gear.device_cell[dev]), "local"
            else:
                roaming = "international"
        else:
            caller = gear.pick_numbers(rng, g, 1, spoofed=kind == "spoofed")[0].as_py()
        self._add(
            "calls",
            ts=t,
            caller=caller,
            callee=self.numbers[phone],
            duration_s=dur,
            caller_imei=imei,
            cell_id=cell,
            roaming=roaming,
            gateway=gateway,
            _label=code,
            _category=CALL_CATEGORIES.index("scam_script"),
            _case=case,
            _kind=CALLER_KINDS.index(kind),
        )
        if kind in ("sim_box", "roaming_card"):
            self._cover(caller, imei, cell, roaming, t, phone)

    def _cover(self, card: str, imei: str | None, cell: int | None, roaming: str, t: int, phone: int) -> None:
        """Unlabelled calls around a scam call: the callee ringing back, and 养卡 cover traffic."""
        w, rng = self.w, self.crng
        if rng.random() < w.cfg.fraud_callback_share:
            dev = int(w.phones.person_device[phone]) if phone >= 0 else -1
            self._plain(
                t + int(rng.integers(2, 240)) * MIN,
                self.numbers[phone],
                card,
                int(rng.integers(5, 90)),
                self.imeis[dev] if dev >= 0 else None,
                None,
            )
        if rng.random() < w.cfg.fraud_cover_ratio:
            prim = w.phones.primary
            other = int(prim[int(rng.integers(len(prim)))])
            if other >= 0:
                dur = int(np.clip(rng.lognormal(np.log(90), 1.0), 20, 3600))
                at = t + int(rng.integers(-12 * 60, 12 * 60)) * MIN
                if rng.random() < 0.5:
                    self._plain(at, card, self.numbers[other], dur, imei, cell, roaming)
                else:
                    self._plain(at, self.numbers[other], card, dur, None, None)

    def _plain(
        self,
        t: int,
        caller: str,
        callee: str,
        dur: int,
        imei: str | None,
        cell: int | None,
        roaming: str = "none",
    ) -> None:
        """One unlabelled call (no label_calls row), kept inside the simulated days."""
        cfg = self.w.cfg
        self._add(
            "calls",
            ts=min(max(t, cfg.t0), cfg.t_end - 1),
            caller=caller,
            callee=callee,
            duration_s=dur,
            caller_imei=imei,
            cell_id=cell,
            roaming=roaming,
            gateway="local" if roaming == "none" else "international",
            _label="normal",
            _category=-1,
            _case=-1,
            _kind=0,
        )

    def _sms(self, g: int, t: int, phone: int, text: str, code: str, case: int, stage: int) -> None:
        card = int(self.gear.active_cards(g, np.array([t]), np.array([self.rng.random()]))[0])
        dev = int(self.w.phones.device[card])
        boxed = bool(self.w.plan.group_simbox[g])
        self._add(
            "sms",
            ts=t,
            sender=self.numbers[card],
            receiver=self.numbers[phone],
            text=text,
            sender_imei=self.imeis[dev],
            cell_id=int(self.gear.device_cell[dev]) if boxed else None,
            _label=code,
            _category=cat("scam_script"),
            _case=case,
            _stage=stage,
        )

    def _chat(
        self,
        g: int,
        plat: str,
        person: int,
        t: int,
        stage: Stage,
        fill: dict[str, str],
        code: str,
        case: int,
        stage_no: int,
    ) -> None:
        rng, gear = self.rng, self.gear
        ours = self.accounts[gear.account(g, plat, float(rng.random()))]
        theirs = self.accounts[int(self.w.net.of_person[plat][person])]
        ip = gear.ip_str[2 * g + int(rng.integers(2))].as_py()
        text = _write(stage, fill, rng, code, stage_no, self.trng)
        self._add(
            "chats",
            ts=t,
            platform=plat,
            sender=ours,
            receiver=theirs,
            text=text,
            sender_ip=ip,
            _label=code,
            _category=cat("scam_script"),
            _case=case,
            _stage=stage_no,
        )
        if stage.replies:
            reply = stage.replies[int(rng.integers(len(stage.replies)))]
            self._add(
                "chats",
                ts=t + int(rng.integers(1, 10)) * MIN,
                platform=plat,
                sender=theirs,
                receiver=ours,
                text=reply,
                sender_ip=self.ip_home[person].as_py(),
                _label=code,
                _category=cat("victim_reply"),
                _case=case,
                _stage=stage_no,
            )

    def _install(self, g: int, t: int, device: int, person: int, url: int) -> None:
        apps = self.w.catalogue.group_apps[g]
        if len(apps):
            pkg, source, dl = self.packages[int(apps[0])], "sideload", self.urls[url] if url >= 0 else None
            if url >= 0:
                self._add(
                    "web_visits",
                    ts=t - 30,
                    imei=self.imeis[device],
                    ip=self.ip_home[person].as_py(),
                    url=self.urls[url],
                    domain=self.domains[url],
                )
        else:
            pkg, source, dl = _MEETING_APP, "store", None
        self._add("app_installs", ts=t, imei=self.imeis[device], package=pkg, source=source, download_url=dl)

    def _dissuade(self, t: int, phone: int, case: int) -> None:
        """Police call the target (96110) and the warning platform sends an SMS (12381)."""
        self._add(
            "calls",
            ts=t,
            caller="96110",
            callee=self.numbers[phone],
            duration_s=int(self.rng.integers(60, 300)),
            caller_imei=None,
            cell_id=None,
            roaming="none",
            gateway="local",
            _label="normal",
            _category=CALL_CATEGORIES.index("police_dissuasion"),
            _case=case,
            _kind=CALLER_KINDS.index("police"),
        )
        self._add(
            "sms",
            ts=t + 60,
            sender="12381",
            receiver=self.numbers[phone],
            text=POLICE_WARNINGS[int(self.rng.integers(len(POLICE_WARNINGS)))],
            sender_imei=None,
            cell_id=None,
            _label="normal",
            _category=cat("anti_fraud_warning"),
            _case=-1,
            _stage=-1,
        )

    def blocks(self) -> dict[str, Block]:
        """The collected rows as blocks (Arrow strings, numpy numbers)."""
        out: dict[str, Block] = {}
        for table, cols in self.rows.items():
            b: Block = {}
            for k, v in cols.items():
                if k == "_label":
                    b[k] = np.array(
                        [0 if x == "normal" else 1 + SCAM_CODES.index(x) for x in v], dtype=np.int64
                    )
                elif k in ("ts", "duration_s") or k.startswith("_"):
                    b[k] = np.array(v, dtype=np.int32 if k == "duration_s" else np.int64)
                elif k == "cell_id":
                    b[k] = pa.array(v, pa.int64())
                else:
                    b[k] = pa.array(v, pa.string())
            out[table] = b
        return out
