"""Reference tables of the evaluation world: regions, organisations, routing, platforms, scam types.

Real codes where they are public facts (Hunan's cities and a subset of its counties, mobile number
segments, well-known card BINs); townships are made up (county code + 3 digits).
"""

from __future__ import annotations

from typing import Any

# 14 prefecture-level cities of Hunan (GB/T 2260) with a subset of their counties.
CITIES: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "430100",
        "长沙市",
        "Changsha",
        [
            ("430102", "芙蓉区", "Furong"),
            ("430103", "天心区", "Tianxin"),
            ("430104", "岳麓区", "Yuelu"),
            ("430105", "开福区", "Kaifu"),
            ("430111", "雨花区", "Yuhua"),
            ("430121", "长沙县", "Changsha Xian"),
            ("430181", "浏阳市", "Liuyang"),
            ("430182", "宁乡市", "Ningxiang"),
        ],
    ),
    (
        "430200",
        "株洲市",
        "Zhuzhou",
        [
            ("430202", "荷塘区", "Hetang"),
            ("430211", "天元区", "Tianyuan"),
            ("430223", "攸县", "You Xian"),
            ("430281", "醴陵市", "Liling"),
        ],
    ),
    (
        "430300",
        "湘潭市",
        "Xiangtan",
        [
            ("430302", "雨湖区", "Yuhu"),
            ("430321", "湘潭县", "Xiangtan Xian"),
            ("430381", "湘乡市", "Xiangxiang"),
        ],
    ),
    (
        "430400",
        "衡阳市",
        "Hengyang",
        [
            ("430405", "珠晖区", "Zhuhui"),
            ("430407", "石鼓区", "Shigu"),
            ("430421", "衡阳县", "Hengyang Xian"),
            ("430481", "耒阳市", "Leiyang"),
            ("430482", "常宁市", "Changning"),
        ],
    ),
    (
        "430500",
        "邵阳市",
        "Shaoyang",
        [
            ("430502", "双清区", "Shuangqing"),
            ("430524", "隆回县", "Longhui"),
            ("430525", "洞口县", "Dongkou"),
            ("430582", "邵东市", "Shaodong"),
        ],
    ),
    (
        "430600",
        "岳阳市",
        "Yueyang",
        [
            ("430602", "岳阳楼区", "Yueyanglou"),
            ("430623", "华容县", "Huarong"),
            ("430626", "平江县", "Pingjiang"),
            ("430681", "汨罗市", "Miluo"),
        ],
    ),
    (
        "430700",
        "常德市",
        "Changde",
        [
            ("430702", "武陵区", "Wuling"),
            ("430723", "澧县", "Li Xian"),
            ("430725", "桃源县", "Taoyuan"),
        ],
    ),
    ("430800", "张家界市", "Zhangjiajie", [("430802", "永定区", "Yongding"), ("430821", "慈利县", "Cili")]),
    (
        "430900",
        "益阳市",
        "Yiyang",
        [
            ("430902", "资阳区", "Ziyang"),
            ("430923", "安化县", "Anhua"),
            ("430981", "沅江市", "Yuanjiang"),
        ],
    ),
    (
        "431000",
        "郴州市",
        "Chenzhou",
        [
            ("431002", "北湖区", "Beihu"),
            ("431021", "桂阳县", "Guiyang"),
            ("431081", "资兴市", "Zixing"),
        ],
    ),
    (
        "431100",
        "永州市",
        "Yongzhou",
        [
            ("431102", "零陵区", "Lingling"),
            ("431124", "道县", "Dao Xian"),
            ("431181", "祁阳市", "Qiyang"),
        ],
    ),
    (
        "431200",
        "怀化市",
        "Huaihua",
        [
            ("431202", "鹤城区", "Hecheng"),
            ("431224", "溆浦县", "Xupu"),
            ("431281", "洪江市", "Hongjiang"),
        ],
    ),
    (
        "431300",
        "娄底市",
        "Loudi",
        [
            ("431302", "娄星区", "Louxing"),
            ("431322", "新化县", "Xinhua"),
            ("431382", "涟源市", "Lianyuan"),
        ],
    ),
    (
        "433100",
        "湘西土家族苗族自治州",
        "Xiangxi",
        [
            ("433101", "吉首市", "Jishou"),
            ("433123", "凤凰县", "Fenghuang"),
            ("433127", "永顺县", "Yongshun"),
        ],
    ),
]
# Rough weight of each city in the population (Changsha is the largest).
CITY_WEIGHT = [0.16, 0.06, 0.04, 0.10, 0.10, 0.08, 0.08, 0.02, 0.06, 0.07, 0.08, 0.07, 0.06, 0.04]
TOWNS_PER_COUNTY = 6
TOWN_SUFFIX = ["街道", "镇", "乡", "镇", "街道", "镇"]
TOWN_STEMS = ["东湖", "新塘", "白沙", "青山", "桃花", "金井", "石门", "高桥", "清水", "黄土"]

