"""Organisations, roles and the rules of access: pure, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fanzha.core.errors import AccountLocked, PermissionDenied, ValidationFailed


class OrgKind(StrEnum):
    """Kinds of organisation; police units carry their level in the region tree (Art 4)."""

    POLICE_PROVINCE = "police_province"
    POLICE_CITY = "police_city"
    POLICE_COUNTY = "police_county"
    POLICE_TOWNSHIP = "police_township"
    BANK = "bank"
    PAYMENT = "payment"
    TELECOM = "telecom"
    INTERNET = "internet"
    REGULATOR = "regulator"
    TELECOM_AUTHORITY = "telecom_authority"
    CYBERSPACE = "cyberspace"
    # Art 37: the justice department notifies the police of persons released after fraud-related sentences.
    JUSTICE = "justice"
    # Art 27¶2: the sectors beyond finance, telecom and internet that share fraud samples (SHARING_BASIS).
    MEDICAL = "medical"
    EDUCATION = "education"
    LOGISTICS = "logistics"
    TRANSPORT = "transport"
    PUBLIC_SERVICE = "public_service"

    @property
    def is_police(self) -> bool:
        """True for anti-fraud centres at any level."""
        return self.value.startswith("police_")

    @property
    def is_department(self) -> bool:
        """True for the telecom department and the cyberspace administration (Art 20¶2, 23¶2)."""
        return self in DEPARTMENT_KINDS

    @property
    def is_institution(self) -> bool:
        """True for the institutions that receive samples and orders."""
        return self in INSTITUTION_KINDS

    @property
    def is_sharing(self) -> bool:
        """True for the Art 27¶2 sectors that share samples and receive the feed (and nothing else)."""
        return self in SHARING_KINDS


INSTITUTION_KINDS = frozenset({OrgKind.BANK, OrgKind.PAYMENT, OrgKind.TELECOM, OrgKind.INTERNET})
# Art 20¶2 (公安机关、电信主管部门要求), Art 23¶2 (公安、电信、网信等部门应当通知): the departments
# that order re-verification of associated accounts and the blocking of unlicensed sites and apps.
DEPARTMENT_KINDS = frozenset({OrgKind.TELECOM_AUTHORITY, OrgKind.CYBERSPACE})
# Art 27¶2: the platform shares fraud samples with these sectors too; they contribute their users' reports
# and receive the feed, but get no orders, funds, credit checks or scorecards (those duties are Art 10-23).
SHARING_BASIS = (
    "第二十七条第二款",
    "推进金融、电信、互联网、医疗、教育、快递物流、交通运输、公共服务等行业领域涉诈样本信息数据共享",
)
SHARING_KINDS = frozenset(
    {OrgKind.MEDICAL, OrgKind.EDUCATION, OrgKind.LOGISTICS, OrgKind.TRANSPORT, OrgKind.PUBLIC_SERVICE}
)

ORG_KIND_LABELS: dict[OrgKind, tuple[str, str]] = {
    OrgKind.POLICE_PROVINCE: ("省级反诈中心", "Provincial anti-fraud centre"),
    OrgKind.POLICE_CITY: ("市级反诈中心", "City anti-fraud centre"),
    OrgKind.POLICE_COUNTY: ("县级反诈中心", "County anti-fraud centre"),
    OrgKind.POLICE_TOWNSHIP: ("乡镇派出所", "Township police station"),
    OrgKind.BANK: ("银行", "Bank"),
    OrgKind.PAYMENT: ("支付机构", "Payment institution"),
    OrgKind.TELECOM: ("电信业务经营者", "Telecom operator"),
    OrgKind.INTERNET: ("互联网服务提供者", "Internet platform"),
    OrgKind.REGULATOR: ("行业主管部门", "Regulator"),
    OrgKind.TELECOM_AUTHORITY: ("通信管理局", "Telecom administration"),
    OrgKind.CYBERSPACE: ("网信办", "Cyberspace administration"),
    OrgKind.JUSTICE: ("司法行政部门", "Justice department"),
    OrgKind.MEDICAL: ("医疗机构", "Medical institution"),
    OrgKind.EDUCATION: ("教育机构", "Education institution"),
    OrgKind.LOGISTICS: ("快递物流企业", "Express and logistics company"),
    OrgKind.TRANSPORT: ("交通运输企业", "Transport company"),
    OrgKind.PUBLIC_SERVICE: ("公共服务单位", "Public service unit"),
}

# Region codes follow GB/T 2260 (6 digits) and, for townships, 9 digits.
_REGION_DIGITS = {
    OrgKind.POLICE_PROVINCE: 6,
    OrgKind.POLICE_CITY: 6,
    OrgKind.POLICE_COUNTY: 6,
    OrgKind.POLICE_TOWNSHIP: 9,
}


class Role(StrEnum):
    """Roles; the three administrators are kept apart (graded protection level 3)."""

    PLATFORM_ADMIN = "platform_admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"
    ANALYST = "analyst"
    COMMANDER = "commander"
    INSTITUTION_OPERATOR = "institution_operator"
    INSTITUTION_ADMIN = "institution_admin"
    # Art 4¶2, 28¶2: the county dissuasion desk (96110) and the township's grid workers (fanzha.warnings).
    DESK_OFFICER = "desk_officer"
    GRID_WORKER = "grid_worker"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.PLATFORM_ADMIN: ("系统管理员", "Platform administrator"),
    Role.SECURITY_ADMIN: ("安全管理员", "Security administrator"),
    Role.AUDIT_ADMIN: ("审计管理员", "Audit administrator"),
    Role.ANALYST: ("研判分析员", "Analyst"),
    Role.COMMANDER: ("指挥员", "Commander"),
    Role.INSTITUTION_OPERATOR: ("机构操作员", "Institution operator"),
    Role.INSTITUTION_ADMIN: ("机构管理员", "Institution administrator"),
    Role.DESK_OFFICER: ("劝阻专席民警", "Dissuasion desk officer"),
    Role.GRID_WORKER: ("网格员", "Grid worker"),
}

POLICE_ROLES = frozenset({Role.ANALYST, Role.COMMANDER})
WARNING_ROLES = frozenset({Role.DESK_OFFICER, Role.GRID_WORKER})
INSTITUTION_ROLES = frozenset({Role.INSTITUTION_OPERATOR, Role.INSTITUTION_ADMIN})
ADMIN_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class Permission(StrEnum):
    """What an endpoint demands; each role holds a fixed set (least privilege)."""

    HOME = "home"
    ORG_READ = "org.read"
    ORG_MANAGE = "org.manage"
    USER_READ = "user.read"
    USER_MANAGE = "user.manage"
    USER_SECURITY = "user.security"
    APIKEY_MANAGE = "apikey.manage"
    APIKEY_ISSUE = "apikey.issue"
    APPROVAL_READ = "approval.read"
    ROLE_APPROVE = "role.approve"
    AUDIT_READ = "audit.read"
    SAMPLE_READ = "sample.read"
    SAMPLE_PUBLISH = "sample.publish"
    SAMPLE_DECIDE = "sample.decide"
    SAMPLE_LOOKUP = "sample.lookup"
    SUBSCRIPTION_MANAGE = "subscription.manage"
    ORDER_READ = "order.read"
    ORDER_ISSUE = "order.issue"
    ORDER_RECEIPT = "order.receipt"
    HOLDING_MANAGE = "holding.manage"
    APPEAL_DECIDE = "appeal.decide"
    ROUTING_MANAGE = "routing.manage"
    DETECT_RUN = "detect.run"
    DETECT_READ = "detect.read"
    FUNDS_WORK = "funds.work"
    FUNDS_APPROVE = "funds.approve"
    FUNDS_RECEIPT = "funds.receipt"
    PUBLICITY_WORK = "publicity.work"
    LEAK_WORK = "leaks.work"
    CREDIT_PROPOSE = "credit.propose"
    CREDIT_APPROVE = "credit.approve"
    CREDIT_READ = "credit.read"
    CREDIT_CHECK = "credit.check"
    CREDIT_NOTIFY = "credit.notify"
    OVERSIGHT_READ = "oversight.read"
    OVERSIGHT_SCORECARD = "oversight.scorecard"
    OVERSIGHT_PUBLISH = "oversight.publish"
    ACCOUNTABILITY_READ = "accountability.read"
    ACCOUNTABILITY_WORK = "accountability.work"
    ACCOUNTABILITY_OWN = "accountability.own"
    TIP_WORK = "tip.work"
    TIP_APPROVE = "tip.approve"
    WARNING_SIGNAL = "warnings.signal"
    WARNING_DESK = "warnings.desk"
    WARNING_TASK = "warnings.task"


_P = Permission
SAMPLE_WORK = frozenset({_P.SAMPLE_READ, _P.SAMPLE_PUBLISH, _P.SAMPLE_LOOKUP})
# Art 28¶1, 34: police issue orders and decide appeals; institutions answer orders with receipts.
POLICE_DISPOSAL = frozenset({_P.ORDER_READ, _P.ORDER_ISSUE, _P.APPEAL_DECIDE})
# Art 18, 20¶2: institutions declare who holds the objects they serve, so orders reach the same person's
# accounts elsewhere (fanzha.disposal.holdings); each sees and changes only its own declarations.
INSTITUTION_DISPOSAL = frozenset({_P.ORDER_READ, _P.ORDER_RECEIPT, _P.HOLDING_MANAGE})
# Art 27: the centres run big-data monitoring; institutions run the engines of their own sector's duty
# (Art 10-14, 16-18, 20-23) on their own data (fanzha.detect.runs) and never see another's runs.
DETECTION = frozenset({_P.DETECT_RUN, _P.DETECT_READ})
# Art 19, 35: police units handle case funds; freezes are approved by the head of a county-level or
# higher unit (commanders; the level is checked in fanzha.funds); banks and payment institutions answer.
POLICE_FUNDS = frozenset({_P.FUNDS_WORK})
INSTITUTION_FUNDS = frozenset({_P.FUNDS_RECEIPT})
# Art 7-8: police analysts and commanders target publicity at the groups most at risk; Art 26: they
# follow leads on which shop, courier or platform leaked the victims' personal information.
POLICE_PREVENTION = frozenset({_P.PUBLICITY_WORK, _P.LEAK_WORK})
# Art 29: police keep the serious-dishonesty list (commanders approve; the level is checked in
# fanzha.credit); institutions only ask whether a person is listed, at the counter (Art 10, 17).
POLICE_CREDIT = frozenset({_P.CREDIT_PROPOSE, _P.CREDIT_READ})
INSTITUTION_CREDIT = frozenset({_P.CREDIT_CHECK})
# Art 37: a justice department's analyst (or system) notifies releases; fanzha.credit accepts it from a
# justice department only, and the notice reveals nothing back.
RELEASE_NOTICES = frozenset({_P.CREDIT_NOTIFY})
# Art 24, 25: police (by region) and regulators (by sector, as analysts) read the indicators; everyone
# working in the area reads a scorecard (an institution its own only); commanders publish notifications
# (the provincial centre's only, checked in fanzha.oversight.notifications).
OVERSIGHT = frozenset({_P.OVERSIGHT_READ, _P.OVERSIGHT_SCORECARD})
INSTITUTION_OVERSIGHT = frozenset({_P.OVERSIGHT_SCORECARD})
# Art 5, 24, 36, 39-41: police and regulators (analysts, commanders) interview, supervise, inspect and decide
# penalties (the competent department per article, checked in fanzha.accountability); institutions read
# their own items and answer them (progress, replies, hearing requests, internal controls).
ACCOUNTABILITY = frozenset({_P.ACCOUNTABILITY_READ, _P.ACCOUNTABILITY_WORK})
INSTITUTION_ACCOUNTABILITY = frozenset({_P.ACCOUNTABILITY_READ, _P.ACCOUNTABILITY_OWN})
# Art 38: police units handle tips (the handling officer alone opens the sealed reporter, checked in
# fanzha.tips); commanders approve rewards and record commendations.
POLICE_TIPS = frozenset({_P.TIP_WORK})
# Art 28¶2, 4¶2: institutions and police send signals; the police desk works the county's warnings; grid
# workers take the visits of their own grid only (checked in fanzha.warnings).
WARNING_SIGNALS = frozenset({_P.WARNING_SIGNAL})
WARNING_DESK = frozenset({_P.WARNING_SIGNAL, _P.WARNING_DESK, _P.WARNING_TASK})
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # 三员分立 (graded protection level 3): the platform administrator keeps accounts and organisations but
    # never sets a password, and asks the security administrator to approve any administrator role; the
    # security administrator locks, resets (a code goes to the user, not to them), revokes keys and approves
    # administrator roles, but issues no key and creates no one; neither holds an operational permission.
    Role.PLATFORM_ADMIN: frozenset(
        {
            _P.HOME,
            _P.ORG_READ,
            _P.ORG_MANAGE,
            _P.USER_READ,
            _P.USER_MANAGE,
            _P.ROUTING_MANAGE,
            _P.APPROVAL_READ,
        }
    ),
    Role.SECURITY_ADMIN: frozenset(
        {
            _P.HOME,
            _P.ORG_READ,
            _P.USER_READ,
            _P.USER_SECURITY,
            _P.APIKEY_MANAGE,
            _P.APPROVAL_READ,
            _P.ROLE_APPROVE,
        }
    ),
    Role.AUDIT_ADMIN: frozenset({_P.HOME, _P.AUDIT_READ}),
    Role.ANALYST: frozenset(
        {_P.HOME, _P.ORG_READ, _P.SAMPLE_DECIDE, _P.SUBSCRIPTION_MANAGE}
        | SAMPLE_WORK
        | POLICE_DISPOSAL
        | DETECTION
        | POLICE_FUNDS
        | POLICE_PREVENTION
        | POLICE_CREDIT
        | RELEASE_NOTICES
        | OVERSIGHT
        | ACCOUNTABILITY
        | POLICE_TIPS
        | WARNING_DESK
    ),
    # The commander answers for the unit: its systems' API keys come from the commander, for the unit only.
    Role.COMMANDER: frozenset(
        {
            _P.HOME,
            _P.ORG_READ,
            _P.USER_READ,
            _P.SAMPLE_DECIDE,
            _P.APIKEY_ISSUE,
            _P.APIKEY_MANAGE,
            _P.FUNDS_APPROVE,
            _P.CREDIT_APPROVE,
            _P.OVERSIGHT_PUBLISH,
            _P.TIP_APPROVE,
        }
        | SAMPLE_WORK
        | POLICE_DISPOSAL
        | DETECTION
        | POLICE_FUNDS
        | POLICE_PREVENTION
        | POLICE_CREDIT
        | OVERSIGHT
        | ACCOUNTABILITY
        | POLICE_TIPS
        | WARNING_DESK
    ),
    Role.DESK_OFFICER: frozenset({_P.HOME} | WARNING_DESK),
    Role.GRID_WORKER: frozenset({_P.HOME, _P.WARNING_TASK}),
    Role.INSTITUTION_OPERATOR: frozenset(
        {_P.HOME}
        | SAMPLE_WORK
        | INSTITUTION_DISPOSAL
        | DETECTION
        | INSTITUTION_FUNDS
        | INSTITUTION_CREDIT
        | INSTITUTION_OVERSIGHT
        | INSTITUTION_ACCOUNTABILITY
        | WARNING_SIGNALS
    ),
    Role.INSTITUTION_ADMIN: frozenset(
        {_P.HOME, _P.USER_READ, _P.USER_MANAGE, _P.APIKEY_ISSUE, _P.APIKEY_MANAGE, _P.SUBSCRIPTION_MANAGE}
        | SAMPLE_WORK
        | INSTITUTION_DISPOSAL
        | DETECTION
        | INSTITUTION_FUNDS
        | INSTITUTION_CREDIT
        | INSTITUTION_OVERSIGHT
        | INSTITUTION_ACCOUNTABILITY
        | WARNING_SIGNALS
    ),
}

# Art 27¶2: what a sharing sector's operator or administrator may do, whatever the role holds elsewhere:
# the sample library (contribute, read, look up, the feed and its subscriptions) and its own users and keys.
SHARING_PERMISSIONS = frozenset(
    {_P.HOME, _P.USER_READ, _P.USER_MANAGE, _P.APIKEY_ISSUE, _P.APIKEY_MANAGE, _P.SUBSCRIPTION_MANAGE}
    | SAMPLE_WORK
)

# Roles whose scope is the whole platform; every other role sees its own organisation only.
PLATFORM_WIDE = frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Permissions that act on fraud cases, samples, orders or appeals: no administrator may hold one.
OPERATIONAL = frozenset(
    {_P.SAMPLE_DECIDE, _P.SUBSCRIPTION_MANAGE, _P.APIKEY_ISSUE, _P.FUNDS_APPROVE, _P.CREDIT_APPROVE}
    | SAMPLE_WORK
    | POLICE_DISPOSAL
    | INSTITUTION_DISPOSAL
    | DETECTION
    | POLICE_FUNDS
    | INSTITUTION_FUNDS
    | POLICE_CREDIT
    | INSTITUTION_CREDIT
    | RELEASE_NOTICES
    | OVERSIGHT
    | {_P.OVERSIGHT_PUBLISH}
    | ACCOUNTABILITY
    | INSTITUTION_ACCOUNTABILITY
    | POLICE_TIPS
    | {_P.TIP_APPROVE}
    | WARNING_DESK
)
# Who issues an organisation's API keys, for that organisation only: its own responsible person.
KEY_ISSUERS = frozenset({Role.INSTITUTION_ADMIN, Role.COMMANDER})
# What an issuer may add to a key beyond its role, if the issuer holds it: an institution's system
# subscribes to sample changes itself (issue 21 item 6).
KEY_GRANTS = frozenset({_P.SUBSCRIPTION_MANAGE})


def key_issuer(kind: OrgKind) -> Role:
    """The role that issues an organisation's keys: its administrator, or a police unit's commander."""
    return Role.INSTITUTION_ADMIN if kind.is_institution or kind.is_sharing else Role.COMMANDER


def check_grants(issuer: Principal, grants: frozenset[Permission]) -> None:
    """Refuse grants a key may not carry, or that the issuer does not hold itself."""
    for grant in sorted(grants):
        if grant not in KEY_GRANTS:
            raise ValidationFailed(
                f"API 密钥不能被授予「{grant}」，只能授予：{'、'.join(sorted(KEY_GRANTS))}",
                f"An API key cannot be granted {grant}; only {', '.join(sorted(KEY_GRANTS))}",
                field="grants",
            )
        if not issuer.can(grant):
            raise PermissionDenied(
                f"您本人没有「{grant}」权限，不能授予密钥",
                f"You do not hold {grant}, so you cannot grant it",
                field="grants",
            )


def key_grants(stored: str) -> frozenset[Permission]:
    """A key's stored grants, keeping only what keys may still carry."""
    return frozenset(Permission(g) for g in stored.split(",") if g in KEY_GRANTS)


