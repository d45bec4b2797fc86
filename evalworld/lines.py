"""Operators' daily records of voice lines, trunks and SMS ports (Art 11): holders and their use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evalworld import reference, vocab
from evalworld.holdings import World
from evalworld.store import Rows

# Fixed-line area codes of Hunan's cities (Zhuzhou and Xiangtan share Changsha's 0731).
AREA = ("731", "734", "739", "730", "736", "744", "737", "735", "746", "745", "738", "743")
OPERATORS = ("CMCC", "CUCC", "CTCC")

# Ordinary holders: (use, business kind, name tails, line kinds, declared scenario, declared scope).
USES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str, tuple[str, ...]]] = {
    "logistics": (
        "employer",
        ("快运有限公司", "速递服务部", "仓储物流中心"),
        ("voice_line", "trunk"),
        "notification",
        ("province", "national"),
    ),
    "hospital": (
        "employer",
        ("人民医院", "中医院", "妇幼保健院"),
        ("voice_line", "sms_port"),
        "notification",
        ("local", "province"),
    ),
    "school": (
        "employer",
        ("实验中学", "职业技术学院", "第一小学"),
        ("sms_port",),
        "notification",
        ("local",),
    ),
    "service_desk": (
        "call_centre",
        ("燃气客服中心", "家电售后服务中心", "电商客户联络中心"),
        ("trunk", "voice_line"),
        "customer_service",
        ("national", "province"),
    ),
    "bank_notice": (
        "employer",
        ("农商银行", "城商银行信用卡中心"),
        ("sms_port",),
        "notification",
        ("national", "province"),
    ),
    "collection": (
        "call_centre",
        ("资产管理有限公司", "商务咨询有限公司(委外催收)"),
        ("trunk", "voice_line"),
        "customer_service",
        ("national",),
    ),
    "telemarketing": (
        "call_centre",
        ("保险代理有限公司", "宽带营销服务部", "教育咨询有限公司"),
        ("trunk", "voice_line"),
        "marketing",
        ("national", "province"),
    ),
    "ivr_notice": (
        "employer",
        ("供电服务中心", "政务服务热线"),
        ("voice_line",),
        "notification",
        ("province", "local"),
    ),
}
# Share of ordinary holders by use (collection and telemarketing are the hard negatives).
USE_SHARE = {
    "logistics": 0.17,
    "hospital": 0.13,
    "school": 0.12,
    "service_desk": 0.16,
    "bank_notice": 0.08,
    "collection": 0.12,
    "telemarketing": 0.14,
    "ivr_notice": 0.08,
}
SHELL_TAILS = ("网络科技有限公司", "信息技术有限公司", "通信服务有限公司", "商务信息咨询有限公司")
SHELL_STEMS = ("鼎盛", "汇通", "博远", "众联", "优讯", "云启", "恒信", "拓达", "新程", "瑞丰")


@dataclass
class Line:
    """One line and how it behaves."""

    number: str
    kind: str
    op: str
    holder: int
    scenario: str
    scope: str
    declared: int
    use: str  # ordinary use, or fraud style: blatant | quiet | part_time | sms_lure
    base: float  # ordinary daily volume on a working day
    first: int  # first day in service (window days, may be negative)
    last: int  # last day in service (inclusive)
    gid: int | None = None
    own_use: str = ""  # ordinary use of a part-time leased line
    lease_days: set[int] = field(default_factory=set)


def _number(w: World, rng: np.random.Generator, kind: str, service: bool) -> str:
    if kind == "sms_port":
        return w.uniq.take(
            lambda: "106" + str(int(rng.integers(5, 10))) + "".join(map(str, rng.integers(0, 10, 7)))
        )
    if service:  # 95/96 numbers of enterprise call centres
        return w.uniq.take(
            lambda: f"+869{int(rng.integers(5, 7))}" + "".join(map(str, rng.integers(0, 10, 6)))
        )
    area = AREA[int(rng.integers(len(AREA)))]
    return w.uniq.take(lambda: f"+86{area}8" + "".join(map(str, rng.integers(0, 10, 7))))


def _business(w: World, rng: np.random.Generator, kind: str, name: str) -> int:
    rows = w.tables["businesses"]
    counties = [c for c, _ in reference.counties()]
    county = counties[int(rng.integers(len(counties)))]
    bid = rows.n
    rows.add(business_id=bid, name_zh=name, kind=kind, region_code=county)
    w.business_kind.append(kind)
    w.business_county.append(county)
    return bid


class Lines:
    """Holders, lines and one record per line and day of use."""

    def __init__(self, w: World, groups: list[Any]) -> None:
        self.w = w
        self.groups = groups
        self.rng = np.random.default_rng(np.random.SeedSequence([w.p.seed, 0x11E5, 11]))
        self.lines: list[Line] = []

    # ---------------------------------------------------------------- holders and lines
    def build(self) -> None:
        """Make the ordinary and the fraud lines."""
        w, rng, p = self.w, self.rng, self.w.p
        n_ord = max(12, round(p.people * p.lines_per_1000_people / 1000))
        uses = list(USE_SHARE)
        probs = np.array([USE_SHARE[u] for u in uses])
        for _ in range(n_ord):
            use = uses[int(rng.choice(len(uses), p=probs / probs.sum()))]
            bkind, tails, kinds, scen, scopes = USES[use]
            name = self._stem() + tails[int(rng.integers(len(tails)))]
            holder = _business(w, rng, bkind, name)
            for _ in range(1 if rng.random() < 0.7 else 2):
                kind = kinds[int(rng.integers(len(kinds)))]
                self.lines.append(self._ordinary(use, kind, scen, scopes, holder))
        # Fraud: call-first groups lease voice lines and trunks, SMS-first groups lease ports.
        for g in self.groups:
            call = g.scam in vocab.CALL_FIRST
            sms = g.scam in vocab.SMS_FIRST
            if not (call or sms) or rng.random() > p.line_lease_share:
                continue
            if call:
                for _ in range(int(rng.integers(1, 3))):
                    self._fraud_chain(
                        g.gid, str(rng.choice(["blatant", "quiet", "part_time"], p=[0.45, 0.3, 0.25]))
                    )
            if sms and rng.random() < 0.7:
                self._fraud_chain(g.gid, "sms_lure")

    def _stem(self) -> str:
        stems = (
            "湘中",
            "星沙",
            "雨花",
            "岳阳楼",
            "武陵",
            "苏仙",
            "零陵",
            "雁城",
            "资江",
            "沅水",
            "梅山",
            "南岳",
        )
        return stems[int(self.rng.integers(len(stems)))]

    def _ordinary(self, use: str, kind: str, scen: str, scopes: tuple[str, ...], holder: int) -> Line:
        rng, days = self.rng, self.w.p.days
        lo, hi = {
            "logistics": (150, 2500),
            "hospital": (80, 1500),
            "school": (200, 3000),
            "service_desk": (300, 4000),
            "bank_notice": (3000, 60000),
            "collection": (800, 6000),
            "telemarketing": (600, 8000),
            "ivr_notice": (100, 3000),
        }[use]
        base = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        if kind == "sms_port" and use != "bank_notice":
            base *= 3.0
        # Companies declare capacity above their usual load; a fifth declare close to it.
        declared = int(base * (rng.uniform(1.05, 1.3) if rng.random() < 0.2 else rng.uniform(1.4, 3.0)))
        first = -int(rng.integers(30, 2000))
        last = days - 1 if rng.random() < 0.95 else int(rng.integers(days // 2, days))
        service = kind != "sms_port" and use in ("service_desk", "collection") and rng.random() < 0.35
        return Line(
            number=_number(self.w, rng, kind, service),
            kind=kind,
            op=OPERATORS[int(rng.integers(3))],
            holder=holder,
            scenario=scen,
            scope=scopes[int(rng.integers(len(scopes)))],
            declared=declared,
            use=use,
            base=base,
            first=first,
            last=last,
        )

    def _fraud_chain(self, gid: int, style: str) -> None:
        """One leased line after another: each is cut off and the next shell company's line takes over."""
        w, rng, p = self.w, self.rng, self.w.p
        day = -int(rng.integers(0, 10))
        while day < p.days:
            life = int(rng.integers(*p.fraud_line_days)) if style != "part_time" else p.days + 10
            kind = "sms_port" if style == "sms_lure" else ("trunk" if rng.random() < 0.5 else "voice_line")
            if style == "part_time":
                # A real small business leases its line out on some days (转租) and keeps using it itself.
                use = str(rng.choice(["logistics", "service_desk", "telemarketing"]))
                bkind, tails, _, scen, scopes = USES[use]
                holder = _business(w, rng, bkind, self._stem() + tails[int(rng.integers(len(tails)))])
                line = self._ordinary(use, kind, scen, scopes, holder)
                line.own_use, line.use, line.gid = use, "part_time", gid
                share = rng.uniform(0.2, 0.5)
                line.lease_days = {d for d in range(p.days) if rng.random() < share}
                self.lines.append(line)
                return
            name = (
                SHELL_STEMS[int(rng.integers(len(SHELL_STEMS)))]
                + SHELL_TAILS[int(rng.integers(len(SHELL_TAILS)))]
            )
            holder = _business(w, rng, "employer" if rng.random() < 0.6 else "call_centre", name)
            scen = str(rng.choice(["customer_service", "marketing", "notification"], p=[0.45, 0.35, 0.2]))
            if style == "quiet":
                scope = "national"
            else:
                scope = str(rng.choice(["local", "province", "national"], p=[0.35, 0.4, 0.25]))
            base = float(np.exp(rng.uniform(np.log(400), np.log(5000))))
            if kind == "sms_port":
                base *= 15.0
            declared = int(base * (rng.uniform(1.1, 2.0) if style == "quiet" else rng.uniform(0.2, 0.7)))
            service = kind != "sms_port" and rng.random() < 0.25
            self.lines.append(
                Line(
                    number=_number(w, rng, kind, service),
                    kind=kind,
                    op=OPERATORS[int(rng.integers(3))],
                    holder=holder,
                    scenario=scen,
                    scope=scope,
                    declared=declared,
                    use=style,
                    base=base,
                    first=day,
                    last=day + life - 1,
                    gid=gid,
                )
            )
            day += life + int(rng.integers(0, 3))

    # ---------------------------------------------------------------- daily records
    def _rhythm(self, use: str, d: int) -> float:
        date = self.w.p.start + dt.timedelta(days=d)
        wd = date.weekday()
        promo = (date.month == 6 and 14 <= date.day <= 20) or (date.month == 11 and 9 <= date.day <= 13)
        if use == "school":
            return 0.04 if wd >= 5 else (1.4 if wd == 4 else 1.0)
        if use == "hospital":
            return (1.3, 1.1, 1.0, 1.0, 0.95, 0.7, 0.55)[wd]
        if use == "logistics":
            return (1.35, 1.1, 1.0, 1.0, 1.0, 0.85, 0.7)[wd] * (1.8 if promo else 1.0)
        if use == "telemarketing":
            return (0.0 if wd == 6 else 0.45 if wd == 5 else 1.0) * (1.3 if promo else 1.0)
        if use == "collection":
            return 0.0 if wd == 6 else 0.6 if wd == 5 else 1.0
        if use in ("service_desk", "ivr_notice"):
            return (1.2, 1.05, 1.0, 1.0, 1.0, 0.6, 0.5)[wd]
        return 1.0 if wd < 5 else 0.8  # bank notices follow spending, a little lower at weekends

    def records(self) -> Rows:
        """One row per line and day with calls or messages."""
        rows = Rows("line_records")
        w = self.w
        for line in self.lines:
            for d in range(max(0, line.first), min(w.p.days, line.last + 1)):
                leased = line.gid is not None and (line.use != "part_time" or d in line.lease_days)
                rec = self._fraud_day(line, d) if leased else self._ordinary_day(line, d)
                if rec is None:
                    continue
                rows.add(
                    record_id=rows.n,
                    day=w.p.start + dt.timedelta(days=d),
                    line_number=line.number,
                    line_kind=line.kind,
                    operator_code=line.op,
                    holder_business_id=line.holder,
                    declared_scenario=line.scenario,
                    declared_daily_volume=line.declared,
                    declared_scope=line.scope,
                    **rec,
                )
        return rows

    def _ordinary_day(self, line: Line, d: int) -> dict[str, Any] | None:
        rng = self.rng
        use = line.own_use or line.use
        mean = line.base * self._rhythm(use, d)
        if use == "ivr_notice" and rng.random() < 0.1:
            mean *= rng.uniform(4, 12)  # an outage or a policy notice goes to everyone affected
        if use == "bank_notice" and (self.w.p.start + dt.timedelta(days=d)).day in (15, 16):
            mean *= 1.6  # salary day notices
        volume = int(rng.poisson(mean * rng.lognormal(0, 0.15))) if mean > 0 else 0
        if volume <= 0:
            return None
        repeat = {
            "collection": (0.25, 0.5),  # the same debtors rung again and again
            "service_desk": (0.55, 0.85),
            "logistics": (0.7, 0.92),
            "telemarketing": (0.8, 0.97),
            "hospital": (0.85, 0.97),
        }.get(use, (0.9, 1.0))
        dests = max(1, int(volume * rng.uniform(*repeat)))
        short = {
            "collection": (0.55, 0.8),
            "telemarketing": (0.6, 0.85),
            "logistics": (0.3, 0.55),
            "ivr_notice": (0.4, 0.7),
            "service_desk": (0.15, 0.35),
            "hospital": (0.2, 0.4),
        }.get(use, (0.2, 0.4))
        oos = 0.0 if line.scope == "national" else float(rng.beta(1.2, 25))
        if use == "hospital" and line.scope == "local":
            oos = float(rng.uniform(0.05, 0.2))  # patients from neighbouring counties
        content = line.scenario
        if use == "collection":
            content = "financial"
        elif use == "telemarketing" and rng.random() < 0.3:
            content = "financial"  # loans and insurance by licensed firms
        elif use == "bank_notice":
            content = "notification" if rng.random() < 0.8 else "financial"
        rate = {"collection": 4e-4, "telemarketing": 2.5e-4}.get(use, 1.5e-5)
        if line.kind == "sms_port" and use != "school":
            rate = 2e-5
        return self._rec(
            line,
            volume,
            dests,
            oos,
            0.0 if line.kind == "sms_port" else float(rng.uniform(*short)),
            content,
            rng.poisson(volume * rate),
        )

    def _fraud_day(self, line: Line, d: int) -> dict[str, Any] | None:
        rng = self.rng
        age = d - line.first
        if line.use == "part_time":
            mean = line.base * rng.uniform(1.5, 4.0)  # the lessee dials on top of the holder's own traffic
        else:
            ramp = min(1.0, 0.35 + 0.3 * age)  # the lessee tests the line on its first days
            mean = (
                line.base * ramp * (rng.uniform(0.85, 1.15) if line.use == "quiet" else rng.uniform(0.7, 1.6))
            )
        volume = int(rng.poisson(mean))
        if volume <= 0:
            return None
        if line.use == "quiet":
            dests = int(volume * rng.uniform(0.75, 0.95))
            short = float(rng.uniform(0.45, 0.7))
            oos = 0.0
            content = line.scenario if rng.random() < 0.8 else str(rng.choice(["financial", "impersonation"]))
            complaints = rng.poisson(volume * 6e-5)
        elif line.use == "sms_lure":
            dests = int(volume * rng.uniform(0.9, 1.0))
            short = 0.0
            oos = 0.0 if line.scope == "national" else float(rng.uniform(0.5, 0.95))
            content = str(rng.choice(["marketing", "financial", "impersonation"], p=[0.5, 0.35, 0.15]))
            complaints = rng.poisson(volume * 4e-5 * (1 + age * 0.3))
        else:
            dests = int(volume * rng.uniform(0.88, 0.99))
            short = float(rng.uniform(0.7, 0.93))
            oos = 0.0 if line.scope == "national" else float(rng.uniform(0.45, 0.92))
            content = str(rng.choice(["impersonation", "financial", line.scenario], p=[0.4, 0.25, 0.35]))
            complaints = rng.poisson(volume * 4e-4 * (1 + age * 0.4))  # reports pile up as the days go by
        if line.use == "part_time":
            own = self._ordinary_day(line, d)
            if own is not None:
                v = own["volume"] + volume
                dests = own["destinations"] + dests
                short = (own["short_share"] * own["volume"] + short * volume) / v
                oos = (own["out_of_scope_share"] * own["volume"] + oos * volume) / v
                complaints += own["complaints"]
                if rng.random() < 0.5:
                    content = own["content_class"]
                volume = v
        return self._rec(line, volume, max(1, dests), oos, short, content, complaints)

    @staticmethod
    def _rec(
        line: Line, volume: int, dests: int, oos: float, short: float, content: str, complaints: Any
    ) -> dict[str, Any]:
        return {
            "volume": int(volume),
            "destinations": int(min(dests, volume)),
            "out_of_scope_share": round(float(min(max(oos, 0.0), 1.0)), 4),
            "short_share": round(float(min(max(short, 0.0), 1.0)), 4) if line.kind != "sms_port" else 0.0,
            "content_class": content,
            "complaints": int(complaints),
        }

    def label(self, rows: Rows) -> None:
        """abnormal_line for every fraud line that has at least one record."""
        seen = set(rows.cols["line_number"])
        for line in self.lines:
            if line.gid is not None and line.number in seen:
                self.w.label("phone", line.number, "line_records", None, "abnormal_line", line.gid)
