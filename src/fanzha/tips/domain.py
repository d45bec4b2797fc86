"""Rules of tips and rewards (Art 30-32, 38): kinds, forms, states, the reward standard, receipt codes."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from fanzha.core.errors import Conflict, ValidationFailed
from fanzha.identifiers import IdentifierKind

# Every legal measure cites its paragraph; tests/unit/test_tips_domain.py checks each quote is there.
BASIS: dict[str, tuple[str, str]] = {
    # Anyone reports; the receiving unit investigates and keeps the reporter's information secret.
    "report": ("第三十八条第一款", "鼓励单位和个人对电信网络诈骗违法犯罪行为进行举报"),
    "investigate": ("第三十八条第一款", "接到举报的有关单位应当依法及时调查处理"),
    "sealed": ("第三十八条第一款", "对举报人信息予以保密"),
    # The reward standard and the ways to report are published; only verified tips are rewarded.
    "standard": ("第三十八条第二款", "公布奖励标准和举报方式"),
    "reward": ("第三十八条第二款", "对查证属实的举报给予奖励"),
    "commend": ("第三十八条第三款", "有突出贡献的单位和个人，按照有关规定给予表彰和奖励"),
    # Structured forms: schools and labour agencies, premises managers and landlords, couriers and drivers.
    "school": ("第三十条第一款", "高等院校、职业院校应当将防范参与电信网络诈骗纳入日常法治教育"),
    "agency": ("第三十条第二款", "严禁以务工名义介绍、组织境内人员赴境外从事电信网络诈骗等违法犯罪活动"),
    "premises": (
        "第三十一条第一款",
        "对发现的上述行为，应当及时予以制止、清理并留存证据，同时向公安机关报告",
    ),
    "landlord": ("第三十一条第二款", "不得将房屋、场地、办公场所出租、出借给他人用于电信网络诈骗"),
    "courier": (
        "第三十二条第二款",
        "发现运送批量电话卡、物联网卡、银行卡、涉诈引流广告或者现金、黄金等涉诈可疑物品的，"
        "应当及时向所属企业和公安机关报告",
    ),
}


class TipKind(StrEnum):
    """What a tip is about (the 国家反诈中心 app's 我要举报 kinds, plus places and shipments)."""

    PHONE = "phone"
    SMS = "sms"
    URL = "url"
    APP = "app"
    SOCIAL_ACCOUNT = "social_account"
    PAYMENT_ACCOUNT = "payment_account"
    PLACE = "place"
    SHIPMENT_CARDS = "shipment_cards"
    SHIPMENT_CASH = "shipment_cash"
    FLYERS = "flyers"


KIND_LABELS: dict[TipKind, tuple[str, str]] = {
    TipKind.PHONE: ("电话号码", "Phone number"),
    TipKind.SMS: ("诈骗短信", "Fraud SMS"),
    TipKind.URL: ("网址链接", "URL"),
    TipKind.APP: ("应用程序", "App"),
    TipKind.SOCIAL_ACCOUNT: ("社交账号", "Social account"),
    TipKind.PAYMENT_ACCOUNT: ("支付账户", "Payment account"),
    TipKind.PLACE: ("场所（窝点、出租屋）", "Place (venue, rented flat)"),
    TipKind.SHIPMENT_CARDS: ("寄递批量电话卡、银行卡", "Shipment of SIM or bank cards in bulk"),
    TipKind.SHIPMENT_CASH: ("寄递现金、黄金", "Shipment of cash or gold"),
    TipKind.FLYERS: ("涉诈宣传品、小广告", "Fraud flyers"),
}

# The identifier a tip of each kind names, tokenised by the vault and matched with the sample library.
IDENTIFIER_OF: dict[TipKind, IdentifierKind] = {
    TipKind.PHONE: IdentifierKind.PHONE,
    TipKind.SMS: IdentifierKind.PHONE,  # the sending number
    TipKind.URL: IdentifierKind.URL,
    TipKind.APP: IdentifierKind.APP,
    TipKind.SOCIAL_ACCOUNT: IdentifierKind.INTERNET_ACCOUNT,
    TipKind.PAYMENT_ACCOUNT: IdentifierKind.PAYMENT_ACCOUNT,
}
# Kinds whose identifier may be left out (an SMS from an unknown sender); the others require it.
IDENTIFIER_OPTIONAL = frozenset({TipKind.SMS})
# Kinds about a place: the address is required, and it is what routes and de-duplicates the tip.
PLACE_KINDS = frozenset({TipKind.PLACE})


class TipForm(StrEnum):
    """Who reports: anyone, or one of the reporters the provisions name, with a structured form."""

    PUBLIC = "public"
    PREMISES = "premises"  # Art 31: landlords, property managers, venue and park managers
    COURIER = "courier"  # Art 32¶2: couriers, delivery riders, freight and ride-hailing drivers
    SCHOOL = "school"  # Art 30: colleges, vocational schools, overseas labour agencies


FORM_LABELS: dict[TipForm, tuple[str, str]] = {
    TipForm.PUBLIC: ("群众举报", "Anyone"),
    TipForm.PREMISES: ("房屋出租人、物业及场所管理者报告", "Landlords, property and venue managers"),
    TipForm.COURIER: ("寄递、配送、货运、网约车从业人员报告", "Couriers, riders and drivers"),
    TipForm.SCHOOL: ("院校、劳务派遣及出境务工中介报告", "Schools and labour agencies"),
}
FORM_BASIS: dict[TipForm, tuple[str, ...]] = {
    TipForm.PUBLIC: ("report",),
    TipForm.PREMISES: ("premises", "landlord"),
    TipForm.COURIER: ("courier",),
    TipForm.SCHOOL: ("school", "agency"),
}


@dataclass(frozen=True)
class FieldSpec:
    """One field of a structured form: its name, labels, whether required, its choices and length."""

    name: str
    zh: str
    en: str
    required: bool = False
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, zh, en)
    max_length: int = 200


