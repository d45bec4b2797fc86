"""Ordinary life: calls, messages, payments, withdrawals, browsing, including the hard negatives."""

from __future__ import annotations

import datetime as dt

import numpy as np

from evalworld import reference, vocab
from evalworld.holdings import Person, World

# Hour-of-day weights (local time) per activity profile.
_BASE = np.array(
    [
        0.2,
        0.1,
        0.05,
        0.05,
        0.05,
        0.2,
        0.6,
        1.2,
        1.6,
        1.8,
        1.9,
        1.8,
        1.7,
        1.5,
        1.6,
        1.7,
        1.7,
        1.6,
        1.7,
        1.9,
        2.0,
        1.8,
        1.2,
        0.6,
    ]
)
PROFILES: dict[str, np.ndarray] = {
    "day": _BASE,
    "office": np.array(
        [
            0.1,
            0.05,
            0.03,
            0.03,
            0.03,
            0.1,
            0.5,
            1.3,
            2.2,
            2.6,
            2.6,
            2.0,
            1.2,
            1.8,
            2.5,
            2.5,
            2.4,
            2.0,
            1.6,
            1.5,
            1.5,
            1.2,
            0.6,
            0.3,
        ]
    ),
    "night": np.array(
        [
            1.8,
            1.6,
            1.4,
            1.2,
            1.0,
            0.9,
            0.6,
            0.3,
            0.2,
            0.1,
            0.1,
            0.2,
            0.4,
            0.6,
            0.8,
            0.9,
            1.0,
            1.2,
            1.4,
            1.5,
            1.6,
            1.8,
            2.0,
            2.0,
        ]
    ),
    "rider": np.array(
        [
            0.1,
            0.05,
            0.02,
            0.02,
            0.02,
            0.05,
            0.2,
            0.6,
            0.8,
            1.0,
            2.2,
            3.5,
            3.6,
            1.8,
            0.8,
            0.7,
            0.9,
            2.4,
            3.4,
            3.0,
            1.6,
            1.0,
            0.5,
            0.2,
        ]
    ),
    "student": np.array(
        [
            0.3,
            0.1,
            0.05,
            0.02,
            0.02,
            0.05,
            0.3,
            0.8,
            0.6,
            0.5,
            0.5,
            0.9,
            1.5,
            0.8,
            0.5,
            0.5,
            0.8,
            1.5,
            1.8,
            2.0,
            2.2,
            2.3,
            1.8,
            0.9,
        ]
    ),
    "early": np.array(
        [
            0.05,
            0.02,
            0.02,
            0.05,
            0.3,
            1.0,
            2.0,
            2.2,
            2.0,
            1.8,
            1.6,
            1.4,
            1.0,
            0.8,
            1.0,
            1.2,
            1.3,
            1.5,
            1.6,
            1.4,
            1.0,
            0.5,
            0.2,
            0.1,
        ]
    ),
}
CALLS_PER_DAY = {
    "child": 0.0,
    "student": 0.7,
    "retired": 1.0,
    "farmer": 1.3,
    "worker": 2.0,
    "employee": 3.0,
    "civil_servant": 3.2,
    "teacher": 2.5,
    "self_employed": 5.5,
    "unemployed": 1.6,
    "rider": 26.0,
    "call_centre_agent": 2.5,
    "night_shift": 2.2,
}
CHATS_PER_DAY = {"child": 0.0, "student": 4.0, "retired": 1.0, "farmer": 1.2, "rider": 2.0}
SERVICE_SENDERS = {
    "delivery": ["95338", "95311", "95546", "1069055551234"],
    "verification": ["95188", "95017", "12306"],
    "marketing": ["10690123456", "10657301234", "1069888808", "10086"],
}


