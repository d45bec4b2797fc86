"""Fraud groups, their numbers, devices, accounts and money networks, and the cases they run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from evalworld import ids, reference, vocab
from evalworld.holdings import DAY_MS, HOUR_MS, Person, World
from evalworld.life import Life

MIN_MS = 60_000
# Scam call-centres in Southeast Asia keep office hours one hour behind Beijing: 10-12, 14-18, 20-23.
SCAM_HOURS = np.array(
    [
        0.1,
        0.05,
        0.02,
        0.02,
        0.02,
        0.02,
        0.05,
        0.1,
        0.3,
        0.8,
        2.0,
        2.2,
        1.0,
        0.8,
        2.0,
        2.2,
        2.2,
        2.0,
        1.0,
        1.2,
        2.0,
        2.2,
        1.8,
        0.6,
    ]
)
COUNTRIES = ["KH", "MM", "PH", "LA", "MY", "AE", "CN"]
COUNTRY_W = [0.3, 0.22, 0.14, 0.1, 0.06, 0.04, 0.14]
COUNTRY_CODE = {"KH": "855", "MM": "95", "PH": "63", "LA": "856", "MY": "60", "AE": "971", "CN": "852"}
FOREIGN_IP16 = {
    "KH": ["103.216", "175.100", "43.252"],
    "MM": ["37.111", "103.25"],
    "PH": ["112.198", "124.106"],
    "LA": ["115.84", "183.182"],
    "MY": ["175.139", "60.48"],
    "AE": ["94.200", "5.31"],
    "CN": ["45.192", "103.151"],
}  # CN: Hong Kong VPS exits used by domestic groups
OUTSIDE_COUNTIES = ["452122", "522422", "350583", "445281", "360722", "510922", "130184"]
STAGE_GAP_H = {
    "fake_police": (0.05, 0.5),
    "fake_customer_service": (0.05, 1.0),
    "fake_credit": (0.1, 2.0),
    "fake_acquaintance": (0.05, 1.5),
    "fake_loan": (0.5, 20.0),
    "order_brushing": (0.3, 20.0),
    "fake_shopping": (1.0, 20.0),
    "game_trading": (0.2, 6.0),
    "fake_investment": (10.0, 80.0),
    "romance": (20.0, 110.0),
}
LOSS_MEDIAN_YUAN = {
    "order_brushing": 9000,
    "fake_investment": 70000,
    "fake_shopping": 2500,
    "fake_customer_service": 30000,
    "fake_loan": 6000,
    "fake_credit": 40000,
    "fake_acquaintance": 45000,
    "fake_police": 90000,
    "romance": 110000,
    "game_trading": 3000,
}
CHAT_PLATFORM = {
    "romance": ["jiayuan", "momo", "wechat"],
    "game_trading": ["jiaoyimao", "qq"],
    "fake_shopping": ["xianyu", "douyin", "wechat"],
    "fake_investment": ["wechat", "qq"],
    "order_brushing": ["douyin", "qq", "wechat"],
}
APP_TYPES = {"order_brushing", "fake_investment", "fake_loan", "romance"}
MEETING_TYPES = {"fake_customer_service", "fake_credit", "fake_police"}
DOMAIN_WORDS = [
    "hxjr",
    "yxtask",
    "qwe",
    "zhongxin-vip",
    "jd-refund",
    "tb-lp",
    "ccb-help",
    "gjfz",
    "lc88",
    "dy-task",
    "ws-trade",
    "hk-quant",
    "fhgo",
    "jyzx",
    "mm520",
    "taskbao",
    "yd-loan",
]
TLDS = [".top", ".xyz", ".cc", ".vip", ".icu", ".cn", ".com", ".shop"]
TITLES = {
    "order_brushing": "任务大厅",
    "fake_investment": "机构交易终端",
    "fake_shopping": "官方商城",
    "fake_customer_service": "理赔服务中心",
    "fake_loan": "惠民贷款",
    "fake_credit": "征信服务中心",
    "fake_acquaintance": "文件下载",
    "fake_police": "最高人民检察院-案件查询",
    "romance": "全球投资平台",
    "game_trading": "游戏账号交易中心",
}


@dataclass
class Acct:
    """A money account the groups use: kind, identifier, holder, handset used to move money."""

    kind: str
    ident: str
    holder: int | None
    imei: str | None


@dataclass
class Group:
    """One fraud group and its assets."""

    gid: int
    scam: str
    country: str
    box: bool
    boxes: list[tuple[str, int, bool]] = field(default_factory=list)  # (imei, township cell base, moving)
    box_cards: list[tuple[str, str, int, int]] = field(default_factory=list)  # (msisdn, imei, from, to day)
    roaming: list[str] = field(default_factory=list)
    overseas: list[str] = field(default_factory=list)
    spoofed: list[str] = field(default_factory=list)
    net: dict[str, list[str]] = field(default_factory=dict)
    ips: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    app: str | None = None
    collect: list[Acct] = field(default_factory=list)
    layer: list[Acct] = field(default_factory=list)
    cashout: list[Acct] = field(default_factory=list)
    cashers: list[int] = field(default_factory=list)
    wallets: list[str] = field(default_factory=list)
    handsets: list[str] = field(default_factory=list)


class Fraud:
    """Builds the groups and runs their broadcasts and cases."""

    def __init__(self, w: World, life: Life) -> None:
        self.w = w
        self.life = life
        self.rng = w.rng
        self.groups: list[Group] = []
        self.cases: list[dict[str, object]] = []
        self.end = w.ts(w.p.days)
        self.phone_people = [p for p in w.people if p.phones]
        self.outside_pool = [w.outside_msisdn() for _ in range(400)]
        self.used_mules: dict[int, int] = {}
        self._first_contact: dict[int, int] = {}

    # ------------------------------------------------------------------ assets
    def build(self) -> None:
        """Create the groups and everything they hold."""
        w, rng = self.w, self.rng
        codes = [s[0] for s in reference.SCAM_TYPES]
        shares = np.array([s[3] for s in reference.SCAM_TYPES])
        scams = list(codes)
        extra = round(w.p.extra_groups_per_1000_people * w.p.people / 1000)
        scams += [codes[int(i)] for i in rng.choice(len(codes), extra, p=shares / shares.sum())]
        traders = self._pick_people(lambda p: 25 <= p.age < 50, max(2, w.p.people // 1500))
        for t in traders:
            w.label("resident_id", w.people[t].rid, "people", t, "trader", None)
        mule_pool = self._pick_people(
            lambda p: (
                18 <= p.age < 45
                and p.occ
                in ("student", "unemployed", "worker", "rider", "farmer", "night_shift", "self_employed")
            ),
            max(20, w.p.people // 60),
        )
        shared = mule_pool[: int(len(mule_pool) * w.p.shared_mule_share)]
        for gid, scam in enumerate(scams):
            country = str(rng.choice(COUNTRIES, p=np.array(COUNTRY_W) / sum(COUNTRY_W)))
            call_heavy = scam in vocab.CALL_FIRST or scam in vocab.SMS_FIRST
            box = bool(rng.random() < (w.p.sim_box_share * (1.4 if call_heavy else 0.5)))
            g = Group(gid, scam, country, box)
            w.tables["label_groups"].add(group_id=gid, scam_type=scam, base_country=country, uses_sim_box=box)
            self._numbers(g)
            self._internet(g)
            self._money(g, mule_pool, shared)
            self.groups.append(g)

    def _pick_people(self, cond: object, n: int) -> list[int]:
        assert callable(cond)
        pool = [p.pid for p in self.w.people if p.cards and p.phones and cond(p)]
        self.rng.shuffle(pool)
        return pool[:n]

    def _card_farmer_card(self, g: Group, opened_day: float) -> str:
        """A SIM opened under a 卡农's name (a resident, or an ID from another province)."""
        w, rng = self.w, self.rng
        if rng.random() < 0.7:
            farmers = self._pick_people(
                lambda p: p.age >= 55 or p.occ in ("student", "farmer", "unemployed"), 1
            )
            pid = farmers[0]
            county = w.people[pid].town[:6]
            num = w.new_phone_card(None, w.ts(opened_day, w.r(9, 18)), county, person=pid, virtual_ok=True)
            w.label("resident_id", w.people[pid].rid, "people", pid, "mule", g.gid)
        else:
            county = w.pick(OUTSIDE_COUNTIES)
            rid = ids.resident_id(county, dt.date(1950 + w.ri(0, 55), w.ri(1, 12), w.ri(1, 28)), w.ri(0, 999))
            num = w.new_phone_card(
                None, w.ts(opened_day, w.r(9, 18)), w.pick(reference.counties())[0], rid=rid, virtual_ok=True
            )
        w.label("phone", num, "phone_cards", w.phone_row[num], "fraud_card", g.gid)
        return num

    def _numbers(self, g: Group) -> None:
        w, rng, days = self.w, self.rng, self.w.p.days
        towns = reference.townships()
        if g.box:
            for _ in range(1 + int(rng.random() < 0.3)):
                first = w.ts(-w.ri(1, 90))
                imei = w.new_device("sim_box", first)
                w.label("imei", imei, "devices", w.device_row[imei], "sim_box", g.gid)
                town = w.pick(towns)
                g.boxes.append((imei, int(town) * 100, bool(rng.random() < w.p.moving_box_share)))
                day = float(-w.ri(0, 2))
                batch_day = -w.ri(2, 40)
                cap = w.ri(*w.p.cards_per_box)
                while day < days and sum(1 for c in g.box_cards if c[1] == imei) < cap:
                    for _ in range(w.ri(1, 4)):
                        old = rng.random() < w.p.old_card_share
                        opened = -w.ri(200, 3000) if old else batch_day - w.r(0, 2)
                        num = self._card_farmer_card(g, opened)
                        dur = w.ri(*w.p.card_active_days)
                        g.box_cards.append((num, imei, int(max(0, day)), int(min(days, day + dur))))
                    day += w.r(1, 5)
                    batch_day = int(day) - w.ri(1, 20)
        for _ in range(w.ri(*w.p.roaming_cards_per_group)):
            g.roaming.append(self._card_farmer_card(g, -w.ri(5, 900)))
        cc = COUNTRY_CODE[g.country]
        for _ in range(w.ri(2, 8)):
            num = f"+{cc}{ids.digits(rng, 9 if cc != '852' else 8)}"
            g.overseas.append(num)
            w.label("phone", num, "calls", None, "overseas_number", g.gid)
        for _ in range(w.ri(1, 5)):
            num = w.pick(
                [
                    f"+8610{ids.digits(rng, 8)}",
                    f"+8621{ids.digits(rng, 8)}",
                    f"+86731{ids.digits(rng, 8)}",
                    f"95{ids.digits(rng, 3)}",
                    f"+8620{ids.digits(rng, 8)}",
                ]
            )
            g.spoofed.append(num)
            w.label("phone", num, "calls", None, "spoofed_number", g.gid)
        for _ in range(w.ri(1, 3)):
            imei = w.new_device("phone", w.ts(-w.ri(1, 200)))
            g.handsets.append(imei)
            w.label("imei", imei, "devices", w.device_row[imei], "fraud_handset", g.gid)

    def _internet(self, g: Group) -> None:
        w, rng = self.w, self.rng
        for _ in range(w.ri(3, 8)):
            prefix = w.pick(FOREIGN_IP16[g.country])
            ip = ids.ipv4(rng, prefix)
            g.ips.append(ip)
        plats = [*CHAT_PLATFORM.get(g.scam, ["qq", "wechat"]), "wechat", "qq"]
        for plat in dict.fromkeys(plats):
            accts = []
            for _ in range(w.ri(2, 6)):
                if rng.random() < w.p.bought_account_share:
                    # An old account bought from a resident: registered long ago, at home, in their name.
                    seller = self._pick_people(lambda p: p.age >= 18, 1)[0]
                    sp = w.people[seller]
                    acct = w.new_net_account(
                        plat,
                        sp.phones[0],
                        w.province_ip(),
                        w.ts(-w.ri(400, 3000)),
                        person=seller,
                        imei=sp.imei,
                    )
                else:
                    phone = (
                        w.pick(g.box_cards)[0]
                        if g.box_cards and rng.random() < 0.5
                        else w.pick(g.roaming)
                        if g.roaming and rng.random() < 0.5
                        else w.outside_msisdn()
                    )
                    acct = w.new_net_account(
                        plat,
                        phone,
                        w.pick(g.ips),
                        w.ts(-w.r(1, 60)),
                        imei=w.pick(g.handsets) if rng.random() < 0.6 else None,
                    )
                w.label(
                    "internet_account",
                    acct,
                    "internet_accounts",
                    w.net_row[acct],
                    "fraud_internet_account",
                    g.gid,
                )
                accts.append(acct)
            g.net[plat] = accts
        for ip in g.ips:
            w.label("ip", ip, "chats", None, "fraud_ip", g.gid)  # kept only if it shows up (generate.write)
        # Sites: one or two fresh domains, a few paths each.
        for _ in range(w.ri(1, 2)):
            domain = f"{w.pick(DOMAIN_WORDS)}{w.ri(1, 999)}{w.pick(TLDS)}"
            if domain in w.uniq.seen:
                continue
            w.uniq.seen.add(domain)
            reg = w.p.start - dt.timedelta(days=w.ri(2, 150))
            icp = bool(rng.random() < 0.08)  # a borrowed filing now and then
            w.label("domain", domain, "urls", None, "fraud_domain", g.gid)
            for path in ("", w.pick(["download", "app", "h5", "#/login", "reg?code="]) + str(w.ri(10, 99))):
                url = f"https://{w.pick(['', 'www.', 'm.', 'app.'])}{domain}/{path}"
                if url in w.url_row:
                    continue
                row = w.tables["urls"].add(
                    url_id=w.tables["urls"].n,
                    url=url,
                    domain=domain,
                    domain_registered_at=reg,
                    icp_filed=icp,
                    title=TITLES[g.scam],
                )
                w.url_row[url] = row
                g.urls.append(url)
                w.label("url", url, "urls", row, "fraud_url", g.gid)
        if g.scam in APP_TYPES:
            stem = w.pick(DOMAIN_WORDS).replace("-", "")
            kind = w.pick(["trade", "task", "pro", "vip", "app"])
            pkg = f"{w.pick(['com', 'cn', 'io'])}.{stem}.{kind}{w.ri(1, 99)}"
            if pkg not in w.app_row:
                row = w.tables["apps"].add(
                    app_id=w.tables["apps"].n,
                    package=pkg,
                    name_zh=TITLES[g.scam],
                    developer=w.pick(["", "个人开发者", "Global Tech Ltd", "某科技"]),
                    filed=False,
                    in_store=False,
                )
                w.app_row[pkg] = row
                w.label("app", pkg, "apps", row, "fraud_app", g.gid)
            g.app = pkg

    def _mule_acct(self, g: Group, pid: int, role: str, fresh: bool, pay: bool) -> Acct:
        w = self.w
        p = w.people[pid]
        if fresh:
            county = p.town[:6] if self.rng.random() < 0.6 else w.pick(reference.counties())[0]
            card = w.new_bank_card(w.ts(-w.r(3, 60), w.r(9, 17)), county, person=pid, phone=p.phones[0])
            p.cards.append(card)
        else:
            card = p.cards[0]
        if pay:
            acct = w.new_pay_account(
                w.pick(["alipay", "wechatpay"]), w.ts(-w.r(1, 50)), person=pid, phone=p.phones[0], card=card
            )
            a = Acct("payment_account", acct, pid, p.imei)
            w.label("payment_account", acct, "payment_accounts", w.pay_row[acct], role, g.gid)
            return a
        imei = p.imei if self.rng.random() < 0.5 else w.pick(g.handsets)
        w.label("bank_card", card, "bank_cards", w.bank_row[card], role, g.gid)
        return Acct("bank_card", card, pid, imei)

    def _money(self, g: Group, pool: list[int], shared: list[int]) -> None:
        w, rng = self.w, self.rng
        n = w.ri(*w.p.mules_per_group)
        own = [q for q in pool if q not in shared and q not in self.used_mules]
        mules = own[: max(1, n - 2)] + [w.pick(shared) for _ in range(min(2, len(shared)))]
        mules = list(dict.fromkeys(mules)) or [w.pick(pool)]
        for q in mules:
            self.used_mules[q] = g.gid
            w.label("resident_id", w.people[q].rid, "people", q, "mule", g.gid)
        k = len(mules)
        for i, q in enumerate(mules):
            fresh = bool(rng.random() < w.p.fresh_mule_card_share)
            if i < max(1, k // 3):
                g.collect.append(
                    self._mule_acct(g, q, "collection_account", fresh, pay=bool(rng.random() < 0.35))
                )
            else:
                g.layer.append(self._mule_acct(g, q, "layering_account", fresh, pay=False))
        if not g.layer:
            g.layer.append(self._mule_acct(g, mules[0], "layering_account", True, pay=False))
        cashers = self._pick_people(lambda p: 18 <= p.age < 40 and p.pid not in self.used_mules, w.ri(1, 3))
        for c in cashers:
            g.cashers.append(c)
            w.label("resident_id", w.people[c].rid, "people", c, "casher", g.gid)
        for _ in range(w.ri(1, 3)):
            holder = w.pick(mules)
            a = self._mule_acct(g, holder, "cashout_card", True, pay=False)
            g.cashout.append(a)
        for _ in range(w.ri(1, 3)):
            addr = w.uniq.take(lambda: ids.tron_address(rng))
            row = w.tables["wallets"].add(wallet_id=w.tables["wallets"].n, address=addr, chain="TRON")
            w.wallet_row[addr] = row
            g.wallets.append(addr)
            w.label("wallet", addr, "wallets", row, "fraud_wallet", g.gid)

    # ------------------------------------------------------------------ broadcasts
    def broadcasts(self) -> None:
        """Mass dialling and SMS from boxes, roaming cards, overseas and spoofed numbers."""
        w, rng = self.w, self.rng
        calls, sms = w.tables["calls"], w.tables["sms"]
        residents = [p.phones[0] for p in self.phone_people]
        sw = SCAM_HOURS / SCAM_HOURS.sum()
        for g in self.groups:
            sms_first = vocab.SCRIPTS[g.scam][0]
            for num, imei, d0, d1 in g.box_cards:
                box = next(b for b in g.boxes if b[0] == imei)
                siblings = [c[0] for c in g.box_cards if c[1] == imei and c[0] != num][:3]
                for d in range(d0, d1):
                    n = w.ri(*w.p.broadcast_calls_per_box_card_day)
                    answer = w.r(*w.p.broadcast_answer_rate)
                    hours = rng.choice(24, n, p=sw) + rng.random(n)
                    for h in hours.tolist():
                        callee = w.pick(residents) if rng.random() < 0.35 else w.pick(self.outside_pool)
                        ans = rng.random() < answer
                        ts = w.ts(d, h)
                        cell = box[1] + (int(h) % 7 if box[2] else 1)
                        calls.add(
                            ts=ts,
                            caller=num,
                            callee=callee,
                            duration_s=int(rng.lognormal(2.8, 0.8)) if ans else 0,
                            caller_imei=imei,
                            cell_id=cell,
                            roaming="none",
                            gateway="local",
                            _label=g.scam,
                            _category="scam_broadcast",
                            _case=None,
                            _caller_kind="sim_box",
                        )
                        if not ans and callee in w.phone_owner and rng.random() < w.p.callback_rate:
                            q = w.people[w.phone_owner[callee]]
                            calls.add(
                                ts=ts + int(rng.integers(2, 240)) * MIN_MS,
                                caller=callee,
                                callee=num,
                                duration_s=int(rng.integers(0, 40)),
                                caller_imei=q.imei,
                                cell_id=int(q.town) * 100 + 2,
                                roaming="none",
                                gateway="local",
                            )
                    # Cover traffic: test calls between the box's own cards, operator notices.
                    for _ in range(w.ri(0, 3)):
                        if siblings:
                            calls.add(
                                ts=w.ts(d, w.r(9, 22)),
                                caller=num,
                                callee=w.pick(siblings),
                                duration_s=w.ri(5, 180),
                                caller_imei=imei,
                                cell_id=box[1] + 1,
                                roaming="none",
                                gateway="local",
                                _label=g.scam,
                                _category="scam_broadcast",
                                _case=None,
                                _caller_kind="sim_box",
                            )
                    if rng.random() < 0.3:
                        sms.add(
                            ts=w.ts(d, w.r(8, 20)),
                            sender="10086",
                            receiver=num,
                            text=w.pick(vocab.LOOKALIKE_SMS["marketing"][1:2]),
                            sender_imei=None,
                            cell_id=None,
                            _label="normal",
                            _category="marketing",
                        )
                    if g.scam in vocab.SMS_FIRST and rng.random() < 0.6:
                        for _ in range(w.ri(*w.p.broadcast_sms_per_box_day) // 4):
                            tpl = w.pick(sms_first)
                            url = w.pick(g.urls) if g.urls else "https://t.cn/x"
                            text = vocab.disguise(vocab.fill(tpl, rng, url=url), rng, 0.7)
                            to = w.pick(residents) if rng.random() < 0.4 else w.pick(self.outside_pool)
                            ts = w.ts(d, float(rng.choice(24, p=sw) + rng.random()))
                            sms.add(
                                ts=ts,
                                sender=num,
                                receiver=to,
                                text=text,
                                sender_imei=imei,
                                cell_id=box[1] + 1,
                                _label=g.scam,
                                _category="scam_broadcast",
                            )
                            # A few curious recipients open the link and go no further (not a case).
                            if "{url}" in tpl and g.urls and to in w.phone_owner and rng.random() < 0.02:
                                q = w.people[w.phone_owner[to]]
                                vt = ts + w.ri(3, 180) * MIN_MS
                                if q.imei is not None and vt < self.end:
                                    w.tables["web_visits"].add(
                                        ts=vt,
                                        imei=q.imei,
                                        ip=w.pick(self.life.ip_of[q.pid]),
                                        url=url,
                                        domain=w.tables["urls"].cols["domain"][w.url_row[url]],
                                    )
            # Roaming cards abroad, overseas numbers and spoofed callers dial the province directly.
            for num in g.roaming + g.overseas + g.spoofed:
                kind = "roaming_card" if num in g.roaming else "overseas" if num in g.overseas else "spoofed"
                for d in range(w.p.days):
                    if rng.random() < 0.5:
                        continue
                    n = w.ri(3, 40)
                    for h in (rng.choice(24, n, p=sw) + rng.random(n)).tolist():
                        ans = rng.random() < 0.18
                        calls.add(
                            ts=w.ts(d, h),
                            caller=num,
                            callee=w.pick(residents),
                            duration_s=int(rng.lognormal(2.8, 0.8)) if ans else 0,
                            caller_imei=None,
                            cell_id=None,
                            roaming="international" if kind == "roaming_card" else "none",
                            gateway="international",
                            _label=g.scam,
                            _category="scam_broadcast",
                            _case=None,
                            _caller_kind=kind,
                        )

    def _scam_text(self, g: Group, templates: list[str], strength: float, **given: str) -> str:
        w = self.w
        url = w.pick(g.urls) if g.urls else "https://t.cn/x"
        text = vocab.fill(w.pick(templates), self.rng, url=url, **given)
        return vocab.disguise(text, self.rng, strength)

    # ------------------------------------------------------------------ cases
    def run_cases(self) -> None:
        """Choose targets and play each case out stage by stage."""
        w, rng = self.w, self.rng
        n_cases = int(rng.poisson(w.p.cases_per_10k_person_days * w.p.people * w.p.days / 10_000))
        by_scam: dict[str, list[Group]] = {}
        for g in self.groups:
            by_scam.setdefault(g.scam, []).append(g)
        codes = [s[0] for s in reference.SCAM_TYPES]
        shares = np.array([s[3] for s in reference.SCAM_TYPES])
        targeted: set[int] = set()
        for cid in range(n_cases):
            scam = codes[int(rng.choice(len(codes), p=shares / shares.sum()))]
            g = w.pick(by_scam[scam])
            target = self._target(scam, targeted)
            if target is None:
                continue
            targeted.add(target)
            self._case(cid, g, target)

    def _target(self, scam: str, taken: set[int]) -> int | None:
        w = self.w
        fits: dict[str, Callable[[Person], bool]] = {
            "order_brushing": lambda p: (
                17 <= p.age < 45
                and p.occ in ("student", "unemployed", "worker", "rider", "employee", "night_shift")
            ),
            "fake_investment": lambda p: 28 <= p.age < 62,
            "fake_shopping": lambda p: 16 <= p.age < 45,
            "fake_customer_service": lambda p: 22 <= p.age < 55,
            "fake_loan": lambda p: 20 <= p.age < 50 and p.occ not in ("civil_servant",),
            "fake_credit": lambda p: 21 <= p.age < 33,
            "fake_acquaintance": lambda p: 25 <= p.age < 58 and p.employer is not None,
            "fake_police": lambda p: p.age >= 55 or 18 <= p.age < 26,
            "romance": lambda p: 24 <= p.age < 58,
            "game_trading": lambda p: 12 <= p.age < 28,
        }
        for _ in range(60):
            p: Person = w.pick(self.phone_people)
            if p.pid not in taken and p.pid not in self.used_mules and fits[scam](p):
                return p.pid
        return None

    def _case(self, cid: int, g: Group, pid: int) -> None:
        w, rng = self.w, self.rng
        p = w.people[pid]
        script = vocab.SCRIPTS[g.scam]
        sw = SCAM_HOURS / SCAM_HOURS.sum()
        t = w.ts(int(rng.integers(0, max(1, w.p.days - 1))), float(rng.choice(24, p=sw) + rng.random()))
        # Which channel opens the case.
        if g.scam in vocab.CALL_FIRST and rng.random() < 0.75:
            first = "call"
        elif g.scam in vocab.SMS_FIRST and rng.random() < 0.6:
            first = "sms"
        else:
            first = "chat"
        plat_choices = [
            pl for pl in CHAT_PLATFORM.get(g.scam, ["qq", "wechat"]) if pl in p.net and pl in g.net
        ]
        plat_choices += [pl for pl in ("wechat", "qq") if pl in p.net and pl in g.net]
        if not plat_choices:
            first = "call" if first == "chat" else first
        fraud_acct = w.pick(g.net[plat_choices[0]]) if plat_choices else None
        will_pay = bool(rng.random() < w.p.victim_share) and bool(p.cards)
        quit_stage = len(script) if will_pay else w.ri(1, max(1, len(script) - 1))
        dissuade_at = None
        if rng.random() < w.p.dissuasion_rate:
            dissuade_at = w.ri(1, len(script))
        payments: list[tuple[int, int]] = []
        dissuaded = False
        stopped = False
        total = int(rng.lognormal(np.log(LOSS_MEDIAN_YUAN[g.scam]), 0.9) * 100)
        n_pay = max(
            1,
            min(
                8,
                int(rng.geometric(0.45))
                + (1 if g.scam in ("order_brushing", "fake_investment", "romance") else 0),
            ),
        )
        pay_parts = np.sort(rng.dirichlet(np.ones(n_pay) * 0.8))  # escalating payments
        for stage in range(1, len(script) + 1):
            if t >= self.end:
                break
            templates = script[stage - 1]
            if stage == 1 and first in ("call", "sms"):
                if first == "call":
                    self._script_call(g, cid, p, t, long=True)
                    if plat_choices and fraud_acct is not None:
                        self._chat(
                            g, cid, fraud_acct, p, plat_choices[0], t + w.ri(2, 15) * MIN_MS, templates, stage
                        )
                else:
                    self._script_sms(g, cid, p, t, templates, stage)
            elif fraud_acct is not None:
                for k in range(1 if stage == 1 else w.ri(1, 3)):
                    self._chat(
                        g, cid, fraud_acct, p, plat_choices[0], t + k * w.ri(1, 6) * MIN_MS, templates, stage
                    )
            elif stage > 1:
                self._script_call(g, cid, p, t, long=True)
            # Follow-up calls keep the pressure on in impersonation scams.
            if (
                g.scam in ("fake_police", "fake_customer_service", "fake_credit")
                and stage > 1
                and rng.random() < 0.5
            ):
                self._script_call(g, cid, p, t + w.ri(1, 10) * MIN_MS, long=True)
            # Links are opened; apps installed.
            if any("{url}" in s for s in templates) or (stage == 2 and g.scam in MEETING_TYPES):
                self._visit(g, p, t + w.ri(1, 20) * MIN_MS)
            # The victim answers.
            if fraud_acct is not None and plat_choices and rng.random() < 0.8:
                reply = w.pick(vocab.VICTIM_REPLIES[:12] if stage < quit_stage else vocab.VICTIM_REPLIES)
                w.tables["chats"].add(
                    ts=t + w.ri(1, 30) * MIN_MS,
                    platform=plat_choices[0],
                    sender=p.net[plat_choices[0]],
                    receiver=fraud_acct,
                    text=reply,
                    sender_ip=w.pick(self.life.ip_of[pid]),
                    _label=g.scam,
                    _category="victim_reply",
                    _case=cid,
                    _stage=stage,
                )
            # Early "rebate" to hook the target.
            if stage == 2 and g.scam in ("order_brushing", "fake_investment") and p.pay:
                src = w.pick(g.collect)
                self._tx(
                    src.kind,
                    src.ident,
                    "payment_account",
                    p.pay[0],
                    int(rng.choice([800, 1200, 2000, 5000, 8800])),
                    t + w.ri(3, 30) * MIN_MS,
                    "transfer",
                    src.imei,
                )
            if dissuade_at == stage and not dissuaded:
                dissuaded = True
                dt_ = t + w.ri(5, 90) * MIN_MS
                self._police_call(p, dt_)
                if not payments and rng.random() < w.p.dissuasion_success:
                    stopped = True
            if stopped or stage > quit_stage:
                break
            # Payments in the last stages.
            if will_pay and stage >= len(script) - 1:
                todo = n_pay - len(payments)
                here = todo if stage == len(script) else max(1, todo // 2)
                for _ in range(here):
                    ta = t + w.ri(4, 40) * MIN_MS
                    if ta >= self.end:
                        break
                    part = pay_parts[len(payments)]
                    amount = max(1000, int(total * part) // 100 * 100)
                    payments.append((ta, amount))
                    self._victim_payment(g, cid, p, len(payments), amount, ta)
                    t = ta
            lo, hi = STAGE_GAP_H[g.scam]
            t += int(rng.uniform(lo, hi) * HOUR_MS)
            # Work shifts only; the next stage lands in the group's office hours.
            t = self._office(t)
        outcome = "victim" if payments else "engaged"
        first_at = payments[0][0] if payments else None
        w.tables["label_cases"].add(
            case_id=cid,
            group_id=g.gid,
            scam_type=g.scam,
            person_id=pid,
            resident_id=p.rid,
            age=p.age,
            first_contact_at=self._first_contact.get(cid, t),
            first_channel=first,
            outcome=outcome,
            n_payments=len(payments),
            loss_fen=sum(a for _, a in payments),
            first_payment_at=first_at,
            dissuaded=dissuaded,
        )

    def _office(self, t: int) -> int:
        local_h = ((t - self.w.t0) % DAY_MS) / HOUR_MS
        if 1.0 <= local_h < 9.5:
            t += int((9.5 - local_h + self.rng.random() * 2) * HOUR_MS)
        return t

    def _seen(self, cid: int, t: int) -> None:
        if cid not in self._first_contact or t < self._first_contact[cid]:
            self._first_contact[cid] = t

    def _script_call(self, g: Group, cid: int, p: object, t: int, long: bool) -> None:
        w, rng = self.w, self.rng
        if t >= self.end:
            return
        me = w.people[p.pid]  # type: ignore[attr-defined]
        u = rng.random()
        day = int((t - w.t0) // DAY_MS)
        live = [c for c in g.box_cards if c[2] <= day < c[3]]
        if live and u < 0.55:
            num, imei, _, _ = w.pick(live)
            box = next(b for b in g.boxes if b[0] == imei)
            row = dict(
                caller=num,
                caller_imei=imei,
                cell_id=box[1] + 1,
                roaming="none",
                gateway="local",
                _caller_kind="sim_box",
            )
        elif g.roaming and u < 0.7:
            row = dict(
                caller=w.pick(g.roaming),
                caller_imei=None,
                cell_id=None,
                roaming="international",
                gateway="international",
                _caller_kind="roaming_card",
            )
        elif u < 0.7 + w.p.spoof_share:
            row = dict(
                caller=w.pick(g.spoofed),
                caller_imei=None,
                cell_id=None,
                roaming="none",
                gateway="international",
                _caller_kind="spoofed",
            )
        else:
            row = dict(
                caller=w.pick(g.overseas),
                caller_imei=None,
                cell_id=None,
                roaming="none",
                gateway="international",
                _caller_kind="overseas",
            )
        dur = int(rng.lognormal(np.log(900), 0.8)) if long else int(rng.lognormal(3.0, 0.7))
        w.tables["calls"].add(
            ts=t,
            callee=me.phones[0],
            duration_s=dur,
            _label=g.scam,
            _category="scam_script",
            _case=cid,
            **row,
        )
        self._seen(cid, t)

    def _script_sms(self, g: Group, cid: int, p: object, t: int, templates: list[str], stage: int) -> None:
        w = self.w
        me = w.people[p.pid]  # type: ignore[attr-defined]
        day = int((t - w.t0) // DAY_MS)
        live = [c for c in g.box_cards if c[2] <= day < c[3]]
        if live:
            num, imei, _, _ = w.pick(live)
            box = next(b for b in g.boxes if b[0] == imei)
            sender, sim, cell = num, imei, box[1] + 1
        elif g.roaming:
            sender, sim, cell = w.pick(g.roaming), None, None
        else:
            sender, sim, cell = w.pick(g.overseas), None, None
        w.tables["sms"].add(
            ts=t,
            sender=sender,
            receiver=me.phones[0],
            text=self._scam_text(g, templates, 0.6),
            sender_imei=sim,
            cell_id=cell,
            _label=g.scam,
            _category="scam_script",
            _case=cid,
            _stage=stage,
        )
        self._seen(cid, t)

    def _chat(
        self,
        g: Group,
        cid: int,
        fraud_acct: str,
        p: object,
        plat: str,
        t: int,
        templates: list[str],
        stage: int,
    ) -> None:
        w, rng = self.w, self.rng
        if t >= self.end:
            return
        me = w.people[p.pid]  # type: ignore[attr-defined]
        ip = w.province_ip() if rng.random() < w.p.domestic_proxy_share else w.pick(g.ips)
        w.tables["chats"].add(
            ts=t,
            platform=plat,
            sender=fraud_acct,
            receiver=me.net[plat],
            text=self._scam_text(g, templates, 0.35),
            sender_ip=ip,
            _label=g.scam,
            _category="scam_script",
            _case=cid,
            _stage=stage,
        )
        self._seen(cid, t)

    def _visit(self, g: Group, p: object, t: int) -> None:
        w = self.w
        if t >= self.end:
            return
        me = w.people[p.pid]  # type: ignore[attr-defined]
        if g.scam in MEETING_TYPES and g.scam != "fake_police":
            w.tables["app_installs"].add(
                ts=t, imei=me.imei, package="com.tencent.wemeet.app", source="store", download_url=None
            )
            return
        if not g.urls:
            return
        url = w.pick(g.urls)
        ip = w.pick(self.life.ip_of[me.pid])
        w.tables["web_visits"].add(
            ts=t, imei=me.imei, ip=ip, url=url, domain=w.tables["urls"].cols["domain"][w.url_row[url]]
        )
        if g.app is not None and self.rng.random() < 0.85:
            w.tables["app_installs"].add(
                ts=t + w.ri(1, 5) * MIN_MS, imei=me.imei, package=g.app, source="sideload", download_url=url
            )

    def _police_call(self, p: object, t: int) -> None:
        w = self.w
        if t >= self.end:
            return
        me = w.people[p.pid]  # type: ignore[attr-defined]
        w.tables["calls"].add(
            ts=t,
            caller="96110",
            callee=me.phones[0],
            duration_s=w.ri(40, 900),
            caller_imei=None,
            cell_id=None,
            roaming="none",
            gateway="local",
            _label="normal",
            _category="police_dissuasion",
            _case=None,
            _caller_kind="police",
        )

    # ------------------------------------------------------------------ money
    def _tx(
        self,
        src_kind: str,
        src: str,
        dst_kind: str,
        dst: str,
        amount: int,
        t: int,
        channel: str,
        imei: str | None,
        **truth: object,
    ) -> int | None:
        if t >= self.end:
            return None
        return self.w.tables["transactions"].add(
            ts=t,
            src_kind=src_kind,
            src_account=src,
            dst_kind=dst_kind,
            dst_account=dst,
            amount_fen=int(amount),
            channel=channel,
            device_imei=imei,
            **{f"_{k}": v for k, v in truth.items()},
        )

    def _hold(self) -> int:
        p = self.w.p
        minutes = float(self.rng.lognormal(np.log(p.hold_minutes_median), p.hold_sigma))
        return int(min(minutes, p.hold_max_hours * 60) * MIN_MS) + int(self.rng.integers(5_000, 60_000))

    def _keep(self, amount: int) -> int:
        c = self.w.r(*self.w.p.commission)
        return int(amount * (1 - c))

    def _victim_payment(self, g: Group, cid: int, p: object, no: int, amount: int, t: int) -> None:
        w, rng = self.w, self.rng
        me = w.people[p.pid]  # type: ignore[attr-defined]
        mix = w.p.layering_mix
        layering = str(rng.choice(list(mix), p=np.array(list(mix.values())) / sum(mix.values())))
        terminal = "atm" if rng.random() < w.p.atm_share else "crypto"
        truth = {"case": cid, "payment_no": no, "layering": layering, "terminal": terminal}
        dst = w.pick(g.collect)
        if dst.kind == "payment_account" and me.pay:
            tid = self._tx(
                "payment_account",
                w.pick(me.pay),
                "payment_account",
                dst.ident,
                amount,
                t,
                "qr",
                me.imei,
                hop=0,
                pattern="victim_payment",
                **truth,
            )
        else:
            tid = self._tx(
                "bank_card",
                me.cards[0],
                dst.kind,
                dst.ident,
                amount,
                t,
                "transfer",
                me.imei,
                hop=0,
                pattern="victim_payment",
                **truth,
            )
            self.life.bank_notice(me.cards[0], t, amount, False)
        if tid is None:
            return
        self._launder(g, dst, amount, t, 1, layering, terminal, truth)

    def _launder(
        self,
        g: Group,
        start: Acct,
        amount: int,
        t: int,
        hop: int,
        layering: str,
        terminal: str,
        truth: dict[str, object],
    ) -> None:
        w, rng = self.w, self.rng
        others = [a for a in g.layer if a.ident != start.ident] or g.layer
        if layering == "chain":
            cur = start
            for _ in range(w.ri(*w.p.chain_hops)):
                nxt = w.pick([a for a in others if a.ident != cur.ident] or others)
                t += self._hold()
                amount = self._keep(amount)
                if self._move(cur, nxt, amount, t, hop, "chain", truth) is None:
                    return
                cur, hop = nxt, hop + 1
            self._terminal(g, cur, amount, t, hop, terminal, truth)
        elif layering == "fan_out":
            k = min(len(others), w.ri(*w.p.fan_width))
            idx = rng.choice(len(others), k, replace=False)
            parts = rng.dirichlet(np.ones(k) * 1.5)
            t_out = t + self._hold()
            for j, i in enumerate(idx.tolist()):
                nxt = others[i]
                amt = int(self._keep(amount) * parts[j]) // 100 * 100 + int(rng.integers(0, 100))
                tj = t_out + j * w.ri(10, 400) * 1000
                if self._move(start, nxt, amt, tj, hop, "fan_out", truth) is None:
                    continue
                self._terminal(g, nxt, amt, tj + self._hold(), hop + 1, terminal, truth)
        else:
            k = min(len(others), w.ri(*w.p.fan_width))
            idx = rng.choice(len(others), k, replace=False)
            parts = rng.dirichlet(np.ones(k) * 2)
            gather = w.pick(others)
            t_out = t + self._hold()
            t_last = t_out
            total = 0
            gathered = False
            for j, i in enumerate(idx.tolist()):
                mid = others[i]
                amt = int(self._keep(amount) * parts[j])
                tj = t_out + j * w.ri(20, 600) * 1000
                if self._move(start, mid, amt, tj, hop, "scatter", truth) is None:
                    continue
                if mid.ident == gather.ident:
                    total += amt
                    t_last = max(t_last, tj)
                    continue
                tg = tj + self._hold()
                back = self._keep(amt)
                if self._move(mid, gather, back, tg, hop + 1, "gather", truth) is None:
                    continue
                total += back
                gathered = True
                t_last = max(t_last, tg)
            if total:
                last = hop + (2 if gathered else 1)
                self._terminal(g, gather, total, t_last + self._hold(), last, terminal, truth)

    def _move(
        self, a: Acct, b: Acct, amount: int, t: int, hop: int, pattern: str, truth: dict[str, object]
    ) -> int | None:
        channel = "transfer"
        return self._tx(
            a.kind, a.ident, b.kind, b.ident, amount, t, channel, a.imei, hop=hop, pattern=pattern, **truth
        )

    def _terminal(
        self, g: Group, cur: Acct, amount: int, t: int, hop: int, terminal: str, truth: dict[str, object]
    ) -> None:
        w, rng = self.w, self.rng
        if terminal == "crypto":
            left = amount
            while left > 0 and t < self.end:
                part = min(left, int(rng.uniform(20_000, 50_000)) * 100)
                if (
                    self._tx(
                        cur.kind,
                        cur.ident,
                        "wallet",
                        w.pick(g.wallets),
                        part,
                        t,
                        "crypto_otc",
                        cur.imei,
                        hop=hop,
                        pattern="crypto",
                        **truth,
                    )
                    is None
                ):
                    return
                left -= part
                t += w.ri(2, 90) * MIN_MS
            return
        card = w.pick(g.cashout)
        if cur.ident != card.ident:
            if self._move(cur, card, amount, t, hop, "to_cashout_card", truth) is None:
                return
            hop += 1
            t += self._hold()
        casher = w.pick(g.cashers) if g.cashers and rng.random() < 0.75 else card.holder
        self._atm_run(g, card, casher, amount, t, hop, truth)

    def _atm_run(
        self,
        g: Group,
        card: Acct,
        casher: int | None,
        amount: int,
        t: int,
        hop: int,
        truth: dict[str, object],
    ) -> None:
        w, rng = self.w, self.rng
        max_one = w.p.atm_max_withdrawal_yuan * 100
        limit = w.p.atm_daily_limit_yuan * 100
        town = w.people[casher].town if casher is not None else w.atms[0][1]
        near = [a for a, tw in w.atms if tw[:4] == town[:4]] or [a for a, _ in w.atms]
        atm = w.pick(near)
        left = amount
        today = 0
        day = (t - w.t0) // DAY_MS
        n = 0
        covered_style = rng.random() < w.p.casher_face_covered
        while left >= 10_000 and t < self.end:
            if today + min(left, max_one) > limit:
                # Daily limit reached: come back after midnight, often at a different machine.
                day += 1
                t = w.t0 + day * DAY_MS + int(rng.uniform(0.02, 7) * HOUR_MS)
                today = 0
                atm = w.pick(near)
            amt = min(left, max_one, limit - today) // 10_000 * 10_000
            if amt <= 0:
                break
            covered = bool(covered_style and rng.random() < 0.9)
            holder = card.holder is not None and casher == card.holder
            tid = self._tx(
                "bank_card",
                card.ident,
                "cash",
                f"atm:{atm}",
                amt,
                t,
                "atm",
                None,
                hop=hop,
                pattern="atm_cashout",
                **truth,
            )
            if tid is None:
                return
            face = None if covered else (w.people[casher].face if casher is not None else 9_000_000 + g.gid)
            w.tables["atm_events"].add(
                ts=t,
                atm_id=atm,
                card_number=card.ident,
                amount_fen=amt,
                txn_id=tid,
                face_covered=covered,
                face_id=face,
                face_matches_holder=None if covered else holder,
            )
            left -= amt
            today += amt
            n += 1
            t += w.ri(40, 300) * 1000
            if n % w.ri(2, 4) == 0:
                atm = w.pick(near)
                t += w.ri(5, 25) * MIN_MS