FORM_FIELDS: dict[TipForm, tuple[FieldSpec, ...]] = {
    TipForm.PUBLIC: (),
    TipForm.PREMISES: (
        FieldSpec(
            "role",
            "报告人身份",
            "You are",
            True,
            (
                ("landlord", "房屋出租人", "Landlord"),
                ("property", "物业服务企业", "Property management"),
                ("parking", "停车场经营管理者", "Car park operator"),
                ("venue", "商业场所运营单位", "Commercial venue"),
                ("public_place", "公共场所管理单位", "Public place manager"),
                ("park", "产业园区、商务楼宇、市场管理者", "Industrial park, office building or market"),
            ),
        ),
        FieldSpec(
            "observed",
            "发现情况",
            "What you saw",
            True,
            (
                (
                    "tenant_use",
                    "承租方疑似用于诈骗（大量手机卡、设备、人员）",
                    "Tenant's use looks like fraud",
                ),
                ("identity_unverified", "承租方、实际使用方身份无法查验", "Tenant's identity unverifiable"),
                ("flyers", "张贴、散发涉诈宣传品、小广告", "Fraud flyers posted or handed out"),
                ("promotion", "涉诈地推、引流推广活动", "Ground promotion for fraud"),
            ),
        ),
        FieldSpec("address", "场所地址", "Address of the premises", True),
        FieldSpec("tenant", "承租方、使用方（名称或特征）", "Tenant or user (name or description)"),
        FieldSpec("since", "租用或发现时间", "Rented or seen since", max_length=40),
        FieldSpec("people", "人员数量", "How many people", max_length=20),
        FieldSpec("evidence_kept", "已留存的证据", "Evidence kept"),
    ),
    TipForm.COURIER: (
        FieldSpec(
            "role",
            "从业类别",
            "You work in",
            True,
            (
                ("express", "邮政、快递寄递", "Postal or express delivery"),
                ("instant", "即时配送", "Instant delivery"),
                ("freight", "互联网货运", "Online freight"),
                ("ride_hailing", "网约车", "Ride hailing"),
                ("taxi", "出租汽车", "Taxi"),
            ),
        ),
        FieldSpec(
            "goods",
            "可疑物品",
            "Suspicious goods",
            True,
            (
                ("sim_cards", "批量电话卡", "SIM cards in bulk"),
                ("iot_cards", "批量物联网卡", "IoT cards in bulk"),
                ("bank_cards", "批量银行卡", "Bank cards in bulk"),
                ("flyers", "涉诈引流广告", "Fraud flyers"),
                ("cash", "现金", "Cash"),
                ("gold", "黄金", "Gold"),
            ),
        ),
        FieldSpec("quantity", "数量", "Quantity", True, max_length=40),
        FieldSpec("waybill", "运单号或订单号", "Waybill or order number", max_length=60),
        FieldSpec("pickup", "收件或上车地点", "Picked up at"),
        FieldSpec("dropoff", "寄往或下车地点", "Going to"),
        FieldSpec(
            "company_told",
            "是否已报告所属企业",
            "Reported to your company",
            choices=(("yes", "是", "Yes"), ("no", "否", "No")),
            max_length=3,
        ),
    ),
    TipForm.SCHOOL: (
        FieldSpec(
            "role",
            "单位类别",
            "Your unit",
            True,
            (
                ("college", "高等院校", "College or university"),
                ("vocational", "职业院校", "Vocational school"),
                ("labour_agency", "境外劳务派遣机构", "Overseas labour dispatch agency"),
                ("emigration_agency", "出境务工中介", "Overseas work intermediary"),
            ),
        ),
        FieldSpec(
            "concern",
            "发现情况",
            "What you found",
            True,
            (
                (
                    "overseas_recruitment",
                    "以务工名义招募人员赴境外",
                    "Recruiting people to go abroad for 'work'",
                ),
                ("selling_cards", "学生出租、出售银行卡或电话卡", "Students renting or selling cards"),
                (
                    "online_recruiting",
                    "网上招募学生参与黑灰产",
                    "Students recruited online for fraud services",
                ),
                ("employer_suspect", "境外用工企业背景可疑", "Overseas employer looks suspicious"),
            ),
        ),
        FieldSpec("destination", "目的地（国家或地区）", "Destination country or region", max_length=60),
        FieldSpec("recruiter", "招募者或用工企业", "Recruiter or employer"),
        FieldSpec("people", "涉及人数", "How many people", max_length=20),
    ),
}