class Life:
    """Generates ordinary events into the world's event tables."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.rng = w.rng
        self.phone_people = [p for p in w.people if p.phones]
        self.contacts: dict[int, list[str]] = {}
        self.chat_contacts: dict[int, list[int]] = {}
        self.outside = [w.outside_msisdn() for _ in range(max(50, w.p.people // 5))]
        self.ip_of: dict[int, list[str]] = {p.pid: [w.province_ip() for _ in range(3)] for p in w.people}
        self._hours: dict[str, list[float]] = {}
        self.house: dict[int, list[Person]] = {}
        for person in w.people:
            self.house.setdefault(person.household, []).append(person)
        self._build_contacts()

    def hour(self, profile: str) -> float:
        """A time of day in hours drawn from a profile (drawn in batches: per-call draws are slow)."""
        buf = self._hours.get(profile)
        if buf is None or not buf:
            wts = PROFILES[profile]
            draw = self.rng.choice(24, 4096, p=wts / wts.sum()) + self.rng.random(4096)
            buf = draw.tolist()[::-1]
            self._hours[profile] = buf
        return float(buf.pop())

    def _build_contacts(self) -> None:
        w, rng = self.w, self.rng
        by_county: dict[str, list[int]] = {}
        by_employer: dict[int, list[int]] = {}
        by_house: dict[int, list[int]] = {}
        for p in self.phone_people:
            by_county.setdefault(p.town[:6], []).append(p.pid)
            by_house.setdefault(p.household, []).append(p.pid)
            if p.employer is not None:
                by_employer.setdefault(p.employer, []).append(p.pid)
        everyone = [p.pid for p in self.phone_people]
        for p in self.phone_people:
            pool: list[int] = [q for q in by_house[p.household] if q != p.pid]
            local = by_county[p.town[:6]]
            pool += [local[int(i)] for i in rng.integers(0, len(local), int(rng.integers(2, 12)))]
            pool += [everyone[int(i)] for i in rng.integers(0, len(everyone), int(rng.integers(1, 5)))]
            if p.employer is not None:
                mates = by_employer[p.employer]
                pool += [mates[int(i)] for i in rng.integers(0, len(mates), int(rng.integers(1, 6)))]
            pool = [q for q in dict.fromkeys(pool) if q != p.pid]
            self.chat_contacts[p.pid] = pool
            nums = [w.people[q].phones[0] for q in pool]
            nums += [w.pick(self.outside) for _ in range(int(rng.integers(0, 4)))]
            self.contacts[p.pid] = nums

    # ------------------------------------------------------------------------ calls
    def calls(self) -> None:
        """Everyday calls, riders' customer calls, call-centre campaigns, travellers."""
        w, rng = self.w, self.rng
        calls = w.tables["calls"]
        days = w.p.days
        everyone_phones = [p.phones[0] for p in self.phone_people]
        for p in self.phone_people:
            lam = CALLS_PER_DAY.get(p.occ, 2.0) * w.p.ordinary_scale
            counts = rng.poisson(lam, days)
            contacts = self.contacts[p.pid]
            if not contacts:
                continue
            for d in range(days):
                n = int(counts[d])
                if n == 0:
                    continue
                travelling = rng.random() < 0.015
                abroad = travelling and rng.random() < 0.2
                for _ in range(n):
                    if p.occ == "rider" and rng.random() < 0.8:
                        callee = everyone_phones[int(rng.integers(len(everyone_phones)))]
                        dur = int(rng.lognormal(3.0, 0.6)) if rng.random() < 0.8 else 0
                    else:
                        callee = contacts[int(rng.integers(len(contacts)))]
                        dur = int(rng.lognormal(4.1, 1.1)) if rng.random() < 0.86 else 0
                    if callee == p.phones[0]:
                        continue
                    ts = w.ts(d, self.hour(p.profile))
                    if travelling:
                        calls.add(
                            ts=ts,
                            caller=p.phones[0],
                            callee=callee,
                            duration_s=dur,
                            caller_imei=None,
                            cell_id=None,
                            roaming="international" if abroad else "domestic",
                            gateway="international" if abroad else "domestic",
                        )
                    else:
                        calls.add(
                            ts=ts,
                            caller=p.phones[0],
                            callee=callee,
                            duration_s=dur,
                            caller_imei=p.imei,
                            cell_id=int(p.town) * 100 + int(rng.integers(0, 12)),
                            roaming="none",
                            gateway="local",
                        )
            # Relatives in other provinces call in.
            outside = [c for c in contacts if c in self._outside_set]
            for _ in range(int(rng.poisson(0.15 * days)) if outside else 0):
                calls.add(
                    ts=w.ts(int(rng.integers(days)), self.hour("day")),
                    caller=w.pick(outside),
                    callee=p.phones[0],
                    duration_s=int(rng.lognormal(4.5, 0.9)),
                    caller_imei=None,
                    cell_id=None,
                    roaming="none",
                    gateway="domestic",
                )
        self._call_centres(everyone_phones)

    @property
    def _outside_set(self) -> set[str]:
        if not hasattr(self, "_os"):
            self._os = set(self.outside)
        return self._os

    def _call_centres(self, residents: list[str]) -> None:
        w, rng = self.w, self.rng
        calls = w.tables["calls"]
        agents: dict[int, int] = {}
        for p in w.people:
            if p.occ == "call_centre_agent" and p.employer is not None:
                agents[p.employer] = agents.get(p.employer, 0) + 1
        for bid, n_agents in agents.items():
            phones = w.business_phones[bid]
            imei = w.gateway_imei[bid]
            cell = int(w.business_county[bid] + "001") * 100 + 3
            for d in range(w.p.days):
                weekday = (w.p.start + dt.timedelta(days=d)).weekday()
                if weekday == 6:
                    continue
                n = int(rng.poisson(n_agents * (90 if weekday < 5 else 40)))
                hours = rng.choice(24, n, p=PROFILES["office"] / PROFILES["office"].sum()) + rng.random(n)
                for h in hours:
                    answered = rng.random() < 0.32
                    # Most numbers a campaign dials are outside the province.
                    callee = (
                        residents[int(rng.integers(len(residents)))]
                        if rng.random() < 0.35
                        else self.outside[int(rng.integers(len(self.outside)))]
                    )
                    calls.add(
                        ts=w.ts(d, float(h)),
                        caller=phones[int(rng.integers(len(phones)))],
                        callee=callee,
                        duration_s=int(rng.lognormal(3.6, 0.9)) if answered else 0,
                        caller_imei=imei,
                        cell_id=cell,
                        roaming="none",
                        gateway="local",
                        _label="normal",
                        _category="call_centre",
                        _case=None,
                        _caller_kind="call_centre",
                    )

    # ------------------------------------------------------------------------ messages
    def sms(self) -> None:
        """Person-to-person SMS and service messages (delivery, codes, marketing, warnings)."""
        w, rng = self.w, self.rng
        sms = w.tables["sms"]
        for p in self.phone_people:
            me = p.phones[0]
            adult = p.age >= 16
            rates = {
                "p2p": 0.15,
                "delivery": 0.3 if adult else 0.05,
                "verification": 0.2,
                "marketing": 0.45 if adult else 0.1,
            }
            for kind, lam in rates.items():
                for _ in range(int(rng.poisson(lam * w.p.days * w.p.ordinary_scale))):
                    d = int(rng.integers(w.p.days))
                    ts = w.ts(d, self.hour(p.profile))
                    if kind == "p2p":
                        contacts = self.chat_contacts[p.pid]
                        if not contacts:
                            continue
                        q = w.people[w.pick(contacts)]
                        cat, text = self._talk(p.pid, q.pid)
                        sms.add(
                            ts=ts,
                            sender=me,
                            receiver=q.phones[0],
                            text=text,
                            sender_imei=p.imei,
                            cell_id=int(p.town) * 100 + int(rng.integers(0, 12)),
                            _label="normal",
                            _category=cat,
                        )
                    else:
                        text = vocab.fill(w.pick(vocab.LOOKALIKE_SMS[kind]), rng)
                        sms.add(
                            ts=ts,
                            sender=w.pick(SERVICE_SENDERS[kind]),
                            receiver=me,
                            text=text,
                            sender_imei=None,
                            cell_id=None,
                            _label="normal",
                            _category=kind,
                        )
        # Province-wide anti-fraud broadcasts on two days, to a share of residents.
        for d in sorted({int(rng.integers(w.p.days)), int(rng.integers(w.p.days))}):
            for p in self.phone_people:
                if rng.random() < 0.3:
                    sms.add(
                        ts=w.ts(d, 10 + 6 * rng.random()),
                        sender=w.pick(["12381", "96110"]),
                        receiver=p.phones[0],
                        text=w.pick(vocab.LOOKALIKE_SMS["anti_fraud_warning"]),
                        sender_imei=None,
                        cell_id=None,
                        _label="normal",
                        _category="anti_fraud_warning",
                    )

    def _talk(self, a: int, b: int) -> tuple[str, str]:
        w = self.w
        pa, pb = w.people[a], w.people[b]
        if pa.household == pb.household:
            return "family", vocab.fill(w.pick(vocab.FAMILY), self.rng)
        if pa.employer is not None and pa.employer == pb.employer:
            return "work", w.pick(vocab.WORK)
        return "friend", w.pick(vocab.FRIEND)

    def chats(self) -> None:
        """WeChat/QQ conversations between people who know each other."""
        w, rng = self.w, self.rng
        chats = w.tables["chats"]
        for p in self.phone_people:
            mine = p.net.get("wechat") or p.net.get("qq")
            if mine is None:
                continue
            plat = mine.split(":", 1)[0]
            peers = [q for q in self.chat_contacts[p.pid] if plat in w.people[q].net]
            if not peers:
                continue
            lam = CHATS_PER_DAY.get(p.occ, 2.5 if p.age < 55 else 1.2) * w.p.ordinary_scale
            for _ in range(int(rng.poisson(lam * w.p.days))):
                q = w.pick(peers)
                cat, text = self._talk(p.pid, q)
                ts = w.ts(int(rng.integers(w.p.days)), self.hour(p.profile))
                chats.add(
                    ts=ts,
                    platform=plat,
                    sender=mine,
                    receiver=w.people[q].net[plat],
                    text=text,
                    sender_ip=w.pick(self.ip_of[p.pid]),
                    _label="normal",
                    _category=cat,
                )

    # ------------------------------------------------------------------------ money
    def bank_notice(self, card: str, ts: int, amount_fen: int, incoming: bool) -> None:
        """The bank's SMS to the card's bound phone after a movement."""
        w = self.w
        owner = w.card_owner.get(card)
        if owner is None or not w.people[owner].phones:
            return
        bank = w.tables["bank_cards"].cols["bank_code"][w.bank_row[card]]
        tpl = vocab.LOOKALIKE_SMS["bank_notice"][1 if incoming else 0]
        text = vocab.fill(
            tpl, self.rng, bank=reference.BANK_NAMES[bank], tail=card[-4:], amt=f"{amount_fen / 100:.2f}"
        )
        w.tables["sms"].add(
            ts=ts + int(self.rng.integers(2_000, 40_000)),
            sender=reference.BANK_SERVICE[bank],
            receiver=w.people[owner].phones[0],
            text=text,
            sender_imei=None,
            cell_id=None,
            _label="normal",
            _category="bank_notice",
        )

    def money(self) -> None:
        """Salaries, rent, family support, shop payments, settlements, top-ups, ATM use."""
        w, rng = self.w, self.rng
        tx = w.tables["transactions"]
        days = w.p.days
        merchants = [b for b, k in enumerate(w.business_kind) if k == "merchant"]
        local_merchants: dict[str, list[int]] = {}
        for b in merchants:
            local_merchants.setdefault(w.business_county[b][:4], []).append(b)
        names = w.tables["businesses"].cols["name_zh"]
        utilities = [b for b in merchants if names[b].endswith(("燃气有限公司", "自来水公司"))]
        adults = [p for p in w.people if p.cards]
        elders = [p for p in adults if p.age >= 58]
        daily_take: dict[tuple[int, int], int] = {}
        for d in range(days):
            date = w.p.start + dt.timedelta(days=d)
            for p in adults:
                # Salary on the 15th (riders weekly on Mondays), from the employer's account.
                if p.employer is not None and (
                    (date.day == 15 and p.occ != "rider") or (p.occ == "rider" and date.weekday() == 0)
                ):
                    base = {"civil_servant": 7200, "teacher": 6500, "employee": 6000, "rider": 1500}.get(
                        p.occ, 4800
                    )
                    amt = int(rng.lognormal(np.log(base), 0.25) * 100)
                    ts = w.ts(d, 9 + 3 * rng.random())
                    tx.add(
                        ts=ts,
                        src_kind="bank_card",
                        src_account=w.business_card[p.employer],
                        dst_kind="bank_card",
                        dst_account=p.cards[0],
                        amount_fen=amt,
                        channel="salary",
                        device_imei=None,
                    )
                    self.bank_notice(p.cards[0], ts, amt, True)
                # Rent at the start of the month to a landlord.
                if (
                    date.day == 3
                    and p.pid % 100 < int(w.p.renter_share * 100)
                    and 20 <= p.age < 50
                    and elders
                ):
                    landlord = elders[(p.pid * 7919) % len(elders)]
                    amt = int(rng.uniform(800, 3200)) * 100
                    ts = w.ts(d, self.hour(p.profile))
                    tx.add(
                        ts=ts,
                        src_kind="bank_card",
                        src_account=p.cards[0],
                        dst_kind="bank_card",
                        dst_account=landlord.cards[0],
                        amount_fen=amt,
                        channel="rent",
                        device_imei=p.imei,
                    )
                    self.bank_notice(p.cards[0], ts, amt, False)
                # Shop and utility payments by QR code.
                if p.pay:
                    local = local_merchants.get(p.town[:4]) or merchants
                    for _ in range(int(rng.poisson(0.9 * w.p.ordinary_scale))):
                        b = w.pick(local)
                        amt = max(100, int(rng.lognormal(np.log(3500), 0.9)))
                        tx.add(
                            ts=w.ts(d, self.hour(p.profile)),
                            src_kind="payment_account",
                            src_account=w.pick(p.pay),
                            dst_kind="payment_account",
                            dst_account=w.business_pay[b],
                            amount_fen=amt,
                            channel="qr",
                            device_imei=p.imei,
                        )
                    if rng.random() < 0.08:
                        tx.add(
                            ts=w.ts(d, self.hour(p.profile)),
                            src_kind="bank_card",
                            src_account=p.cards[0],
                            dst_kind="payment_account",
                            dst_account=p.pay[0],
                            amount_fen=int(rng.choice([200, 500, 1000, 2000])) * 100,
                            channel="topup",
                            device_imei=p.imei,
                        )
                # Family support: working adults send money home; parents pay students' living costs.
                if 24 <= p.age < 58 and rng.random() < 0.05:
                    hh = [q for q in self.house[p.household] if q.cards and q.pid != p.pid]
                    dst = w.pick(hh) if hh else w.pick(elders) if elders else None
                    if dst is not None:
                        amt = int(rng.choice([200, 300, 500, 800, 1000, 1500, 2000])) * 100
                        ts = w.ts(d, self.hour(p.profile))
                        if p.pay and dst.pay and rng.random() < 0.6:
                            tx.add(
                                ts=ts,
                                src_kind="payment_account",
                                src_account=p.pay[0],
                                dst_kind="payment_account",
                                dst_account=dst.pay[0],
                                amount_fen=amt,
                                channel="transfer",
                                device_imei=p.imei,
                            )
                        else:
                            tx.add(
                                ts=ts,
                                src_kind="bank_card",
                                src_account=p.cards[0],
                                dst_kind="bank_card",
                                dst_account=dst.cards[0],
                                amount_fen=amt,
                                channel="transfer",
                                device_imei=p.imei,
                            )
                            self.bank_notice(p.cards[0], ts, amt, False)
                        # The money is often passed straight on to pay the household's bills.
                        if utilities and rng.random() < 0.5:
                            src = ("payment_account", dst.pay[0]) if dst.pay else ("bank_card", dst.cards[0])
                            tx.add(
                                ts=ts + int(rng.uniform(0.2, 6) * 3_600_000),
                                src_kind=src[0],
                                src_account=src[1],
                                dst_kind="payment_account",
                                dst_account=w.business_pay[w.pick(utilities)],
                                amount_fen=int(amt * rng.uniform(0.3, 1.0)),
                                channel="qr",
                                device_imei=dst.imei,
                            )
                # Cash at the ATM: older and rural residents mostly.
                atm_rate = 0.12 if p.occ in ("retired", "farmer") else 0.03
                if rng.random() < atm_rate:
                    self.atm(
                        p.pid, p.cards[0], d, int(rng.choice([200, 500, 1000, 2000, 3000])) * 100, daily_take
                    )
                if rng.random() < w.p.legit_crypto_share and w.legit_wallets:
                    tx.add(
                        ts=w.ts(d, self.hour(p.profile)),
                        src_kind="bank_card",
                        src_account=p.cards[0],
                        dst_kind="wallet",
                        dst_account=w.pick(w.legit_wallets),
                        amount_fen=int(rng.uniform(500, 8000)) * 100,
                        channel="crypto_otc",
                        device_imei=p.imei,
                    )
            # Merchants settle the day's takings to their bank account in the evening.
            for b in merchants:
                if rng.random() < 0.7:
                    tx.add(
                        ts=w.ts(d, 21 + 2 * rng.random()),
                        src_kind="payment_account",
                        src_account=w.business_pay[b],
                        dst_kind="bank_card",
                        dst_account=w.business_card[b],
                        amount_fen=int(rng.lognormal(np.log(80_000), 0.7)),
                        channel="transfer",
                        device_imei=None,
                    )
            # Shop owners draw from the business account now and then.
            for p in adults:
                if p.occ == "self_employed" and p.employer is not None and rng.random() < 0.15:
                    tx.add(
                        ts=w.ts(d, 20 + 3 * rng.random()),
                        src_kind="bank_card",
                        src_account=w.business_card[p.employer],
                        dst_kind="bank_card",
                        dst_account=p.cards[0],
                        amount_fen=int(rng.uniform(1000, 9000)) * 100,
                        channel="transfer",
                        device_imei=p.imei,
                    )

    def atm(
        self,
        pid: int,
        card: str,
        day: int,
        amount_fen: int,
        daily_take: dict[tuple[int, int], int],
        hour: float | None = None,
    ) -> None:
        """An ordinary withdrawal at an ATM near home."""
        w, rng = self.w, self.rng
        p = w.people[pid]
        near = [a for a, t in w.atms if t[:6] == p.town[:6]] or [a for a, _ in w.atms]
        atm_id = w.pick(near)
        ts = w.ts(day, hour if hour is not None else self.hour(p.profile))
        covered = bool(rng.random() < 0.07)  # masks in flu season
        matches = bool(rng.random() < 0.96)  # now and then a relative withdraws for an elder
        tid = w.tables["transactions"].add(
            ts=ts,
            src_kind="bank_card",
            src_account=card,
            dst_kind="cash",
            dst_account=f"atm:{atm_id}",
            amount_fen=amount_fen,
            channel="atm",
            device_imei=None,
        )
        w.tables["atm_events"].add(
            ts=ts,
            atm_id=atm_id,
            card_number=card,
            amount_fen=amount_fen,
            txn_id=tid,
            face_covered=covered,
            face_id=None if covered else (p.face if matches else p.face + 7),
            face_matches_holder=None if covered else matches,
        )

    # ------------------------------------------------------------------------ web and apps
    def web(self) -> None:
        """Browsing of ordinary sites and app installs from stores."""
        w, rng = self.w, self.rng
        visits = w.tables["web_visits"]
        installs = w.tables["app_installs"]
        sites = w.legit_urls
        weights = np.array([8, 4, 4, 1, 1, 1, 2, 6, 3, 2, 1, 3, 0.5, 0.3, 0.2, 0.3, 0.1, 0.05, 0.1])[
            : len(sites)
        ]
        weights = weights / weights.sum()
        for p in self.phone_people:
            n = int(rng.poisson(2.5 * w.p.days * w.p.ordinary_scale))
            if n == 0:
                continue
            idx = rng.choice(len(sites), n, p=weights)
            days = rng.integers(0, w.p.days, n)
            for i, d in zip(idx.tolist(), days.tolist(), strict=True):
                url, domain = sites[i]
                visits.add(
                    ts=w.ts(d, self.hour(p.profile)),
                    imei=p.imei,
                    ip=w.pick(self.ip_of[p.pid]),
                    url=url,
                    domain=domain,
                )
            for _ in range(int(rng.poisson(0.02 * w.p.days))):
                pkg = w.pick(w.legit_apps[:-1])
                installs.add(
                    ts=w.ts(int(rng.integers(w.p.days)), self.hour(p.profile)),
                    imei=p.imei,
                    package=pkg,
                    source="store",
                    download_url=None,
                )
            if p.occ == "worker" and p.employer is not None and p.employer % 5 == 0 and rng.random() < 0.1:
                installs.add(
                    ts=w.ts(int(rng.integers(w.p.days)), 10.0),
                    imei=p.imei,
                    package="cn.company.oa.internal",
                    source="sideload",
                    download_url="https://www.mingxing-jz.com/",
                )
