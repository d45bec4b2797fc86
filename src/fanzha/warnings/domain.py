"""Warning rules, pure: signals graded, joined into episodes, routed to SMS, call or visit, with deadlines.

Art 28¶2 asks the police to dissuade potential victims "根据风险高低，及时采取电话、短信、上门见面等方式";
Art 4¶2 puts townships and streets' grid workers beside them (协助有关部门依法做好预警劝阻); Art 18¶4 lets a
bank delay a transfer to a fraud account at once. These functions decide; fanzha.warnings.service acts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fanzha.core.errors import Conflict, ValidationFailed

# The articles, each with the phrase it is cited for (the tests find each phrase in the shipped text).
BASIS_28 = ("第二十八条第二款", "根据风险高低，及时采取电话、短信、上门见面等方式进行劝阻")
BASIS_4 = ("第四条第二款", "协助有关部门依法做好预警劝阻")
BASIS_18_4 = ("第十八条第四款", "有权直接采取延迟支付结算")
BASIS_AFL_34 = ("第三十四条", "建立预警劝阻系统")  # the national law (AFL 34), the system itself
# Extra-high (a setting, FANZHA_WARNING_EXTRA_HIGH): someone mid-payment to a fraud account. The call,
# the visit and the bank's delay go at once, not one after another: Art 28¶2 lists 电话 and 上门见面
# together, and Art 18¶4 lets the bank delay "直接" (at once), without waiting for the call to fail.
BASIS_EXTRA_HIGH = (BASIS_28, BASIS_18_4, BASIS_4)
# Refused to believe → the family: Art 28¶2 asks to dissuade by 电话、短信、上门见面 "等方式" (and other
# ways); the family or emergency contact the person registered is such a way (issue 23, item 5).
BASIS_FAMILY = ("第二十八条第二款", "等方式进行劝阻")
CITATIONS = (BASIS_28, BASIS_4, BASIS_18_4, BASIS_FAMILY)


class WarningLevel(StrEnum):
    """Risk grades of the four-tier warning flow (extra-high is a setting: off, it maps onto high)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    EXTRA_HIGH = "extra_high"


Level = WarningLevel  # the short name inside the package; the long one names the API schema


RANK = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2, Level.EXTRA_HIGH: 3}
LEVEL_LABELS = {
    Level.LOW: ("低", "Low"),
    Level.MEDIUM: ("中", "Medium"),
    Level.HIGH: ("高", "High"),
    Level.EXTRA_HIGH: ("特高", "Extra-high"),
}


def at_least_high(level: Level) -> bool:
    """High or extra-high: a call within minutes, a visit and a bank delay when it is not settled."""
    return RANK[level] >= RANK[Level.HIGH]


def higher(a: Level, b: Level | None) -> Level:
    """The higher of two levels (None counts as lower than any)."""
    return a if b is None or RANK[a] >= RANK[b] else b


class WarningSignalKind(StrEnum):
    """Where a sign that a person is being defrauded comes from (issue 23, item 1)."""

    PV_ALERT = "pv_alert"  # PotentialVictimV1 (fanzha.detect), Art 28
    SAMPLE_CONTACT = "sample_contact"  # 12381: in contact with a sample number, URL, app or account
    PAYEE_CHECK = "payee_check"  # Art 18¶4: the payer of a transfer delayed by the payee check
    INSTITUTION_REPORT = "institution_report"  # a teller or risk team sees a customer mid-scam
    TIP = "tip"  # a report from the public (Art 30-32)
    CALL_96110 = "call_96110"  # a call to the 96110 line, logged by a desk officer


SignalKind = WarningSignalKind  # the short name inside the package; the long one names the API schema


SIGNAL_LABELS: dict[SignalKind, tuple[str, str]] = {
    SignalKind.PV_ALERT: ("潜在受害人预警", "Potential-victim alert"),
    SignalKind.SAMPLE_CONTACT: ("与涉诈号码有联系", "In contact with a fraud number"),
    SignalKind.PAYEE_CHECK: ("向涉诈账户转账被延迟", "Transfer to a fraud account delayed"),
    SignalKind.INSTITUTION_REPORT: ("机构报告", "Institution report"),
    SignalKind.TIP: ("群众举报", "Tip"),
    SignalKind.CALL_96110: ("96110 来电", "96110 call"),
}


class WarningChannel(StrEnum):
    """How a person is reached (Art 28¶2: 电话、短信、上门见面)."""

    SMS = "sms"
    CALL = "call"
    VISIT = "visit"
    FAMILY = "family"  # a call to the family contact the person registered, by the county desk


