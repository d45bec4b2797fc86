"""Who lives in the evaluation world and what they hold: people, businesses, cards, accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evalworld import ids, reference
from evalworld.params import Params
from evalworld.store import Rows

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
TZ_OFFSET_MS = 8 * HOUR_MS

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建文辉玲红宇浩然子涵梓萱欣怡佳琪俊熙晨阳湘"
BRANDS = [
    ("HUAWEI", "86"),
    ("Xiaomi", "86"),
    ("OPPO", "86"),
    ("vivo", "86"),
    ("Apple", "35"),
    ("HONOR", "86"),
    ("Samsung", "35"),
    ("Redmi", "86"),
]
BOX_BRANDS = ["GoIP", "Dinstar", "Ejoin", "Hybertone", "多卡宝"]
PROVINCE_IP16 = [
    "175.0",
    "175.8",
    "113.240",
    "113.246",
    "222.240",
    "220.168",
    "110.52",
    "120.227",
    "39.144",
    "223.104",
    "117.136",
    "42.48",
]


@dataclass
class Person:
    """One resident and the keys of what they hold."""

    pid: int
    rid: str
    age: int
    occ: str
    town: str
    household: int
    phones: list[str] = field(default_factory=list)
    imei: str | None = None
    cards: list[str] = field(default_factory=list)
    pay: list[str] = field(default_factory=list)
    net: dict[str, str] = field(default_factory=dict)
    employer: int | None = None
    face: int = 0
    profile: str = "day"


@dataclass
class World:
    """The holdings, indexes and time base shared by every generator step."""

    p: Params
    rng: np.random.Generator
    t0: int  # first day, local midnight, as epoch ms
    people: list[Person] = field(default_factory=list)
    tables: dict[str, Rows] = field(default_factory=dict)
    uniq: ids.Unique = field(default_factory=ids.Unique)
    business_kind: list[str] = field(default_factory=list)
    business_county: list[str] = field(default_factory=list)
    business_card: dict[int, str] = field(default_factory=dict)
    business_pay: dict[int, str] = field(default_factory=dict)
    business_phones: dict[int, list[str]] = field(default_factory=dict)
    gateway_imei: dict[int, str] = field(default_factory=dict)
    card_owner: dict[str, int] = field(default_factory=dict)  # bank card → person
    phone_owner: dict[str, int] = field(default_factory=dict)
    phone_row: dict[str, int] = field(default_factory=dict)
    bank_row: dict[str, int] = field(default_factory=dict)
    pay_row: dict[str, int] = field(default_factory=dict)
    net_row: dict[str, int] = field(default_factory=dict)
    device_row: dict[str, int] = field(default_factory=dict)
    url_row: dict[str, int] = field(default_factory=dict)
    app_row: dict[str, int] = field(default_factory=dict)
    wallet_row: dict[str, int] = field(default_factory=dict)
    atms: list[tuple[str, str]] = field(default_factory=list)  # (atm_id, township)
    legit_urls: list[tuple[str, str]] = field(default_factory=list)
    legit_apps: list[str] = field(default_factory=list)
    legit_wallets: list[str] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)  # label_objects rows

    def ts(self, day: float, hour: float = 0.0) -> int:
        """Epoch ms of `day` (0-based, may be fractional) plus `hour`."""
        return int(self.t0 + day * DAY_MS + hour * HOUR_MS)

    def r(self, lo: float, hi: float) -> float:
        """Uniform float."""
        return lo + (hi - lo) * float(self.rng.random())

    def ri(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi]."""
        return lo + int(self.rng.random() * (hi - lo + 1))

    def pick(self, items: list[Any]) -> Any:
        """One item."""
        return items[int(self.rng.random() * len(items))]

    def label(self, kind: str, ident: str, table: str, oid: int | None, role: str, group: int | None) -> None:
        """Record one fraud actor or object."""
        self.labels.append(
            {
                "object_kind": kind,
                "identifier": ident,
                "source_table": table,
                "object_id": oid,
                "role": role,
                "group_id": group,
            }
        )

    # ------------------------------------------------------------------ holdings makers
    def new_phone_card(
        self,
        msisdn: str | None,
        opened: int,
        county: str,
        *,
        person: int | None = None,
        business: int | None = None,
        rid: str | None = None,
        virtual_ok: bool = False,
    ) -> str:
        """Open a province SIM; returns its number."""
        segs = reference.SEGMENTS if virtual_ok else [s for s in reference.SEGMENTS if not s[3]]
        seg = self.pick(segs)
        if msisdn is None:
            msisdn = self.uniq.take(lambda: ids.msisdn(self.rng, seg[0], True))
        if person is not None and rid is None:
            rid = self.people[person].rid
        row = self.tables["phone_cards"].add(
            card_id=self.tables["phone_cards"].n,
            msisdn=msisdn,
            operator_code=seg[1],
            segment=seg[0],
            is_virtual=seg[3],
            holder_person_id=person,
            holder_business_id=business,
            holder_resident_id=rid,
            opened_at=opened,
            opened_region_code=county,
            outlet_id=int(int(county) % 1000 * 40 + self.rng.integers(40)),
        )
        self.phone_row[msisdn] = row
        if person is not None:
            self.phone_owner[msisdn] = person
        return msisdn

    def new_device(
        self, kind: str, first_seen: int, *, person: int | None = None, business: int | None = None
    ) -> str:
        """Register a handset or SIM box; returns its IMEI."""
        if kind == "phone":
            brand, tac0 = self.pick(BRANDS)
        else:
            brand, tac0 = self.pick(BOX_BRANDS), "86"
        tac = tac0 + ids.digits(self.rng, 6)
        imei = self.uniq.take(lambda: ids.imei(self.rng, tac))
        row = self.tables["devices"].add(
            device_id=self.tables["devices"].n,
            imei=imei,
            kind=kind,
            brand=brand,
            owner_person_id=person,
            owner_business_id=business,
            first_seen_at=first_seen,
        )
        self.device_row[imei] = row
        return imei

    def new_bank_card(
        self,
        opened: int,
        county: str,
        *,
        person: int | None = None,
        business: int | None = None,
        kind: str = "debit",
        phone: str | None = None,
    ) -> str:
        """Open a bank card; returns its number."""
        choices = [b for b in reference.BINS if b[3] == kind]
        b = self.pick(choices)
        num = self.uniq.take(lambda: ids.card_number(self.rng, b[0], b[4]))
        rid = self.people[person].rid if person is not None else None
        row = self.tables["bank_cards"].add(
            card_id=self.tables["bank_cards"].n,
            card_number=num,
            bank_code=b[1],
            bin=b[0],
            card_type=kind,
            holder_person_id=person,
            holder_business_id=business,
            holder_resident_id=rid,
            opened_at=opened,
            opened_region_code=county,
            bound_phone=phone,
        )
        self.bank_row[num] = row
        if person is not None:
            self.card_owner[num] = person
        return num

    def new_pay_account(
        self,
        platform: str,
        opened: int,
        *,
        person: int | None = None,
        business: int | None = None,
        phone: str | None = None,
        card: str | None = None,
        merchant: bool = False,
    ) -> str:
        """Open a payment account; returns 'platform:id'."""

        def make() -> str:
            if platform == "alipay":
                return f"alipay:2088{ids.digits(self.rng, 12)}"
            if platform == "wechatpay":
                return f"wechatpay:{ids.digits(self.rng, 10)}{'m' if merchant else 'p'}"
            return f"{platform}:{ids.digits(self.rng, 14)}"

        acct = self.uniq.take(make)
        row = self.tables["payment_accounts"].add(
            account_id=self.tables["payment_accounts"].n,
            account=acct,
            platform=platform,
            account_type="merchant" if merchant else "personal",
            holder_person_id=person,
            holder_business_id=business,
            bound_phone=phone,
            linked_card_number=card,
            opened_at=opened,
        )
        self.pay_row[acct] = row
        return acct

    def new_net_account(
        self,
        platform: str,
        phone: str,
        ip: str,
        registered: int,
        *,
        person: int | None = None,
        imei: str | None = None,
    ) -> str:
        """Register an internet account; returns 'platform:id'."""

        def make() -> str:
            if platform == "wechat":
                chars = "abcdefghijkmnpqrstuvwxyz0123456789"
                return f"wechat:wxid_{''.join(self.pick(list(chars)) for _ in range(14))}"
            if platform == "qq":
                return f"qq:{self.ri(10_000_000, 3_999_999_999)}"
            return f"{platform}:{ids.digits(self.rng, 11)}"

        acct = self.uniq.take(make)
        row = self.tables["internet_accounts"].add(
            account_id=self.tables["internet_accounts"].n,
            account=acct,
            platform=platform,
            holder_person_id=person,
            registered_phone=phone,
            registered_imei=imei,
            registered_ip=ip,
            registered_at=registered,
        )
        self.net_row[acct] = row
        return acct

    def province_ip(self) -> str:
        """A mobile-network address in the province."""
        return ids.ipv4(self.rng, self.pick(PROVINCE_IP16))

    def outside_msisdn(self) -> str:
        """A mobile number of another province."""
        seg = self.pick([s for s in reference.SEGMENTS if not s[3] and len(s[0]) == 3])
        return self.uniq.take(lambda: ids.msisdn(self.rng, seg[0], False))