def key_role(kind: OrgKind) -> Role:
    """The role an organisation's system acts with: an operator for institutions, an analyst for police."""
    return Role.INSTITUTION_OPERATOR if kind.is_institution or kind.is_sharing else Role.ANALYST


def needs_approval(old: Role | None, new: Role) -> bool:
    """Creating an administrator, or moving anyone into or out of one, takes a second administrator."""
    return new in ADMIN_ROLES or (old is not None and old in ADMIN_ROLES and old != new)


def may_grant(actor: Role, role: Role) -> bool:
    """Whether `actor` may give `role` at all (directly, or by asking for approval)."""
    if actor is Role.PLATFORM_ADMIN:
        return True
    if actor is Role.INSTITUTION_ADMIN:
        return role in INSTITUTION_ROLES
    return False


@dataclass(frozen=True)
class Principal:
    """Who is acting: a logged-in user or an institution's system with an API key."""

    user_id: int | None
    username: str
    org_id: int
    org_kind: OrgKind
    role: Role
    api_key_id: int | None = None
    source_ip: str = ""
    grants: frozenset[Permission] = frozenset()  # an API key's permissions beyond its role (KEY_GRANTS)

    def can(self, permission: Permission) -> bool:
        """Whether the role (or the key's grants) holds `permission` (a sharing sector: Art 27¶2 only)."""
        held = permission in ROLE_PERMISSIONS[self.role] or permission in self.grants
        return held and (not self.org_kind.is_sharing or permission in SHARING_PERMISSIONS)

    def require(self, permission: Permission) -> None:
        """Raise PermissionDenied unless the role holds `permission`."""
        if not self.can(permission):
            raise PermissionDenied(field=str(permission))

    def sees_org(self, org_id: int) -> bool:
        """Whether this principal may see another organisation's private records."""
        return self.role in PLATFORM_WIDE or org_id == self.org_id


