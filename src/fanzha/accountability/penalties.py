"""Penalty rules (Art 39-41) and the penalty case's state machine: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fanzha.core.errors import Conflict, ValidationFailed
from fanzha.identity.domain import OrgKind

HUNAN, AFL = "hunan", "afl"
SOURCE_NAMES = {HUNAN: "《湖南省反电信网络诈骗若干规定》", AFL: "《中华人民共和国反电信网络诈骗法》"}
YUAN = 100  # money is kept in integer fen everywhere; ranges are written in yuan as the texts do
POLICE = frozenset(k for k in OrgKind if k.is_police)


class Circumstance(StrEnum):
    """Why a fine is due: the condition each article attaches to its range."""

    SERIOUS = "serious"  # 情节严重
    NOT_CORRECTED = "not_corrected"  # 逾期不改正
    LIGHT = "light"  # 情节较轻 (national law: warning, 通报批评 or a fine)


CIRCUMSTANCE_LABELS = {
    Circumstance.SERIOUS: ("情节严重", "serious"),
    Circumstance.NOT_CORRECTED: ("逾期不改正", "not corrected by the deadline"),
    Circumstance.LIGHT: ("情节较轻", "minor"),
}


class RespondentKind(StrEnum):
    """Who a case is against: a venue's manager (no account on the platform) or an organisation."""

    VENUE = "venue"
    ORG = "org"


@dataclass(frozen=True)
class Rule:
    """One penalty article: the duty it enforces, who decides, and its fine ranges in yuan."""

    id: str
    source: str
    citation: str  # e.g. 第四十一条 (law.article() finds it)
    quote: str  # the words of the article this rule applies, checked against the text by a test
    duty: str  # the duty breached, e.g. 第二十条第二款
    respondent: RespondentKind
    respondent_kinds: frozenset[OrgKind]
    deciders: frozenset[OrgKind]
    decider_zh: str
    order_to_correct: bool
    ranges: dict[Circumstance, tuple[int, int]]
    title_zh: str
    title_en: str

    @property
    def source_name(self) -> str:
        """The law's name in Chinese."""
        return SOURCE_NAMES[self.source]

    @property
    def cited(self) -> str:
        """《…》第…条, as a decision document cites it."""
        return f"{self.source_name}{self.citation}"

    def range_fen(self, circumstance: Circumstance) -> tuple[int, int]:
        """The fine range for `circumstance` in fen; ValidationFailed when the article sets none."""
        if circumstance not in self.ranges:
            raise ValidationFailed(
                f"{self.cited}未就「{CIRCUMSTANCE_LABELS[circumstance][0]}」规定罚款（规则 {self.id}）",
                f"{self.cited} ({self.id}) sets no fine when {CIRCUMSTANCE_LABELS[circumstance][1]}",
                field="circumstance",
                code="fine_not_provided",
            )
        low, high = self.ranges[circumstance]
        return low * YUAN, high * YUAN