OCC_BY_AGE = [
    (0, 6, [("child", 1.0)]),
    (6, 18, [("student", 1.0)]),
    (
        18,
        23,
        [
            ("student", 0.5),
            ("worker", 0.15),
            ("employee", 0.1),
            ("unemployed", 0.1),
            ("rider", 0.06),
            ("call_centre_agent", 0.02),
            ("night_shift", 0.07),
        ],
    ),
    (
        23,
        60,
        [
            ("farmer", 0.14),
            ("worker", 0.22),
            ("employee", 0.2),
            ("civil_servant", 0.05),
            ("self_employed", 0.1),
            ("teacher", 0.04),
            ("unemployed", 0.06),
            ("rider", 0.05),
            ("call_centre_agent", 0.006),
            ("night_shift", 0.1),
        ],
    ),
    (60, 120, [("retired", 0.7), ("farmer", 0.3)]),
]
PROFILE = {
    "night_shift": "night",
    "rider": "rider",
    "call_centre_agent": "office",
    "employee": "office",
    "civil_servant": "office",
    "teacher": "office",
    "student": "student",
    "retired": "early",
    "farmer": "early",
}


def _age(rng: np.random.Generator) -> int:
    # A Hunan-like pyramid: wide 30-60 band, ageing tail (7th census shape, coarse).
    bands = [
        (0, 6, 0.06),
        (6, 18, 0.14),
        (18, 23, 0.06),
        (23, 40, 0.24),
        (40, 60, 0.3),
        (60, 75, 0.14),
        (75, 92, 0.06),
    ]
    w = np.array([b[2] for b in bands])
    lo, hi, _ = bands[int(rng.choice(len(bands), p=w / w.sum()))]
    return int(rng.integers(lo, hi))


