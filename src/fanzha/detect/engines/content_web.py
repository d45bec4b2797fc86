"""FraudUrlV1 and FraudAppV1 (Art 23): look-alike, fresh and unfiled domains, their links, unlicensed apps.

Art 23 asks internet services to identify and stop "仿冒、假冒" sites and apps; the rules score what
the urls table's domain facts (registration date, ICP filing, page title), the TLD and the name show.
"""

from __future__ import annotations

from typing import ClassVar

import ibis
import ibis.expr.types as ir

from fanzha.detect.frame import Engine, as_alerts, clip01, reasons_of
from fanzha.detect.province import Province

# Official domains of the brands fraudsters imitate (banks, police, the credit bureau, payment).
OFFICIAL_DOMAINS = (
    "icbc.com.cn", "ccb.com", "abchina.com", "boc.cn", "bankcomm.com", "cmbchina.com", "psbc.com",
    "pbc.gov.cn", "pbccrc.org.cn", "mps.gov.cn", "court.gov.cn", "spp.gov.cn", "unionpay.com",
    "alipay.com", "12306.cn", "hunan.gov.cn", "12321.cn", "taobao.com", "jd.com",
)  # fmt: skip
# Brand tokens in a domain label (after folding homoglyphs), with what they imitate.
BRAND_TOKENS = (
    ("icbc", "工商银行"), ("ccb", "建设银行"), ("abchina", "农业银行"), ("bankcomm", "交通银行"),
    ("cmb", "招商银行"), ("psbc", "邮储银行"), ("pbc", "人民银行"), ("zhengxin", "征信中心"),
    ("credit", "征信中心"), ("gaj", "公安局"), ("police", "公安"), ("mps", "公安部"), ("court", "法院"),
    ("unionpay", "银联"), ("alipay", "支付宝"), ("bank", "银行"),
)  # fmt: skip
EDIT_TARGETS = ("icbc", "pbccrc", "abchina", "bankcomm", "cmbchina", "unionpay", "alipay", "taobao")
HOMOGLYPHS = (("0", "o"), ("1", "l"), ("3", "e"), ("5", "s"), ("rn", "m"), ("vv", "w"), ("-", ""))
TITLE_BRANDS = r"银行|公安|征信|通缉|法院|检察|反诈"
UNUSUAL_TLDS = (
    "top", "shop", "club", "icu", "vip", "cc", "work", "xyz", "site", "online", "fun", "buzz", "live",
    "tk", "ml", "ga", "cf", "gq", "bid", "win", "loan", "ink", "pw", "rest",
)  # fmt: skip
FRESH_DAYS = 180  # a domain registered this close to its first visit is fresh
DAY_S = 86_400
APP_BRANDS = r"银行|证券|公安|征信|反诈|支付|贷|金融"


def _fold(label: ir.StringValue) -> ir.StringValue:
    """A domain label with homoglyphs folded (0→o, 1→l, rn→m …) so "icbc-0nline" reads as "icbconline"."""
    for glyph, letter in HOMOGLYPHS:
        label = label.replace(glyph, letter)
    return label


def domain_risk(p: Province) -> ir.Table:
    """Per domain of the urls table: its risk score (0-1), reasons and last visit."""
    urls = p["urls"]
    facts = urls.group_by("domain").aggregate(
        registered=urls.domain_registered_at.min(),
        filed=urls.icp_filed.fill_null(False).cast("int64").max(),
        title=urls.title.max(),
    )
    d = facts.domain.lower()
    # Not split("."): Spark splits on a regular expression, where "." matches every character.
    label = _fold(d.re_extract(r"^([^.]+)", 1))
    tld = d.re_extract(r"\.([a-z0-9-]+)$", 1)
    official = d.isin(OFFICIAL_DOMAINS)
    token_hits = [(label.contains(t), f"域名含「{zh}」品牌字样") for t, zh in BRAND_TOKENS]
    brand = ibis.or_(*(c for c, _ in token_hits)) & ~official
    near = ibis.or_(*(label.levenshtein(t).between(1, 2) for t in EDIT_TARGETS)) & ~official
    titled = facts.title.fill_null("").re_search(TITLE_BRANDS) & ~official
    if "web_visits" in p:
        visits = p["web_visits"]
        seen = visits.group_by("domain").aggregate(first_seen=visits.ts.min(), last_seen=visits.ts.max())
        facts = facts.left_join(seen, "domain").drop("domain_right")
        start = visits.ts.min().as_scalar()
    else:
        facts = facts.mutate(
            first_seen=ibis.null("timestamp('UTC')"), last_seen=ibis.null("timestamp('UTC')")
        )
        start = ibis.now()
    registered_ts = facts.registered.cast("timestamp('UTC')")
    age_s = facts.first_seen.fill_null(start).epoch_seconds() - registered_ts.epoch_seconds()
    fresh = age_s < FRESH_DAYS * DAY_S
    unfiled = facts.filed == 0
    unusual = tld.isin(UNUSUAL_TLDS)
    score = (
        unfiled.cast("float64") * 0.3
        + fresh.fill_null(False).cast("float64") * 0.3
        + unusual.cast("float64") * 0.2
        + ibis.greatest(brand.cast("float64"), near.cast("float64"), titled.cast("float64")) * 0.4
    )
    first_brand = ibis.cases(*token_hits, else_="")
    return facts.select(
        domain=facts.domain,
        score=clip01(score),
        reasons=reasons_of(
            (brand, first_brand),
            (near & ~brand, "域名与官方品牌域名仅差一两个字符（仿冒）"),
            (titled, "网页标题冒用银行、公安或征信等名义"),
            (fresh, "域名新近注册（首次访问前" + str(FRESH_DAYS) + "天内）"),
            (unfiled, "网站未进行ICP备案"),
            (unusual, "使用少见顶级域名 ." + tld),
        ),
        last_seen=facts.last_seen.fill_null(registered_ts),
    )