def check_details(form: TipForm, details: Mapping[str, str]) -> dict[str, str]:
    """The structured form's answers: required fields present, choices from the list, no unknown field."""
    specs = {spec.name: spec for spec in FORM_FIELDS[form]}
    unknown = sorted(set(details) - set(specs))
    if unknown:
        raise ValidationFailed(
            f"该表单没有字段：{', '.join(unknown)}",
            f"This form has no field: {', '.join(unknown)}",
            field=f"details.{unknown[0]}",
        )
    kept: dict[str, str] = {}
    for name, spec in specs.items():
        value = (details.get(name) or "").strip()
        if not value:
            if spec.required:
                raise ValidationFailed(
                    f"请填写「{spec.zh}」", f"'{spec.en}' is required", field=f"details.{name}"
                )
            continue
        if len(value) > spec.max_length:
            raise ValidationFailed(
                f"「{spec.zh}」最长 {spec.max_length} 个字符",
                f"'{spec.en}' has at most {spec.max_length} characters",
                field=f"details.{name}",
            )
        if spec.choices and value not in {c[0] for c in spec.choices}:
            raise ValidationFailed(
                f"「{spec.zh}」须从列表中选择",
                f"'{spec.en}' must be one of the listed values",
                field=f"details.{name}",
            )
        kept[name] = value
    return kept


class TipStatus(StrEnum):
    """Where a tip is: received, being verified by its officer, and how it ended."""

    RECEIVED = "received"
    VERIFYING = "verifying"
    VERIFIED = "verified"  # 查证属实 (Art 38¶2)
    UNFOUNDED = "unfounded"
    DUPLICATE = "duplicate"