def make_people(w: World) -> None:
    """People, households, their phones, cards and accounts."""
    p, rng = w.p, w.rng
    towns = reference.townships()
    city_of_county = dict(reference.counties())
    cities = [c[0] for c in reference.CITIES]
    cw = np.array(reference.CITY_WEIGHT) / sum(reference.CITY_WEIGHT)
    towns_by_city: dict[str, list[str]] = {}
    for t in towns:
        towns_by_city.setdefault(city_of_county[t[:6]], []).append(t)
    start = p.start
    pid = 0
    hh = 0
    rows = w.tables["people"]
    while pid < p.people:
        size = min(int(rng.choice([1, 2, 3, 4, 5], p=[0.22, 0.3, 0.24, 0.16, 0.08])), p.people - pid)
        town = w.pick(towns_by_city[cities[int(rng.choice(len(cities), p=cw))]])
        for _ in range(size):
            age = _age(rng)
            occs = next(o for lo, hi, o in OCC_BY_AGE if lo <= age < hi)
            ow = np.array([x[1] for x in occs])
            occ = occs[int(rng.choice(len(occs), p=ow / ow.sum()))][0]
            sex = "M" if rng.random() < 0.51 else "F"
            birth = start - dt.timedelta(days=int(age * 365.25 + rng.integers(1, 360)))
            birth_county = town[:6] if rng.random() < 0.8 else w.pick(towns)[:6]
            odd = 1 if sex == "M" else 0
            rid = w.uniq.take(
                lambda b=birth, c=birth_county, o=odd: ids.resident_id(
                    c, b, int(rng.integers(0, 500)) * 2 + o
                )
            )
            name = w.pick(list(SURNAMES)) + "".join(
                w.pick(list(GIVEN)) for _ in range(1 + int(rng.random() < 0.7))
            )
            real_age = start.year - birth.year - ((start.month, start.day) < (birth.month, birth.day))
            rows.add(
                person_id=pid,
                resident_id=rid,
                name_zh=name,
                sex=sex,
                birth_date=birth,
                age=real_age,
                occupation=occ,
                home_region_code=town,
                household_id=hh,
            )
            w.people.append(
                Person(
                    pid, rid, real_age, occ, town, hh, face=pid + 1_000_000, profile=PROFILE.get(occ, "day")
                )
            )
            pid += 1
        hh += 1