def roles_allowed_for(kind: OrgKind) -> frozenset[Role]:
    """Which roles a user of an organisation of `kind` may hold."""
    if kind.is_police:
        # Platform administration sits with the provincial centre only.
        return (
            POLICE_ROLES | WARNING_ROLES | (ADMIN_ROLES if kind is OrgKind.POLICE_PROVINCE else frozenset())
        )
    if kind.is_institution or kind.is_sharing:
        return INSTITUTION_ROLES
    # Regulators read statistics; the telecom and cyberspace departments also issue orders (Art 20¶2, 23¶2).
    return frozenset({Role.ANALYST})


def check_role_fits_org(role: Role, kind: OrgKind) -> None:
    """Refuse a role that does not belong in this kind of organisation."""
    if role not in roles_allowed_for(kind):
        raise ValidationFailed(
            f"角色「{ROLE_LABELS[role][0]}」不适用于「{ORG_KIND_LABELS[kind][0]}」",
            f"Role {role} is not allowed in an organisation of kind {kind}",
            field="role",
        )


def check_region_code(kind: OrgKind, region_code: str | None) -> None:
    """Police units need a region code of the right length; others may omit it."""
    digits = _REGION_DIGITS.get(kind)
    if digits is None:
        if region_code and not re.fullmatch(r"\d{6}|\d{9}", region_code):
            raise ValidationFailed(
                "行政区划代码应为 6 或 9 位数字",
                "Region code must be 6 or 9 digits",
                field="region_code",
            )
        return
    if not region_code or not re.fullmatch(rf"\d{{{digits}}}", region_code):
        raise ValidationFailed(
            f"公安单位须填写 {digits} 位行政区划代码",
            f"A police unit needs a {digits}-digit region code",
            field="region_code",
        )


