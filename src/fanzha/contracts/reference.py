"""Reference and routing tables: regions, organisations, phone segments, BINs, platforms."""

from __future__ import annotations

from fanzha.contracts.base import BOOL, F64, I8, STR, Contract, col

# The ten main scam types (code as in fanzha.samples FraudType, 中文, English, share of cases in
# public police releases).
SCAM_TYPES: tuple[tuple[str, str, str, float], ...] = (
    ("order_brushing", "刷单返利", "Order-brushing / task rebate", 0.30),
    ("fake_investment", "虚假投资理财", "Fake investment", 0.15),
    ("fake_shopping", "虚假购物服务", "Fake shopping or service", 0.12),
    ("fake_customer_service", "冒充电商物流客服", "Impersonating e-commerce or courier support", 0.10),
    ("fake_loan", "虚假贷款", "Fake loan", 0.09),
    ("fake_credit", "虚假征信", "Fake credit-record repair", 0.07),
    ("fake_acquaintance", "冒充领导熟人", "Impersonating a boss or acquaintance", 0.06),
    ("fake_police", "冒充公检法", "Impersonating police, prosecutors or courts", 0.05),
    ("romance", "网络婚恋交友", "Online romance", 0.04),
    ("game_trading", "网络游戏虚假交易", "Fake game-item trading", 0.02),
)
SCAM_CODES: tuple[str, ...] = tuple(s[0] for s in SCAM_TYPES)

ORG_KINDS: tuple[str, ...] = (
    "police_province",
    "police_city",
    "police_county",
    "police_township",
    "bank",
    "payment",
    "telecom",
    "internet",
    "regulator",
)

REGIONS = Contract(
    "regions",
    "reference",
    "The region tree: Hunan province, its 14 prefecture-level cities and 122 counties "
    "(real codes) and synthetic townships (county code + 3 digits).",
    "region_code",
    (
        col("region_code", STR, "6-digit code (province, city, county) or 9-digit (township)"),
        col("level", STR, "province | city | county | township"),
        col("name_zh", STR, "Chinese name"),
        col("name_en", STR, "English (pinyin) name"),
        col("parent_code", STR, "region_code of the parent; null for the province", null=True),
    ),
)

ORGANISATIONS = Contract(
    "organisations",
    "reference",
    "Every organisation the demo needs: police units at province, city, county and township "
    "level, banks, payment institutions, telecom operators, internet platforms, regulators.",
    "code",
    (
        col("code", STR, "stable organisation code, e.g. POL-430102, BANK-ICBC, TEL-CMCC"),
        col("name_zh", STR, "Chinese name"),
        col("name_en", STR, "English name"),
        col("kind", STR, "one of " + ", ".join(ORG_KINDS)),
        col("region_code", STR, "region the organisation serves"),
        col("parent_code", STR, "code of the supervising unit, if any", null=True),
    ),
)

PHONE_SEGMENTS = Contract(
    "phone_segments",
    "reference",
    "Routing of mobile numbers to operators: the longest prefix of the national number "
    "(without +86) that matches decides the operator.",
    "prefix",
    (
        col("prefix", STR, "3- or 4-digit number segment, e.g. 138 or 1703"),
        col("operator_code", STR, "CMCC | CUCC | CTCC | CBN, or the virtual operator code"),
        col("operator_name_zh", STR, "operator's Chinese name"),
        col("is_virtual", BOOL, "true for virtual (MVNO) segments such as 170 and 171"),
        col("host_operator_code", STR, "network operator that carries the segment"),
        col("org_code", STR, "organisation that receives disposal orders for the segment"),
    ),
)

BANK_BINS = Contract(
    "bank_bins",
    "reference",
    "Routing of bank card numbers to banks by their 6-digit BIN (issuer identification number).",
    "bin",
    (
        col("bin", STR, "first 6 digits of the card number"),
        col("bank_code", STR, "short bank code, e.g. ICBC"),
        col("bank_name_zh", STR, "bank's Chinese name"),
        col("card_type", STR, "debit | credit | corporate"),
        col("card_length", I8, "number of digits of cards under this BIN"),
        col("org_code", STR, "organisation that receives disposal orders for the BIN"),
    ),
)

PLATFORMS = Contract(
    "platforms",
    "reference",
    "Payment and internet platforms whose accounts appear as 'platform:id'.",
    "platform",
    (
        col("platform", STR, "platform key used before the colon in account identifiers"),
        col("kind", STR, "payment | internet"),
        col("name_zh", STR, "Chinese name"),
        col("org_code", STR, "organisation that receives disposal orders for the platform"),
    ),
)

SCAM_TYPE_TABLE = Contract(
    "scam_types",
    "reference",
    "The ten main scam types and the target share of cases the simulator aims for.",
    "code",
    (
        col("code", STR, "stable code used in label tables"),
        col("name_zh", STR, "Chinese name as in police releases"),
        col("name_en", STR, "English name"),
        col("target_share", F64, "share of cases aimed for"),
    ),
)

TABLES: tuple[Contract, ...] = (
    REGIONS,
    ORGANISATIONS,
    PHONE_SEGMENTS,
    BANK_BINS,
    PLATFORMS,
    SCAM_TYPE_TABLE,
)