STATUS_LABELS: dict[TipStatus, tuple[str, str]] = {
    TipStatus.RECEIVED: ("已受理，待核查", "Received"),
    TipStatus.VERIFYING: ("核查中", "Being verified"),
    TipStatus.VERIFIED: ("查证属实", "Verified"),
    TipStatus.UNFOUNDED: ("未查证属实", "Not verified"),
    TipStatus.DUPLICATE: ("重复举报（已并入先前举报）", "Duplicate of an earlier tip"),
}
OPEN = frozenset({TipStatus.RECEIVED, TipStatus.VERIFYING})
MOVES: dict[TipStatus, frozenset[TipStatus]] = {
    TipStatus.RECEIVED: frozenset({TipStatus.VERIFYING, TipStatus.DUPLICATE}),
    TipStatus.VERIFYING: frozenset(
        {TipStatus.VERIFYING, TipStatus.VERIFIED, TipStatus.UNFOUNDED, TipStatus.DUPLICATE}
    ),
    TipStatus.VERIFIED: frozenset(),
    TipStatus.UNFOUNDED: frozenset(),
    TipStatus.DUPLICATE: frozenset(),
}


def check_move(current: TipStatus, to: TipStatus) -> None:
    """Refuse a move the tip's state does not allow (a closed tip stays closed)."""
    if to not in MOVES[current]:
        raise Conflict(
            f"举报当前为「{STATUS_LABELS[current][0]}」，不能改为「{STATUS_LABELS[to][0]}」",
            f"The tip is {current}; it cannot become {to}",
            field="status",
        )


class TipOutcome(StrEnum):
    """What a tip became (Art 38¶1 调查处理): a sample, a warning, a case, or nothing."""

    SAMPLE = "sample"
    WARNING = "warning"
    CASE = "case"
    NONE = "none"


OUTCOME_LABELS: dict[TipOutcome, tuple[str, str]] = {
    TipOutcome.SAMPLE: ("纳入涉诈样本库", "Added to the sample library"),
    TipOutcome.WARNING: ("开展预警劝阻", "Used for early warning"),
    TipOutcome.CASE: ("立案侦查", "A case was opened"),
    TipOutcome.NONE: ("不予处理", "No action"),
}


class TipVerdict(StrEnum):
    """The officer's finding after verification."""

    VERIFIED = "verified"
    UNFOUNDED = "unfounded"
    DUPLICATE = "duplicate"


def check_verdict(verdict: TipVerdict, outcome: TipOutcome, reason: str) -> TipStatus:
    """A verified tip leads to a sample, warning or case; any other ends in nothing; always with a reason."""
    if len(reason.strip()) < 4:
        raise ValidationFailed(
            "请写明核查结论的理由（至少 4 个字）", "Give the reason (4 characters or more)", field="reason"
        )
    if verdict is TipVerdict.VERIFIED and outcome is TipOutcome.NONE:
        raise ValidationFailed(
            "查证属实的举报须转为样本、预警或案件",
            "A verified tip becomes a sample, a warning or a case",
            field="outcome",
        )
    if verdict is not TipVerdict.VERIFIED and outcome is not TipOutcome.NONE:
        raise ValidationFailed(
            "未查证属实或重复的举报不转为样本、预警或案件",
            "An unverified or duplicate tip leads to nothing",
            field="outcome",
        )
    return TipStatus(verdict.value)


# Rewards (Art 38¶2) ------------------------------------------------------------------------------


class RewardStatus(StrEnum):
    """A reward's way: decided within the standard, approved or refused, claimed, paid."""

    DECIDED = "decided"
    APPROVED = "approved"
    REFUSED = "refused"
    CLAIMED = "claimed"
    PAID = "paid"


REWARD_LABELS: dict[RewardStatus, tuple[str, str]] = {
    RewardStatus.DECIDED: ("已拟定奖励，待审批", "Decided, awaiting approval"),
    RewardStatus.APPROVED: ("奖励已批准，请凭回执码领取", "Approved: claim it with your receipt code"),
    RewardStatus.REFUSED: ("奖励未获批准", "Not approved"),
    RewardStatus.CLAIMED: ("已申领，待发放", "Claimed, awaiting payment"),
    RewardStatus.PAID: ("已发放", "Paid"),
}
REWARD_MOVES: dict[RewardStatus, frozenset[RewardStatus]] = {
    RewardStatus.DECIDED: frozenset({RewardStatus.APPROVED, RewardStatus.REFUSED}),
    RewardStatus.APPROVED: frozenset({RewardStatus.CLAIMED}),
    RewardStatus.REFUSED: frozenset(),
    RewardStatus.CLAIMED: frozenset({RewardStatus.PAID}),
    RewardStatus.PAID: frozenset(),
}