USERNAME_RE = re.compile(r"[a-z][a-z0-9_.-]{2,31}")


def check_username(username: str) -> str:
    """Lower-case log-in names of 3-32 characters."""
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise ValidationFailed(
            "用户名须为 3-32 位小写字母、数字或 _.-，以字母开头",
            "Username must be 3-32 lower-case letters, digits or _.-, starting with a letter",
            field="username",
        )
    return name


def check_password_strength(password: str) -> None:
    """At least 12 characters from three of four classes (GB/T 22239 level 3 practice)."""
    classes = sum(
        bool(re.search(pattern, password)) for pattern in (r"[a-z]", r"[A-Z]", r"\d", r"[^a-zA-Z\d]")
    )
    if len(password) < 12 or classes < 3:
        raise ValidationFailed(
            "密码至少 12 位，且包含大写、小写、数字、符号中的三类",
            "Password needs 12+ characters from three of: upper, lower, digit, symbol",
            field="password",
        )


@dataclass(frozen=True)
class LockoutPolicy:
    """Lock a (user, address) pair after repeated failures, doubling the pause with each further failure."""

    max_failures: int
    lock_for: timedelta
    max_lock: timedelta = timedelta(hours=24)

    def check_not_locked(self, locked_until: datetime | None, now: datetime) -> None:
        """Raise AccountLocked while the lock lasts."""
        if locked_until is not None and locked_until > now:
            raise AccountLocked(field="username")

    def after_failure(self, failures: int, now: datetime) -> tuple[int, datetime | None]:
        """The new failure count and the lock end, if this failure locks the account."""
        failures += 1
        if failures < self.max_failures:
            return failures, None
        # Back-off: 1×, 2×, 4× … the pause, capped, so a guesser at one address slows to a crawl.
        doublings = min(failures - self.max_failures, 16)
        return failures, now + min(self.lock_for * (2**doublings), self.max_lock)


@dataclass(frozen=True)
class SessionPolicy:
    """Idle and absolute session time-outs."""

    idle: timedelta
    absolute: timedelta

    def is_alive(self, created: datetime, last_seen: datetime, now: datetime) -> bool:
        """Whether a session may still be used."""
        return now - last_seen < self.idle and now - created < self.absolute