# Mobile number segments: (prefix, operator, name, virtual, host).
SEGMENTS: list[tuple[str, str, str, bool, str]] = [
    *[
        (p, "CMCC", "中国移动", False, "CMCC")
        for p in (
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
            "178",
            "182",
            "183",
            "184",
            "187",
            "188",
            "198",
        )
    ],
    *[
        (p, "CUCC", "中国联通", False, "CUCC")
        for p in ("130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186")
    ],
    *[
        (p, "CTCC", "中国电信", False, "CTCC")
        for p in ("133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199")
    ],
    ("192", "CBN", "中国广电", False, "CBN"),
    ("1700", "VNO-A", "虚拟运营商甲", True, "CTCC"),
    ("1703", "VNO-B", "虚拟运营商乙", True, "CMCC"),
    ("1704", "VNO-C", "虚拟运营商丙", True, "CUCC"),
    ("1705", "VNO-B", "虚拟运营商乙", True, "CMCC"),
    ("1707", "VNO-C", "虚拟运营商丙", True, "CUCC"),
    ("171", "VNO-C", "虚拟运营商丙", True, "CUCC"),
    ("162", "VNO-A", "虚拟运营商甲", True, "CTCC"),
    ("165", "VNO-B", "虚拟运营商乙", True, "CMCC"),
    ("167", "VNO-D", "虚拟运营商丁", True, "CUCC"),
]
OPERATORS = {
    "CMCC": ("中国移动湖南公司", "China Mobile Hunan"),
    "CUCC": ("中国联通湖南分公司", "China Unicom Hunan"),
    "CTCC": ("中国电信湖南分公司", "China Telecom Hunan"),
    "CBN": ("中国广电湖南公司", "China Broadnet Hunan"),
    "VNO-A": ("虚拟运营商甲", "Virtual operator A"),
    "VNO-B": ("虚拟运营商乙", "Virtual operator B"),
    "VNO-C": ("虚拟运营商丙", "Virtual operator C"),
    "VNO-D": ("虚拟运营商丁", "Virtual operator D"),
}

# Card BINs: (bin, bank, bank name, type, length).
BINS: list[tuple[str, str, str, str, int]] = [
    ("622202", "ICBC", "中国工商银行", "debit", 19),
    ("621226", "ICBC", "中国工商银行", "debit", 19),
    ("625330", "ICBC", "中国工商银行", "credit", 16),
    ("621700", "CCB", "中国建设银行", "debit", 19),
    ("436742", "CCB", "中国建设银行", "credit", 16),
    ("622848", "ABC", "中国农业银行", "debit", 19),
    ("621661", "BOC", "中国银行", "debit", 19),
    ("622260", "BOCOM", "交通银行", "debit", 19),
    ("621799", "PSBC", "中国邮政储蓄银行", "debit", 19),
    ("622588", "CMB", "招商银行", "debit", 16),
    ("439188", "CMB", "招商银行", "credit", 16),
    ("623090", "HNRCU", "湖南省农村信用社联合社", "debit", 19),
    ("621799", "PSBC", "中国邮政储蓄银行", "debit", 19),
    ("955880", "ICBC", "中国工商银行", "corporate", 19),
    ("955330", "CCB", "中国建设银行", "corporate", 19),
    ("955990", "HNRCU", "湖南省农村信用社联合社", "corporate", 19),
]
BANK_CODES = sorted({b[1] for b in BINS})
BANK_NAMES = {b[1]: b[2] for b in BINS}
BANK_SERVICE = {
    "ICBC": "95588",
    "CCB": "95533",
    "ABC": "95599",
    "BOC": "95566",
    "BOCOM": "95559",
    "PSBC": "95580",
    "CMB": "95555",
    "HNRCU": "96518",
}

