"""Operators and segments, banks and BINs, platforms, organisations: the routing tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from fanzha.contracts import SCAM_TYPES
from fanzha.sim.regions import CITIES, PROVINCE, Regions

# Network operators: (code, 中文, English, organisation code, share of cards in the province).
OPERATORS: tuple[tuple[str, str, str, str, float], ...] = (
    ("CMCC", "中国移动", "China Mobile", "TEL-CMCC", 0.58),
    ("CUCC", "中国联通", "China Unicom", "TEL-CUCC", 0.15),
    ("CTCC", "中国电信", "China Telecom", "TEL-CTCC", 0.24),
    ("CBN", "中国广电", "China Broadnet", "TEL-CBN", 0.03),
)
# Virtual operators are synthetic names; their segments are the real virtual segments.
VIRTUAL_OPERATORS: tuple[tuple[str, str, str, str], ...] = (
    ("VNO-XL", "星联移动（虚拟运营商）", "Xinglian Mobile (MVNO, synthetic)", "CTCC"),
    ("VNO-YT", "云途通信（虚拟运营商）", "Yuntu Telecom (MVNO, synthetic)", "CMCC"),
    ("VNO-HX", "湖兴通信（虚拟运营商）", "Huxing Telecom (MVNO, synthetic)", "CUCC"),
)
SEGMENTS: dict[str, tuple[str, ...]] = {
    "CMCC": (
        "134",
        "135",
        "136",
        "137",
        "138",
        "139",
        "147",
        "150",
        "151",
        "152",
        "157",
        "158",
        "159",
        "172",
        "178",
        "182",
        "183",
        "184",
        "187",
        "188",
        "195",
        "197",
        "198",
    ),
    "CUCC": ("130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186", "196"),
    "CTCC": ("133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199"),
    "CBN": ("192",),
    "VNO-XL": ("1700", "1701", "1702", "162"),
    "VNO-YT": ("1703", "1705", "1706", "165"),
    "VNO-HX": ("1704", "1707", "1708", "1709", "171", "167"),
}

# Banks: (code, 中文 of the Hunan branch, English, share of personal cards).
BANKS: tuple[tuple[str, str, str, float], ...] = (
    ("ICBC", "中国工商银行湖南省分行", "ICBC Hunan", 0.14),
    ("CCB", "中国建设银行湖南省分行", "CCB Hunan", 0.14),
    ("ABC", "中国农业银行湖南省分行", "ABC Hunan", 0.16),
    ("BOC", "中国银行湖南省分行", "Bank of China Hunan", 0.08),
    ("BOCOM", "交通银行湖南省分行", "Bank of Communications Hunan", 0.05),
    ("CMB", "招商银行长沙分行", "China Merchants Bank Changsha", 0.05),
    ("PSBC", "中国邮政储蓄银行湖南省分行", "Postal Savings Bank Hunan", 0.14),
    ("HNRCU", "湖南省农村信用社联合社", "Hunan Rural Credit Union", 0.16),
    ("BCS", "长沙银行", "Bank of Changsha", 0.08),
)
# (BIN, bank, card type, length). National banks' debit BINs follow published ranges; the
# credit BINs and the two regional banks' BINs are illustrative.
BINS: tuple[tuple[str, str, str, int], ...] = (
    ("622202", "ICBC", "debit", 19),
    ("622230", "ICBC", "credit", 16),
    ("621700", "CCB", "debit", 19),
    ("622166", "CCB", "credit", 16),
    ("622848", "ABC", "debit", 19),
    ("622836", "ABC", "credit", 16),
    ("621661", "BOC", "debit", 19),
    ("625908", "BOC", "credit", 16),
    ("622262", "BOCOM", "debit", 19),
    ("622258", "BOCOM", "credit", 16),
    ("622588", "CMB", "debit", 16),
    ("622575", "CMB", "credit", 16),
    ("621799", "PSBC", "debit", 19),
    ("625919", "PSBC", "credit", 16),
    ("623539", "HNRCU", "debit", 19),
    ("623078", "BCS", "debit", 19),
)

# Platforms: (key, kind, 中文, organisation code).
PLATFORMS: tuple[tuple[str, str, str, str], ...] = (
    ("alipay", "payment", "支付宝", "PAY-ALIPAY"),
    ("wechatpay", "payment", "微信支付", "PAY-TENPAY"),
    ("unionpay", "payment", "云闪付", "PAY-UNIONPAY"),
    ("jdpay", "payment", "京东支付", "PAY-JDPAY"),
    ("wechat", "internet", "微信", "NET-TENCENT"),
    ("qq", "internet", "QQ", "NET-TENCENT"),
    ("douyin", "internet", "抖音", "NET-BYTEDANCE"),
    ("taobao", "internet", "淘宝", "NET-ALIBABA"),
    ("xianyu", "internet", "闲鱼", "NET-ALIBABA"),
    ("weibo", "internet", "微博", "NET-WEIBO"),
    ("netease", "internet", "网易游戏", "NET-NETEASE"),
    ("jiayuan", "internet", "世纪佳缘", "NET-JIAYUAN"),
)

_OTHER_ORGS: tuple[tuple[str, str, str, str], ...] = (
    ("PAY-ALIPAY", "支付宝（中国）网络技术有限公司", "Alipay", "payment"),
    ("PAY-TENPAY", "财付通支付科技有限公司", "Tenpay (WeChat Pay)", "payment"),
    ("PAY-UNIONPAY", "中国银联湖南分公司", "China UnionPay Hunan", "payment"),
    ("PAY-JDPAY", "网银在线（北京）科技有限公司", "JD Pay", "payment"),
    ("TEL-CMCC", "中国移动通信集团湖南有限公司", "China Mobile Hunan", "telecom"),
    ("TEL-CUCC", "中国联合网络通信有限公司湖南省分公司", "China Unicom Hunan", "telecom"),
    ("TEL-CTCC", "中国电信股份有限公司湖南分公司", "China Telecom Hunan", "telecom"),
    ("TEL-CBN", "中国广电湖南网络股份有限公司", "China Broadnet Hunan", "telecom"),
    ("NET-TENCENT", "深圳市腾讯计算机系统有限公司", "Tencent", "internet"),
    ("NET-BYTEDANCE", "北京抖音信息服务有限公司", "Douyin", "internet"),
    ("NET-ALIBABA", "浙江淘宝网络有限公司", "Taobao", "internet"),
    ("NET-WEIBO", "北京微梦创科网络技术有限公司", "Weibo", "internet"),
    ("NET-NETEASE", "网易（杭州）网络有限公司", "NetEase Games", "internet"),
    ("NET-JIAYUAN", "世纪佳缘信息技术有限公司", "Jiayuan", "internet"),
    ("REG-PBC-HN", "中国人民银行湖南省分行", "People's Bank of China, Hunan", "regulator"),
    ("REG-NFRA-HN", "国家金融监督管理总局湖南监管局", "NFRA Hunan Office", "regulator"),
    ("REG-CA-HN", "湖南省通信管理局", "Hunan Communications Administration", "regulator"),
    ("REG-CAC-HN", "中共湖南省委网络安全和信息化委员会办公室", "Hunan Cyberspace Office", "regulator"),
)


def segment_table() -> pa.Table:
    """phone_segments: prefix → operator."""
    names = {o[0]: o[1] for o in OPERATORS} | {v[0]: v[1] for v in VIRTUAL_OPERATORS}
    host = {o[0]: o[0] for o in OPERATORS} | {v[0]: v[3] for v in VIRTUAL_OPERATORS}
    org = {o[0]: o[3] for o in OPERATORS} | {v[0]: "TEL-" + v[0] for v in VIRTUAL_OPERATORS}
    rows = [(p, op) for op, ps in SEGMENTS.items() for p in ps]
    return pa.table(
        {
            "prefix": [p for p, _ in rows],
            "operator_code": [op for _, op in rows],
            "operator_name_zh": [names[op] for _, op in rows],
            "is_virtual": [op.startswith("VNO-") for _, op in rows],
            "host_operator_code": [host[op] for _, op in rows],
            "org_code": [org[op] for _, op in rows],
        }
    ).cast(
        pa.schema(
            [
                (n, pa.bool_() if n == "is_virtual" else pa.string())
                for n in (
                    "prefix",
                    "operator_code",
                    "operator_name_zh",
                    "is_virtual",
                    "host_operator_code",
                    "org_code",
                )
            ]
        )
    )


def bin_table() -> pa.Table:
    """bank_bins: BIN → bank."""
    names = {b[0]: b[1] for b in BANKS}
    return pa.table(
        {
            "bin": [b[0] for b in BINS],
            "bank_code": [b[1] for b in BINS],
            "bank_name_zh": [names[b[1]] for b in BINS],
            "card_type": [b[2] for b in BINS],
            "card_length": pa.array([b[3] for b in BINS], pa.int8()),
            "org_code": ["BANK-" + b[1] for b in BINS],
        }
    )


def platform_table() -> pa.Table:
    """platforms: key → organisation."""
    return pa.table(
        {k: [p[i] for p in PLATFORMS] for i, k in enumerate(("platform", "kind", "name_zh", "org_code"))}
    )


def scam_type_table() -> pa.Table:
    """scam_types: code, names, target share."""
    return pa.table(
        {
            "code": [s[0] for s in SCAM_TYPES],
            "name_zh": [s[1] for s in SCAM_TYPES],
            "name_en": [s[2] for s in SCAM_TYPES],
            "target_share": pa.array([s[3] for s in SCAM_TYPES], pa.float64()),
        }
    )


def organisation_table(regions: Regions) -> pa.Table:
    """organisations: police at every level, banks, payment, telecom, internet, regulators."""
    prov = PROVINCE[0]
    rows: list[tuple[str, str, str, str, str, str | None]] = [
        (
            "POL-" + prov,
            "湖南省公安厅",
            "Hunan Provincial Public Security Department",
            "police_province",
            prov,
            None,
        ),
        (
            "POL-430000-AFC",
            "湖南省反电信网络诈骗中心",
            "Hunan Anti-Fraud Centre",
            "police_province",
            prov,
            "POL-" + prov,
        ),
    ]
    for code, zh, en, _ in CITIES:
        rows.append(
            ("POL-" + code, zh + "公安局", en + " Public Security Bureau", "police_city", code, "POL-" + prov)
        )
    reg = regions.table
    codes = reg.column("region_code").to_pylist()
    levels = reg.column("level").to_pylist()
    zhs = reg.column("name_zh").to_pylist()
    ens = reg.column("name_en").to_pylist()
    parents = reg.column("parent_code").to_pylist()
    city_zh = {c[0]: c[1] for c in CITIES}
    for code, level, zh, en, parent in zip(codes, levels, zhs, ens, parents, strict=True):
        if level == "county":
            unit = f"{city_zh[parent]}公安局{zh[:-1]}分局" if zh.endswith("区") else zh + "公安局"
            rows.append(
                ("POL-" + code, unit, en + " Public Security Bureau", "police_county", code, "POL-" + parent)
            )
        elif level == "township":
            base = zh.removesuffix("街道").removesuffix("镇").removesuffix("乡")
            rows.append(
                (
                    "POL-" + code,
                    base + "派出所",
                    en.split(" ")[0] + " Police Station",
                    "police_township",
                    code,
                    "POL-" + parent,
                )
            )
    for code, zh, en, _ in BANKS:
        rows.append(("BANK-" + code, zh, en, "bank", prov, None))
    for code, zh, en, kind in _OTHER_ORGS:
        rows.append((code, zh, en, kind, prov, None))
    for code, zh, en, _ in VIRTUAL_OPERATORS:
        rows.append(("TEL-" + code, zh, en, "telecom", prov, None))
    cols = list(zip(*rows, strict=True))
    names = ("code", "name_zh", "name_en", "kind", "region_code", "parent_code")
    return pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, cols, strict=True)})


def operator_shares() -> tuple[list[str], np.ndarray]:
    """Operators that real cards are drawn from and their shares."""
    return [o[0] for o in OPERATORS], np.array([o[4] for o in OPERATORS])