class FraudUrlV1(Engine):
    """Look-alike, fresh, unfiled domains on unusual TLDs, and the links that point to them."""

    name: ClassVar[str] = "FraudUrlV1"
    articles: ClassVar[str] = "23"
    title_zh: ClassVar[str] = "涉诈网址与域名识别"
    title_en: ClassVar[str] = "Fraud URLs and domains"
    inputs: ClassVar[tuple[str, ...]] = ("urls", "web_visits")
    truth_roles: ClassVar[frozenset[str]] = frozenset({"fraud_url", "fraud_domain"})

    def alerts(self, p: Province) -> ir.Table:
        """One alert per risky domain and one per URL on it."""
        risk = domain_risk(p)
        domains = as_alerts(
            risk,
            object_kind="domain",
            identifier=risk.domain,
            score=risk.score,
            reasons=risk.reasons,
            last_seen=risk.last_seen,
        )
        urls = p["urls"].select("url", "domain").distinct().inner_join(risk, "domain")
        links = as_alerts(
            urls,
            object_kind="url",
            identifier=urls.url,
            score=urls.score,
            reasons="链接指向高风险域名 " + urls.domain + "：" + urls.reasons,
            last_seen=urls.last_seen,
        )
        return ibis.union(domains, links)

    def universe(self, p: Province) -> ir.Table | None:
        """Every URL and domain of the urls table."""
        urls = p["urls"]
        return ibis.union(
            urls.select(object_kind=ibis.literal("url"), identifier=urls.url),
            urls.select(object_kind=ibis.literal("domain"), identifier=urls.domain),
        ).distinct()


class FraudAppV1(Engine):
    """Unlicensed apps off the stores, sideloaded from risky links, with names borrowing brands."""

    name: ClassVar[str] = "FraudAppV1"
    articles: ClassVar[str] = "23"
    title_zh: ClassVar[str] = "涉诈应用识别"
    title_en: ClassVar[str] = "Fraud apps"
    inputs: ClassVar[tuple[str, ...]] = ("apps", "app_installs", "urls", "web_visits")
    truth_roles: ClassVar[frozenset[str]] = frozenset({"fraud_app"})

    def alerts(self, p: Province) -> ir.Table:
        """One alert per risky app package."""
        apps, installs = p["apps"], p["app_installs"]
        risky = domain_risk(p)
        risky = risky.filter(risky.score >= 0.5).select("domain")
        links = p["urls"].select(download_url=p["urls"].url, domain=p["urls"].domain).distinct()
        side = installs.filter(installs.source == "sideload").left_join(links, "download_url")
        side = side.mutate(bad=side.domain.isin(risky.domain).fill_null(False).cast("int64"))
        per_app = side.group_by("package").aggregate(
            n_side=side.count(), n_bad=side.bad.sum(), last_install=side.ts.max()
        )
        seen = installs.group_by("package").aggregate(last_any=installs.ts.max())
        a = apps.left_join(per_app, "package").drop("package_right").left_join(seen, "package")
        unfiled = ~a.filed.fill_null(False)
        off_store = ~a.in_store.fill_null(False)
        n_side, n_bad = a.n_side.fill_null(0), a.n_bad.fill_null(0)
        brand = a.name_zh.fill_null("").re_search(APP_BRANDS) & unfiled
        score = (
            unfiled.cast("float64") * 0.4
            + off_store.cast("float64") * 0.2
            + (n_bad > 0).cast("float64") * 0.4
            + (n_side > 0).cast("float64") * 0.1
            + brand.cast("float64") * 0.2
        )
        return as_alerts(
            a,
            object_kind="app",
            identifier=a.package,
            score=clip01(score),
            reasons=reasons_of(
                (unfiled, "应用未备案、无许可"),
                (off_store, "未在正规应用商店上架"),
                (n_bad > 0, "从高风险网址下载安装" + n_bad.cast("string") + "次"),
                ((n_side > 0) & (n_bad == 0), "以安装包方式侧载" + n_side.cast("string") + "次"),
                (brand, "名称借用金融、证券或公安等名义：" + a.name_zh),
            ),
            last_seen=ibis.coalesce(a.last_any, ibis.now()),
        )

    def universe(self, p: Province) -> ir.Table | None:
        """Every app of the apps table."""
        apps = p["apps"]
        return apps.select(object_kind=ibis.literal("app"), identifier=apps.package).distinct()