PLATFORMS: list[tuple[str, str, str, str]] = [
    ("alipay", "payment", "支付宝", "PAY-ALIPAY"),
    ("wechatpay", "payment", "微信支付", "PAY-TENPAY"),
    ("unionpay", "payment", "云闪付", "PAY-UNIONPAY"),
    ("jdpay", "payment", "京东支付", "PAY-JD"),
    ("wechat", "internet", "微信", "NET-TENCENT"),
    ("qq", "internet", "QQ", "NET-TENCENT"),
    ("douyin", "internet", "抖音", "NET-BYTEDANCE"),
    ("taobao", "internet", "淘宝", "NET-ALIBABA"),
    ("xianyu", "internet", "闲鱼", "NET-ALIBABA"),
    ("momo", "internet", "陌陌", "NET-MOMO"),
    ("jiayuan", "internet", "世纪佳缘", "NET-JIAYUAN"),
    ("jiaoyimao", "internet", "交易猫", "NET-JIAOYIMAO"),
]
PLATFORM_ORGS = {
    "PAY-ALIPAY": ("支付宝(中国)网络技术有限公司", "Alipay"),
    "PAY-TENPAY": ("财付通支付科技有限公司", "Tenpay"),
    "PAY-UNIONPAY": ("中国银联", "UnionPay"),
    "PAY-JD": ("网银在线", "JD Pay"),
    "NET-TENCENT": ("腾讯", "Tencent"),
    "NET-BYTEDANCE": ("字节跳动", "ByteDance"),
    "NET-ALIBABA": ("阿里巴巴", "Alibaba"),
    "NET-MOMO": ("陌陌科技", "Momo"),
    "NET-JIAYUAN": ("世纪佳缘", "Jiayuan"),
    "NET-JIAOYIMAO": ("交易猫", "Jiaoyimao"),
}

# Scam types with the evaluation world's own share of cases, from the public figures cited in
# README.md (order brushing about one third of cases, the ten types 88.4 % of all).
SCAM_TYPES: list[tuple[str, str, str, float]] = [
    ("order_brushing", "刷单返利", "Order-brushing / task rebate", 0.32),
    ("fake_investment", "虚假投资理财", "Fake investment", 0.14),
    ("fake_shopping", "虚假购物服务", "Fake shopping or service", 0.12),
    ("fake_customer_service", "冒充电商物流客服", "Impersonating e-commerce or courier support", 0.11),
    ("fake_loan", "虚假贷款", "Fake loan", 0.08),
    ("fake_credit", "虚假征信", "Fake credit-record repair", 0.07),
    ("fake_acquaintance", "冒充领导熟人", "Impersonating a boss or acquaintance", 0.06),
    ("fake_police", "冒充公检法", "Impersonating police, prosecutors or courts", 0.05),
    ("romance", "网络婚恋交友", "Online romance", 0.03),
    ("game_trading", "网络游戏虚假交易", "Fake game-item trading", 0.02),
]


def counties() -> list[tuple[str, str]]:
    """(county code, city code) of every county."""
    return [(c[0], city[0]) for city in CITIES for c in city[3]]


def townships() -> list[str]:
    """Every township code."""
    return [f"{c}{i + 1:03d}" for c, _ in counties() for i in range(TOWNS_PER_COUNTY)]