def make_businesses(w: World) -> None:
    """Employers, merchants (including utilities) and call centres, with their accounts."""
    n = w.p.people
    counties = [c for c, _ in reference.counties()]
    rows = w.tables["businesses"]
    kinds = (
        ["employer"] * max(3, n // 40) + ["merchant"] * max(4, n // 50) + ["call_centre"] * max(1, n // 2500)
    )
    stems = ["湘江", "岳麓", "芙蓉", "潇湘", "星城", "楚天", "三湘", "洞庭", "韶峰", "麓谷", "橘洲", "天心"]
    tails = {
        "employer": [
            "建筑工程有限公司",
            "机械制造有限公司",
            "物流有限公司",
            "电子科技有限公司",
            "食品有限公司",
            "配送站",
            "物业服务有限公司",
        ],
        "merchant": ["便利店", "餐馆", "水果店", "五金店", "药房", "理发店", "燃气有限公司", "自来水公司"],
        "call_centre": ["客户服务中心", "信息咨询有限公司(电话营销)"],
    }
    before = w.ts(-400)
    for bid, kind in enumerate(kinds):
        county = w.pick(counties)
        name = w.pick(stems) + w.pick(tails[kind])
        rows.add(business_id=bid, name_zh=name, kind=kind, region_code=county)
        w.business_kind.append(kind)
        w.business_county.append(county)
        w.business_card[bid] = w.new_bank_card(
            before - w.ri(0, 3000) * 86_400_000 // 1, county, business=bid, kind="corporate"
        )
        if kind == "merchant":
            plat = "alipay" if w.rng.random() < 0.5 else "wechatpay"
            w.business_pay[bid] = w.new_pay_account(
                plat, before, business=bid, card=w.business_card[bid], merchant=True
            )
        if kind == "call_centre":
            # A licensed call centre dials through its own multi-card gateway: a legitimate SIM box.
            w.gateway_imei[bid] = w.new_device("sim_box", before, business=bid)
            w.business_phones[bid] = [
                w.new_phone_card(None, before - w.ri(0, 900) * 86_400_000, county, business=bid)
                for _ in range(w.ri(12, 40))
            ]


def make_holdings(w: World) -> None:
    """Phones, handsets, bank cards, payment and internet accounts of the residents."""
    rng = w.rng
    employers = [i for i, k in enumerate(w.business_kind) if k == "employer"]
    centres = [i for i, k in enumerate(w.business_kind) if k == "call_centre"]
    merchants = [i for i, k in enumerate(w.business_kind) if k == "merchant"]
    for person in w.people:
        age = person.age
        county = person.town[:6]
        if person.occ in ("worker", "employee", "civil_servant", "teacher", "rider", "night_shift"):
            person.employer = w.pick(employers)
        elif person.occ == "call_centre_agent":
            person.employer = w.pick(centres)
        elif person.occ == "self_employed":
            person.employer = w.pick(merchants)
        if age < 10 or (age < 14 and rng.random() < 0.4):
            continue
        years = min(age - 10, 15)
        opened = w.ts(-int(rng.integers(30, max(31, years * 365))), w.r(9, 19))
        person.phones.append(w.new_phone_card(None, opened, county, person=person.pid, virtual_ok=True))
        if age >= 18 and rng.random() < 0.18:
            person.phones.append(
                w.new_phone_card(
                    None, w.ts(-w.ri(20, 2000), w.r(9, 19)), county, person=person.pid, virtual_ok=True
                )
            )
        person.imei = w.new_device("phone", w.ts(-w.ri(5, 1400)), person=person.pid)
        phone = person.phones[0]
        if age >= 16:
            for _ in range(1 + int(rng.random() < 0.5) + int(rng.random() < 0.2)):
                person.cards.append(
                    w.new_bank_card(
                        w.ts(-w.ri(60, max(61, (age - 15) * 365)), w.r(9, 17)),
                        county,
                        person=person.pid,
                        phone=phone,
                    )
                )
            if age >= 22 and rng.random() < 0.3:
                person.cards.append(
                    w.new_bank_card(
                        w.ts(-w.ri(60, 3000), w.r(9, 17)),
                        county,
                        person=person.pid,
                        kind="credit",
                        phone=phone,
                    )
                )
            for plat, share in (("wechatpay", 0.9), ("alipay", 0.8), ("unionpay", 0.15)):
                if rng.random() < share * (0.6 if age > 70 else 1.0):
                    person.pay.append(
                        w.new_pay_account(
                            plat, w.ts(-w.ri(30, 3000)), person=person.pid, phone=phone, card=person.cards[0]
                        )
                    )
        reg_ip = w.province_ip()
        plats = [
            ("wechat", 0.95),
            ("qq", 0.7 if age < 45 else 0.3),
            ("douyin", 0.55),
            ("taobao", 0.6 if age < 60 else 0.2),
            ("xianyu", 0.2),
            ("momo", 0.06),
            ("jiayuan", 0.08 if 22 <= age <= 50 else 0.0),
            ("jiaoyimao", 0.25 if age < 26 else 0.02),
        ]
        for plat, share in plats:
            if rng.random() < share:
                old = rng.random() < 0.6
                person.net[plat] = w.new_net_account(
                    plat,
                    phone,
                    reg_ip if not old else w.province_ip(),
                    w.ts(-w.ri(10, 4000)),
                    person=person.pid,
                    imei=None if old else person.imei,
                )


LEGIT_SITES = [
    ("www.baidu.com", "baidu.com", "百度一下,你就知道", True, 9000),
    ("www.taobao.com", "taobao.com", "淘宝网", True, 8000),
    ("www.jd.com", "jd.com", "京东", True, 9000),
    ("www.12306.cn", "12306.cn", "中国铁路12306", True, 6000),
    ("www.hunan.gov.cn", "hunan.gov.cn", "湖南省人民政府门户网站", True, 8000),
    ("www.icbc.com.cn", "icbc.com.cn", "中国工商银行", True, 9000),
    ("www.eastmoney.com", "eastmoney.com", "东方财富网", True, 7000),
    ("news.qq.com", "qq.com", "腾讯新闻", True, 9000),
    ("www.bilibili.com", "bilibili.com", "哔哩哔哩", True, 5000),
    ("www.zhihu.com", "zhihu.com", "知乎", True, 5000),
    ("www.zhipin.com", "zhipin.com", "BOSS直聘", True, 3500),
    ("www.meituan.com", "meituan.com", "美团", True, 5000),
    ("www.cninfo.com.cn", "cninfo.com.cn", "巨潮资讯网", True, 7000),
    ("www.creditchina.gov.cn", "creditchina.gov.cn", "信用中国", True, 4000),
    ("github.com", "github.com", "GitHub", False, 6500),  # foreign sites have no ICP filing
    ("en.wikipedia.org", "wikipedia.org", "Wikipedia", False, 9000),
    ("www.hnyy-clinic.cn", "hnyy-clinic.cn", "社区诊所预约", False, 40),  # small new site, not yet filed
    ("xiaoli-blog.top", "xiaoli-blog.top", "小李的随笔", False, 25),
    ("www.mingxing-jz.com", "mingxing-jz.com", "明星家政服务", True, 60),
]
LEGIT_APPS = [
    ("com.tencent.mm", "微信", "腾讯"),
    ("com.eg.android.AlipayGphone", "支付宝", "蚂蚁集团"),
    ("com.taobao.taobao", "淘宝", "阿里巴巴"),
    ("com.ss.android.ugc.aweme", "抖音", "字节跳动"),
    ("com.tencent.wemeet.app", "腾讯会议", "腾讯"),
    ("com.alibaba.android.rimet", "钉钉", "阿里巴巴"),
    ("com.hicorenational.antifraud", "国家反诈中心", "公安部"),
    ("com.MobileTicket", "铁路12306", "中国铁路"),
    ("com.sankuai.meituan", "美团", "美团"),
    ("com.jingdong.app.mall", "京东", "京东"),
    ("com.icbc", "中国工商银行", "工商银行"),
    ("com.chinamworld.main", "建设银行", "建设银行"),
    ("com.hnnx.mobilebank", "湖南农信", "湖南农信"),
    ("com.xiaomi.gamecenter", "游戏中心", "小米"),
    ("cn.company.oa.internal", "企业办公OA", "某建筑公司"),  # internal app: filed, not in a store
]


def make_sites(w: World) -> None:
    """Legitimate URLs, apps, ATMs and the few legitimate USDT wallets."""
    for url, domain, title, icp, age_days in LEGIT_SITES:
        full = f"https://{url}/"
        row = w.tables["urls"].add(
            url_id=w.tables["urls"].n,
            url=full,
            domain=domain,
            domain_registered_at=w.p.start - dt.timedelta(days=age_days),
            icp_filed=icp,
            title=title,
        )
        w.url_row[full] = row
        w.legit_urls.append((full, domain))
    for pkg, name, dev in LEGIT_APPS:
        row = w.tables["apps"].add(
            app_id=w.tables["apps"].n,
            package=pkg,
            name_zh=name,
            developer=dev,
            filed=True,
            in_store=not pkg.startswith("cn.company"),
        )
        w.app_row[pkg] = row
        w.legit_apps.append(pkg)
    for _ in range(3):
        addr = w.uniq.take(lambda: ids.tron_address(w.rng))
        w.wallet_row[addr] = w.tables["wallets"].add(
            wallet_id=w.tables["wallets"].n, address=addr, chain="TRON"
        )
        w.legit_wallets.append(addr)
    towns = reference.townships()
    for i in range(max(20, w.p.people // 25)):
        bank = w.pick(reference.BANK_CODES)
        atm_id = f"ATM-{bank}-{i:06d}"
        town = w.pick(towns)
        w.tables["atms"].add(atm_id=atm_id, bank_code=bank, region_code=town)
        w.atms.append((atm_id, town))