WEB_DEPTS = POLICE | {OrgKind.TELECOM_AUTHORITY, OrgKind.CYBERSPACE}
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "hn40-1",
            HUNAN,
            "第四十条第一款",
            "由公安机关给予警告；情节严重的，处一万元以上五万元以下罚款",
            "第十五条第一款",
            RespondentKind.VENUE,
            frozenset(),
            POLICE,
            "公安机关",
            False,
            {Circumstance.SERIOUS: (10_000, 50_000)},
            "场所未排查通信设施或未报告外联设备",
            "Venue did not inspect its lines or report rogue devices",
        ),
        Rule(
            "hn40-2",
            HUNAN,
            "第四十条第二款",
            "由电信主管部门责令改正，给予警告；逾期不改正的，处五万元以上二十万元以下罚款",
            "第十五条第二款",
            RespondentKind.ORG,
            frozenset({OrgKind.TELECOM}),
            frozenset({OrgKind.TELECOM_AUTHORITY}),
            "电信主管部门",
            True,
            {Circumstance.NOT_CORRECTED: (50_000, 200_000)},
            "电信业务经营者未定期排查或未处置外联设备",
            "Operator did not search for or shut down rogue devices",
        ),
        Rule(
            "hn41",
            HUNAN,
            "第四十一条",
            "由公安、电信、网信等部门按照职责责令改正，给予警告；逾期不改正的，处五万元以上二十万元以下罚款；"
            "情节严重的，处二十万元以上五十万元以下罚款",
            "第二十条第二款",
            RespondentKind.ORG,
            frozenset({OrgKind.INTERNET}),
            WEB_DEPTS,
            "公安、电信、网信等部门",
            True,
            {Circumstance.NOT_CORRECTED: (50_000, 200_000), Circumstance.SERIOUS: (200_000, 500_000)},
            "互联网服务提供者未对关联注册账号重新核验或未处置",
            "Platform did not re-verify associated accounts or act on them",
        ),
        # Art 39: where a law already sets the liability, it applies: the national anti-fraud law.
        Rule(
            "afl39",
            AFL,
            "第三十九条",
            "由有关主管部门责令改正，情节较轻的，给予警告、通报批评，或者处五万元以上五十万元以下罚款；"
            "情节严重的，处五十万元以上五百万元以下罚款",
            "第三十九条",
            RespondentKind.ORG,
            frozenset({OrgKind.TELECOM}),
            frozenset({OrgKind.TELECOM_AUTHORITY}),
            "有关主管部门",
            True,
            {Circumstance.LIGHT: (50_000, 500_000), Circumstance.SERIOUS: (500_000, 5_000_000)},
            "电信业务经营者违反反电信网络诈骗法",
            "Telecom operator in breach of the Anti-Fraud Law",
        ),
        Rule(
            "afl40",
            AFL,
            "第四十条",
            "由有关主管部门责令改正，情节较轻的，给予警告、通报批评，或者处五万元以上五十万元以下罚款；"
            "情节严重的，处五十万元以上五百万元以下罚款",
            "第四十条",
            RespondentKind.ORG,
            frozenset({OrgKind.BANK, OrgKind.PAYMENT}),
            frozenset({OrgKind.REGULATOR}),
            "有关主管部门",
            True,
            {Circumstance.LIGHT: (50_000, 500_000), Circumstance.SERIOUS: (500_000, 5_000_000)},
            "银行业金融机构、非银行支付机构违反反电信网络诈骗法",
            "Bank or payment institution in breach of the Anti-Fraud Law",
        ),
        Rule(
            "afl41",
            AFL,
            "第四十一条",
            "由有关主管部门责令改正，情节较轻的，给予警告、通报批评，或者处五万元以上五十万元以下罚款；"
            "情节严重的，处五十万元以上五百万元以下罚款",
            "第四十一条",
            RespondentKind.ORG,
            frozenset({OrgKind.TELECOM, OrgKind.INTERNET}),
            frozenset({OrgKind.TELECOM_AUTHORITY, OrgKind.CYBERSPACE}),
            "有关主管部门",
            True,
            {Circumstance.LIGHT: (50_000, 500_000), Circumstance.SERIOUS: (500_000, 5_000_000)},
            "电信业务经营者、互联网服务提供者违反反电信网络诈骗法",
            "Operator or platform in breach of the Anti-Fraud Law",
        ),
    )
}
# Art 39 「从其规定」: which higher-law rule may replace which provision's penalty.
HIGHER_LAW: dict[str, frozenset[str]] = {
    "hn40-1": frozenset(),
    "hn40-2": frozenset({"afl39", "afl41"}),
    "hn41": frozenset({"afl41"}),
}
ART39_QUOTE = "违反本规定规定的行为，法律、行政法规已有法律责任规定的，从其规定。"


def rule_of(rule_id: str, field: str = "rule") -> Rule:
    """The rule named `rule_id`; ValidationFailed naming the known rules otherwise."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise ValidationFailed(
            f"未知罚则「{rule_id}」（可选：{'、'.join(RULES)}）",
            f"Unknown penalty rule {rule_id!r} (one of {', '.join(RULES)})",
            field=field,
        ) from None


def applied_rule(provision: str, higher_law: str | None) -> Rule:
    """The rule whose penalty applies: the provision's own, or the higher law's (Art 39 从其规定)."""
    if provision not in HIGHER_LAW:
        raise ValidationFailed(
            f"立案须依本规定第四十条或第四十一条（{'、'.join(HIGHER_LAW)}）",
            f"A case is opened under Art 40 or 41 of the provisions ({', '.join(HIGHER_LAW)})",
            field="rule",
        )
    if not higher_law:
        return RULES[provision]
    if higher_law not in HIGHER_LAW[provision]:
        raise ValidationFailed(
            f"{rule_of(higher_law, 'higher_law').cited}不适用于规则 {provision}（本规定第三十九条）",
            f"{higher_law} does not govern the conduct of {provision} (Art 39)",
            field="higher_law",
        )
    return RULES[higher_law]


def check_fine(rule: Rule, circumstance: Circumstance, amount_fen: int) -> None:
    """Refuse a fine outside the article's range for that circumstance (Art 40, 41; or the higher law)."""
    low, high = rule.range_fen(circumstance)
    if not low <= amount_fen <= high:
        raise ValidationFailed(
            f"罚款 {yuan_text(amount_fen)} 超出{rule.cited}规定的范围 {yuan_text(low)}至{yuan_text(high)}"
            f"（{CIRCUMSTANCE_LABELS[circumstance][0]}，规则 {rule.id}）",
            f"A fine of {amount_fen / YUAN:,.2f} yuan is outside {rule.source} {rule.citation}'s range "
            f"{low // YUAN:,}-{high // YUAN:,} yuan when {CIRCUMSTANCE_LABELS[circumstance][1]} "
            f"(rule {rule.id})",
            field="amount_fen",
            code="fine_out_of_range",
        )