def tables() -> dict[str, list[dict[str, Any]]]:
    """Rows of every reference table."""
    regions: list[dict[str, Any]] = [
        {
            "region_code": "430000",
            "level": "province",
            "name_zh": "湖南省",
            "name_en": "Hunan",
            "parent_code": None,
        }
    ]
    orgs: list[dict[str, Any]] = [
        {
            "code": "POL-430000",
            "name_zh": "湖南省公安厅",
            "name_en": "Hunan Public Security Department",
            "kind": "police_province",
            "region_code": "430000",
            "parent_code": None,
        }
    ]
    for ci, (code, zh, en, cs) in enumerate(CITIES):
        regions.append(
            {"region_code": code, "level": "city", "name_zh": zh, "name_en": en, "parent_code": "430000"}
        )
        orgs.append(
            {
                "code": f"POL-{code}",
                "name_zh": f"{zh}公安局",
                "name_en": f"{en} Public Security Bureau",
                "kind": "police_city",
                "region_code": code,
                "parent_code": "POL-430000",
            }
        )
        for cc, czh, cen in cs:
            regions.append(
                {"region_code": cc, "level": "county", "name_zh": czh, "name_en": cen, "parent_code": code}
            )
            orgs.append(
                {
                    "code": f"POL-{cc}",
                    "name_zh": f"{zh}{czh}公安分局",
                    "name_en": f"{cen} Police",
                    "kind": "police_county",
                    "region_code": cc,
                    "parent_code": f"POL-{code}",
                }
            )
            for i in range(TOWNS_PER_COUNTY):
                tc = f"{cc}{i + 1:03d}"
                stem = TOWN_STEMS[(ci * 7 + i * 3 + int(cc[-2:])) % len(TOWN_STEMS)]
                regions.append(
                    {
                        "region_code": tc,
                        "level": "township",
                        "name_zh": f"{stem}{TOWN_SUFFIX[i]}",
                        "name_en": f"{cen} {i + 1}",
                        "parent_code": cc,
                    }
                )
                orgs.append(
                    {
                        "code": f"POL-{tc}",
                        "name_zh": f"{czh}{stem}派出所",
                        "name_en": f"{cen} station {i + 1}",
                        "kind": "police_township",
                        "region_code": tc,
                        "parent_code": f"POL-{cc}",
                    }
                )
    for bank in BANK_CODES:
        orgs.append(
            {
                "code": f"BANK-{bank}",
                "name_zh": f"{BANK_NAMES[bank]}湖南省分行",
                "name_en": f"{bank} Hunan",
                "kind": "bank",
                "region_code": "430000",
                "parent_code": None,
            }
        )
    for op, (zh, en) in OPERATORS.items():
        orgs.append(
            {
                "code": f"TEL-{op}",
                "name_zh": zh,
                "name_en": en,
                "kind": "telecom",
                "region_code": "430000",
                "parent_code": None,
            }
        )
    for code, (zh, en) in PLATFORM_ORGS.items():
        orgs.append(
            {
                "code": code,
                "name_zh": zh,
                "name_en": en,
                "kind": "payment" if code.startswith("PAY") else "internet",
                "region_code": "430000",
                "parent_code": None,
            }
        )
    for code, zh, en in (
        ("REG-CAC-HN", "湖南省委网信办", "Hunan Cyberspace Administration"),
        ("REG-TEL-HN", "湖南省通信管理局", "Hunan Communications Administration"),
        ("REG-PBOC-CS", "中国人民银行湖南省分行", "PBOC Hunan Branch"),
    ):
        orgs.append(
            {
                "code": code,
                "name_zh": zh,
                "name_en": en,
                "kind": "regulator",
                "region_code": "430000",
                "parent_code": None,
            }
        )
    segs = [
        {
            "prefix": p,
            "operator_code": op,
            "operator_name_zh": zh,
            "is_virtual": v,
            "host_operator_code": host,
            "org_code": f"TEL-{op}",
        }
        for p, op, zh, v, host in SEGMENTS
    ]
    seen: set[str] = set()
    bins = []
    for b, bank, zh, kind, length in BINS:
        if b in seen:
            continue
        seen.add(b)
        bins.append(
            {
                "bin": b,
                "bank_code": bank,
                "bank_name_zh": zh,
                "card_type": kind,
                "card_length": length,
                "org_code": f"BANK-{bank}",
            }
        )
    plats = [{"platform": p, "kind": k, "name_zh": zh, "org_code": org} for p, k, zh, org in PLATFORMS]
    scams = [{"code": c, "name_zh": zh, "name_en": en, "target_share": s} for c, zh, en, s in SCAM_TYPES]
    return {
        "regions": regions,
        "organisations": orgs,
        "phone_segments": segs,
        "bank_bins": bins,
        "platforms": plats,
        "scam_types": scams,
    }