Channel = WarningChannel  # the short name inside the package; the long one names the API schema


class WarningOutcome(StrEnum):
    """What a call or visit achieved (issue 23, item 5)."""

    DISSUADED = "dissuaded"
    ALREADY_PAID = "already_paid"
    UNREACHABLE = "unreachable"
    REFUSED = "refused_to_believe"
    FALSE_ALARM = "false_alarm"


Outcome = WarningOutcome  # the short name inside the package; the long one names the API schema


OUTCOME_LABELS: dict[Outcome, tuple[str, str]] = {
    Outcome.DISSUADED: ("劝阻成功（未付款）", "Dissuaded before paying"),
    Outcome.ALREADY_PAID: ("已被骗付款", "Already paid"),
    Outcome.UNREACHABLE: ("联系不上", "Unreachable"),
    Outcome.REFUSED: ("不相信、仍坚持", "Refused to believe"),
    Outcome.FALSE_ALARM: ("误报", "False alarm"),
}


@dataclass(frozen=True)
class Signal:
    """One sign about one person (a keyed ID token), with what the source knows."""

    kind: SignalKind
    person_token: str
    at: datetime
    level_hint: Level | None = None
    still_paying: bool = False  # an institution sees the payment going on
    contacts: int = 1  # 12381 lists: contacts with the number in the last N days
    longest_call_s: int = 0
    contact_tail: str = ""  # last 4 digits of the fraud number or account (shown in the SMS)


@dataclass(frozen=True)
class Grade:
    """A signal's level and the reasons, in Chinese and English."""

    level: Level
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]


LONG_CALL_S = 300  # as PotentialVictimV1: a call this long means the person listened to the script
REPEATED = 3


def grade(s: Signal, extra_high: bool = False) -> Grade:
    """The level of one signal; with extra-high on, paying a fraud account right now is extra-high."""
    g = _grade(s)
    paying = s.still_paying and s.kind in (SignalKind.PAYEE_CHECK, SignalKind.INSTITUTION_REPORT)
    if extra_high and (paying or g.level is Level.EXTRA_HIGH):
        zh = (
            "特高风险：正在向涉诈账户付款，电话、上门和银行延迟支付结算同时进行"
            "（第二十八条第二款、第十八条第四款）"
        )
        en = "Extra-high: paying a fraud account now; call, visit and bank delay at once (Art 28¶2, 18¶4)"
        return Grade(Level.EXTRA_HIGH, (*g.reasons_zh, zh), (*g.reasons_en, en))
    if g.level is Level.EXTRA_HIGH:  # the setting is off: extra-high maps onto high
        return Grade(Level.HIGH, g.reasons_zh, g.reasons_en)
    return g


def _grade(s: Signal) -> Grade:
    """The level of one signal by its kind and facts; a hint may raise a rule's level, never lower it."""
    tail = f"（尾号{s.contact_tail}）" if s.contact_tail else ""
    if s.kind is SignalKind.PAYEE_CHECK:
        return Grade(
            Level.HIGH,
            (f"正在向涉诈账户{tail}转账，银行已依照第十八条第四款延迟结算",),
            ("Paying a fraud account; the bank delayed settlement (Art 18¶4)",),
        )
    if s.kind is SignalKind.PV_ALERT:
        if s.level_hint is None:
            raise ValidationFailed("潜在受害人预警须带风险等级", "An alert needs its level", field="level")
        zh, en = LEVEL_LABELS[s.level_hint]
        return Grade(
            s.level_hint,
            (f"潜在受害人识别评为{zh}风险",),
            (f"PotentialVictimV1 graded the person {en.lower()} risk",),
        )
    if s.kind is SignalKind.SAMPLE_CONTACT:
        engaged = s.longest_call_s >= LONG_CALL_S or s.contacts >= REPEATED
        level = higher(Level.MEDIUM if engaged else Level.LOW, s.level_hint)
        zh = f"与涉诈号码{tail}联系{s.contacts}次" + (
            f"，最长通话{s.longest_call_s // 60}分钟" if s.longest_call_s else ""
        )
        return Grade(level, (zh,), (f"{s.contacts} contact(s) with a fraud number",))
    if s.kind is SignalKind.INSTITUTION_REPORT:
        level = higher(Level.HIGH if s.still_paying else Level.MEDIUM, s.level_hint)
        zh = "机构发现客户正在被骗付款" if s.still_paying else "机构发现客户疑似被骗"
        return Grade(level, (zh,), ("An institution reports a customer mid-scam",))
    if s.kind is SignalKind.TIP:
        return Grade(higher(Level.MEDIUM, s.level_hint), ("群众举报有人疑似被骗",), ("A tip names a person",))
    # A 96110 call: the desk officer grades what the caller said (medium unless said otherwise).
    level = s.level_hint or Level.MEDIUM
    return Grade(level, ("96110 来电反映疑似被骗",), ("A 96110 call reports a person being defrauded",))