def check_decider(rule: Rule, kind: OrgKind) -> None:
    """Refuse a department that is not competent under the article (公安、电信、网信 by competence)."""
    if kind not in rule.deciders:
        from fanzha.core.errors import PermissionDenied

        raise PermissionDenied(
            f"依{rule.cited}，应由{rule.decider_zh}作出处罚",
            f"Under {rule.source} {rule.citation} the penalty is decided by: {rule.decider_zh}",
            field="deciding_org",
        )


def yuan_text(fen: int) -> str:
    """12345600 → 「123,456元」 (fen shown as yuan, cents only when there are some)."""
    whole, cents = divmod(fen, YUAN)
    return f"{whole:,}元" if not cents else f"{whole:,}.{cents:02d}元"


class CaseState(StrEnum):
    """opened → ordered → corrected | proposed → [hearing → heard] → decided → paid | appealed → closed."""

    OPENED = "opened"  # 立案
    ORDERED = "ordered"  # 责令改正并警告 (Art 40¶1: 警告)
    CORRECTED = "corrected"  # 已改正 (warning stands, no fine for not correcting)
    PROPOSED = "proposed"  # 行政处罚告知 (notice of the proposed fine, hearing right)
    HEARING = "hearing"  # 当事人申请听证
    HEARD = "heard"  # 听证已举行
    DECIDED = "decided"  # 处罚决定书
    PAID = "paid"  # 已缴纳罚款
    APPEALED = "appealed"  # 申请复议或提起诉讼
    CLOSED = "closed"  # 结案


class Action(StrEnum):
    """What moves a case."""

    ORDER = "order"
    CORRECT = "correct"
    PROPOSE = "propose"
    REQUEST_HEARING = "request_hearing"
    HOLD_HEARING = "hold_hearing"
    DECIDE = "decide"
    PAY = "pay"
    APPEAL = "appeal"
    CLOSE = "close"


S, A = CaseState, Action
TRANSITIONS: dict[tuple[CaseState, Action], CaseState] = {
    (S.OPENED, A.ORDER): S.ORDERED,
    (S.OPENED, A.PROPOSE): S.PROPOSED,  # serious from the start (情节严重)
    (S.ORDERED, A.CORRECT): S.CORRECTED,
    (S.ORDERED, A.PROPOSE): S.PROPOSED,
    (S.CORRECTED, A.CLOSE): S.CLOSED,
    (S.CORRECTED, A.PROPOSE): S.PROPOSED,  # corrected, but serious: the serious range still applies
    (S.PROPOSED, A.REQUEST_HEARING): S.HEARING,
    (S.PROPOSED, A.DECIDE): S.DECIDED,
    (S.HEARING, A.HOLD_HEARING): S.HEARD,
    (S.HEARD, A.DECIDE): S.DECIDED,
    (S.DECIDED, A.PAY): S.PAID,
    (S.DECIDED, A.APPEAL): S.APPEALED,
    (S.APPEALED, A.PAY): S.PAID,
    (S.APPEALED, A.CLOSE): S.CLOSED,
    (S.PAID, A.CLOSE): S.CLOSED,
}
STATE_LABELS = {
    S.OPENED: ("已立案", "Opened"),
    S.ORDERED: ("已责令改正并警告", "Ordered to correct, warned"),
    S.CORRECTED: ("已改正", "Corrected"),
    S.PROPOSED: ("已告知拟处罚", "Penalty proposed"),
    S.HEARING: ("已申请听证", "Hearing requested"),
    S.HEARD: ("已听证", "Heard"),
    S.DECIDED: ("已作出处罚决定", "Decided"),
    S.PAID: ("已缴纳", "Paid"),
    S.APPEALED: ("复议或诉讼中", "Under review or appeal"),
    S.CLOSED: ("已结案", "Closed"),
}


def step(state: CaseState, action: Action) -> CaseState:
    """The next state; Conflict (changing nothing) when `action` is not open in `state`."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise Conflict(
            f"案件处于「{STATE_LABELS[state][0]}」，不能执行「{action}」",
            f"A case that is {state} cannot take the action {action}",
            field="state",
            code="invalid_transition",
        ) from None


def check_circumstance(rule: Rule, circumstance: Circumstance, state: CaseState, overdue: bool) -> None:
    """逾期不改正 only after an order to correct whose deadline passed uncorrected (Art 40¶2, 41)."""
    if circumstance is Circumstance.NOT_CORRECTED and not (state is CaseState.ORDERED and overdue):
        raise Conflict(
            f"「逾期不改正」须在责令改正期限届满且未改正后适用（{rule.cited}）",
            f"'Not corrected' applies only once the deadline to correct has passed uncorrected ({rule.id})",
            field="circumstance",
            code="not_yet_overdue",
        )