def check_reward_move(current: RewardStatus, to: RewardStatus) -> None:
    """Refuse a reward step out of order (claim before approval, pay before claim, twice)."""
    if to not in REWARD_MOVES[current]:
        raise Conflict(
            f"奖励当前为「{REWARD_LABELS[current][0]}」，不能办理「{REWARD_LABELS[to][0]}」",
            f"The reward is {current}; it cannot become {to}",
            field="reward",
        )


@dataclass(frozen=True)
class Tier:
    """One band of the published standard: what a verified tip led to, and the amounts in yuan."""

    outcome: TipOutcome
    low: int
    high: int
    zh: str
    en: str


@dataclass(frozen=True)
class RewardStandard:
    """The published reward standard (Art 38¶2 公布奖励标准), by what the verified tip led to."""

    tiers: tuple[Tier, ...] = (
        Tier(
            TipOutcome.WARNING,
            50,
            500,
            "线索查证属实并用于预警劝阻",
            "Verified and used to warn potential victims",
        ),
        Tier(
            TipOutcome.SAMPLE,
            100,
            2_000,
            "线索查证属实并纳入涉诈样本库",
            "Verified and added to the sample library",
        ),
        Tier(
            TipOutcome.CASE, 500, 50_000, "线索查证属实并据以立案侦查", "Verified and a case was opened on it"
        ),
    )

    def tier(self, outcome: TipOutcome) -> Tier | None:
        """The band for `outcome`, or None (nothing is rewarded for a tip that led to nothing)."""
        return next((t for t in self.tiers if t.outcome is outcome), None)


def check_reward(standard: RewardStandard, status: TipStatus, outcome: TipOutcome, amount: int) -> Tier:
    """Art 38¶2: a reward only for a verified tip, and within the published band for its outcome."""
    if status is not TipStatus.VERIFIED:
        raise Conflict(
            "只有查证属实的举报才能给予奖励（第三十八条第二款）",
            "Only verified tips are rewarded (Art 38¶2)",
            field="tip",
            code="tip_not_verified",
        )
    tier = standard.tier(outcome)
    if tier is None:
        raise Conflict("该举报未形成可奖励的结果", "This tip led to nothing rewardable", field="tip")
    if amount > tier.high:
        raise ValidationFailed(
            f"奖励金额 {amount} 元超过公布标准上限 {tier.high} 元（第三十八条第二款）",
            f"{amount} yuan is above the published standard's {tier.high} yuan (Art 38¶2)",
            field="amount",
            code="reward_above_standard",
        )
    if amount < tier.low:
        raise ValidationFailed(
            f"奖励金额 {amount} 元低于公布标准下限 {tier.low} 元",
            f"{amount} yuan is below the published standard's {tier.low} yuan",
            field="amount",
            code="reward_below_standard",
        )
    return tier


# Receipt codes -----------------------------------------------------------------------------------

# Crockford-like alphabet without 0/O, 1/I/L, U: easy to read out and type; 32 symbols, 5 bits each.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_GROUPS = 5
RECEIPT_GROUP = 4
RECEIPT_LENGTH = RECEIPT_GROUPS * RECEIPT_GROUP  # 20 symbols of 30: about 98 bits


def new_receipt_code() -> str:
    """A fresh receipt code, `XXXX-XXXX-XXXX-XXXX-XXXX`, from the system's secure random source."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + RECEIPT_GROUP] for i in range(0, RECEIPT_LENGTH, RECEIPT_GROUP))


def clean_receipt(raw: str) -> str:
    """The code without spaces or dashes, upper-cased; refused unless it has the code's shape."""
    text = "".join(ch for ch in (raw or "").upper() if ch not in " -\t")
    if len(text) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in text):
        raise ValidationFailed(
            "回执码格式不正确（20 位字母数字，可含短横线）",
            "A receipt code has 20 letters and digits (dashes allowed)",
            field="receipt_code",
        )
    return text