# --- Episodes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """An episode's first and last signal times."""

    id: int
    first: datetime
    last: datetime


def place(spans: Sequence[Span], at: datetime, window: timedelta) -> list[int]:
    """The episodes a signal at `at` joins: none (a new warning), one, or several to merge (earliest first).

    Signals less than `window` apart belong together (single linkage): an episode covers [first, last]
    and takes any signal within `window` of it, so the grouping is the same whatever order they came in.
    """
    near = [s for s in spans if s.first - window < at < s.last + window]
    return [s.id for s in sorted(near, key=lambda s: (s.first, s.id))]


def episodes(times: Sequence[datetime], window: timedelta) -> list[list[int]]:
    """The reference grouping: indices of `times` sorted, split where the gap reaches `window`."""
    order = sorted(range(len(times)), key=lambda i: times[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and times[i] - times[groups[-1][-1]] < window:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


# --- Routing and deadlines -------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    """Time allowed per contact (settings, FANZHA_WARNING_*), the episode window and the quiet period."""

    sms_s: int = 60
    medium_call_s: int = 30 * 60
    high_call_s: int = 5 * 60  # issue 23: a high warning is called within 5 minutes
    visit_s: int = 30 * 60  # and visited within 30 when the call does not settle it
    window_h: float = 72.0
    quiet_period_h: float = 30 * 24.0  # as fanzha.dissuasion.policy: one text a month at most
    extra_high: bool = False  # BASIS_EXTRA_HIGH: call, visit and bank delay at once for someone paying now

    def __post_init__(self) -> None:
        if min(self.sms_s, self.medium_call_s, self.high_call_s, self.visit_s) <= 0:
            raise ValueError("deadlines must be positive")
        if self.window_h <= 0 or self.quiet_period_h < 0:
            raise ValueError("window must be positive, quiet period not negative")

    @property
    def window(self) -> timedelta:
        """Signals closer than this join one warning."""
        return timedelta(hours=self.window_h)

    @property
    def quiet(self) -> timedelta:
        """No second SMS to a person, nor a repeat warning at the same level, within this."""
        return timedelta(hours=self.quiet_period_h)

    def due(self, channel: Channel, level: Level) -> timedelta:
        """Art 28¶2 及时: time allowed to make a contact of `channel` for a warning at `level`."""
        if channel is Channel.SMS:
            return timedelta(seconds=self.sms_s)
        if channel is Channel.VISIT:
            return timedelta(seconds=self.visit_s)
        if channel is Channel.FAMILY:
            return timedelta(seconds=self.high_call_s)  # someone still believing the script: at once
        return timedelta(seconds=self.high_call_s if at_least_high(level) else self.medium_call_s)


def at_once(level: Level) -> Next:
    """What goes with the first call: at extra-high, the visit and the bank delay too (BASIS_EXTRA_HIGH)."""
    return Next(visit=True, bank_delay=True) if level is Level.EXTRA_HIGH else Next()


def first_contact(level: Level) -> Channel:
    """Art 28¶2 根据风险高低: low → SMS, medium → a call from the county desk, high → a call at once."""
    return Channel.SMS if level is Level.LOW else Channel.CALL


def contact_needed(level: Level, warned: Level | None) -> bool:
    """A new contact when the person was not warned within the quiet period, or only at a lower level."""
    return warned is None or RANK[level] > RANK[warned]


def may_sms(last_sms: datetime | None, now: datetime, quiet: timedelta) -> bool:
    """Never two texts to one person within the quiet period (issue 23: a warned person is not spammed)."""
    return last_sms is None or now - last_sms >= quiet


@dataclass(frozen=True)
class Contacted:
    """A person's last contact: the highest level warned, when, and the last SMS (for the quiet period)."""

    level: Level | None = None
    at: datetime | None = None
    last_sms: datetime | None = None


def decide(state: Contacted, level: Level, now: datetime, d: Deadlines) -> tuple[Channel | None, Contacted]:
    """The contact a warning at `level` gets now, if any, and the person's contact state after it."""
    warned = state.level if state.at is not None and now - state.at < d.quiet else None
    if not contact_needed(level, warned):
        return None, state
    channel = first_contact(level)
    if channel is Channel.SMS and not may_sms(state.last_sms, now, d.quiet):
        return None, state
    return channel, Contacted(level, now, now if channel is Channel.SMS else state.last_sms)


@dataclass(frozen=True)
class Next:
    """What follows a task's outcome or its missed deadline."""

    visit: bool = False
    bank_delay: bool = False
    close: bool = False
    release_delay: bool = False
    widen: bool = False  # a visit nobody took goes to every grid worker of the township
    family: bool = False  # refused to believe: the desk calls the family contact (BASIS_FAMILY)


def after_outcome(channel: Channel, level: Level, outcome: Outcome) -> Next:
    """Escalate or close: a high call not settled → visit and bank delay (Art 28¶2, 18¶4)."""
    if outcome in (Outcome.DISSUADED, Outcome.FALSE_ALARM):
        return Next(close=True, release_delay=True)
    if outcome is Outcome.ALREADY_PAID:
        return Next(close=True)  # the money is gone: fanzha.funds takes over; any delay stays until released
    refused = outcome is Outcome.REFUSED
    if channel is Channel.CALL:
        # Not reached or still believing the script: someone goes to the door; at high the bank delays too;
        # one who refuses to believe is escalated to their family as well.
        return Next(visit=True, bank_delay=at_least_high(level) or refused, family=refused)
    # A visit that did not settle it: the bank delays outgoing transfers; the family is called if the
    # person refused (the warning stays open for that call), else the warning closes on record.
    return Next(close=True, bank_delay=refused, family=refused and channel is Channel.VISIT)


def on_missed(channel: Channel, level: Level) -> Next:
    """A task not taken by its deadline: a high call becomes a visit and a bank delay; a visit widens."""
    if channel is Channel.CALL and at_least_high(level):
        return Next(visit=True, bank_delay=True)
    if channel is Channel.VISIT:
        return Next(widen=True)
    return Next()  # a medium call stays with the desk, shown overdue on the county board


# --- Tasks -----------------------------------------------------------------------------------------


class TaskStatus(StrEnum):
    """new → accepted → done; new → missed (deadline passed, escalated); open → cancelled (warning closed)."""

    NEW = "new"
    ACCEPTED = "accepted"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


TASK_LABELS: dict[TaskStatus, tuple[str, str]] = {
    TaskStatus.NEW: ("待接收", "New"),
    TaskStatus.ACCEPTED: ("处理中", "In progress"),
    TaskStatus.DONE: ("已完成", "Done"),
    TaskStatus.MISSED: ("超时未接收", "Missed"),
    TaskStatus.CANCELLED: ("已撤销", "Cancelled"),
}
_TS = TaskStatus
TASK_MOVES: dict[TaskStatus, frozenset[TaskStatus]] = {
    _TS.NEW: frozenset({_TS.ACCEPTED, _TS.MISSED, _TS.CANCELLED}),
    # A missed task can still be taken (the widened visit, the late call): it is shown as late.
    _TS.MISSED: frozenset({_TS.ACCEPTED, _TS.CANCELLED}),
    _TS.ACCEPTED: frozenset({_TS.DONE, _TS.CANCELLED}),
    _TS.DONE: frozenset(),
    _TS.CANCELLED: frozenset(),
}
OPEN_TASKS = frozenset({_TS.NEW, _TS.ACCEPTED, _TS.MISSED})


def move(current: TaskStatus, to: TaskStatus) -> TaskStatus:
    """One legal step of a task, or a clear refusal."""
    if to not in TASK_MOVES[current]:
        raise Conflict(
            f"任务状态为「{TASK_LABELS[current][0]}」，不能变为「{TASK_LABELS[to][0]}」",
            f"A task in state {current} cannot become {to}",
            field="status",
        )
    return to


def overdue(status: TaskStatus, due_at: datetime, now: datetime) -> bool:
    """Not yet taken when its deadline passed (the county board's overdue column)."""
    return status in (TaskStatus.NEW, TaskStatus.MISSED) and now >= due_at


# --- Regions (Art 4: townships and grids) ----------------------------------------------------------


def check_grid_code(code: str) -> str:
    """A grid: its township's 9-digit code and 3 digits of its own (Art 4¶2 网格化管理)."""
    if not (len(code) == 12 and code.isdigit() and code[9:] != "000"):
        raise ValidationFailed(
            "网格编码应为 12 位数字：乡镇（街道）9 位加网格 3 位",
            "A grid code has 12 digits: the township's 9 and the grid's 3",
            field="grid_code",
        )
    return code


def county_of_grid(code: str) -> str:
    """The county (6 digits) a grid or township lies in."""
    return code[:6]


def township_of_grid(code: str) -> str:
    """The township or street (9 digits) a grid lies in."""
    return code[:9]
