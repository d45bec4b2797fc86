"""Victims' money: stop-payment, freeze, verification and return, with the bounds the law sets. Pure."""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from fanzha.core.clock import SHANGHAI, as_utc
from fanzha.core.errors import Conflict, FanzhaError, PermissionDenied, ValidationFailed
from fanzha.funds.holidays import HOLIDAYS, WORKDAYS
from fanzha.funds.rules import RULES
from fanzha.identity.domain import OrgKind


def refuse(
    rule: str,
    field: str,
    detail_zh: str = "",
    detail_en: str = "",
    error: type[FanzhaError] = ValidationFailed,
) -> FanzhaError:
    """An error naming the rule and the article it rests on (nothing has changed when it is raised)."""
    r = RULES[rule]
    return error(
        f"{r.zh}（{r.cite_zh}）" + (f"：{detail_zh}" if detail_zh else ""),
        f"[{r.name}, {r.cite_en}] {r.en}" + (f": {detail_en}" if detail_en else ""),
        field=field,
    )


# Bounds -------------------------------------------------------------------------------------------

# National rules on emergency stop-payment (national law Art 20 leaves them to the Ministry): 48 hours,
# extendable once (REQUIREMENTS Art 19: "48 hours, at most twice").
STOP_TERM = timedelta(hours=48)
STOP_EXTENSIONS = 1
# Criminal procedure rules: a freeze lasts at most six months, each renewal at most six months.
FREEZE_TERM_MONTHS = 6
RELEASE_DAYS = 3  # Art 19¶2
NOTICE_DAYS = 30  # the pro-rata return's public notice
RETURN_WORKING_DAYS = 3  # the bank executes a return within 3 working days
MAX_FEN = 10**14  # a trillion yuan: anything above is a typing error


class Channel(StrEnum):
    """How the victim paid."""

    BANK_TRANSFER = "bank_transfer"
    MOBILE_BANKING = "mobile_banking"
    PAYMENT_APP = "payment_app"
    ATM = "atm"
    COUNTER = "counter"
    OTHER = "other"


class ScamType(StrEnum):
    """The common telecom-fraud types (the detection area's fraud types, case-level)."""

    INVESTMENT = "investment"
    IMPERSONATION = "impersonation"
    LOAN = "loan"
    SHOPPING = "shopping"
    ROMANCE = "romance"
    TASK = "task"
    OTHER = "other"


class Kind(StrEnum):
    """What an instruction to an institution asks."""

    STOP_PAYMENT = "stop_payment"
    FREEZE = "freeze"
    RELEASE = "release"
    RETURN = "return"


class Status(StrEnum):
    """Instruction states (see docs/funds.md for the graph)."""

    PENDING_APPROVAL = "pending_approval"  # freeze awaiting the head's approval
    QUEUED = "queued"  # 轮候: waits for an earlier freeze of another case to end
    ISSUED = "issued"  # sent; the institution's answer is due
    UNROUTED = "unrouted"  # a lead on an account no routing table knows: the police route it
    HELD = "held"  # stop-payment: amount held
    NOT_FOUND = "not_found"
    NOTHING_LEFT = "nothing_left"
    MOVED = "moved"  # money already gone on; onward transfers reported
    FROZEN = "frozen"
    RELEASED = "released"
    RETURNED = "returned"
    LAPSED = "lapsed"
    REFUSED = "refused"  # an approval was refused
    WITHDRAWN = "withdrawn"  # the police pruned this branch of the money's path
    TREASURY = "treasury"  # Art 35¶3: unclaimed, paid to the treasury after the notice


class Outcome(StrEnum):
    """What an institution may answer (per instruction kind)."""

    HELD = "held"
    NOT_FOUND = "not_found"
    NOTHING_LEFT = "nothing_left"
    MOVED = "moved"
    FROZEN = "frozen"
    RELEASED = "released"
    RETURNED = "returned"


ANSWERS: dict[Kind, frozenset[Outcome]] = {
    Kind.STOP_PAYMENT: frozenset({Outcome.HELD, Outcome.NOT_FOUND, Outcome.NOTHING_LEFT, Outcome.MOVED}),
    Kind.FREEZE: frozenset({Outcome.FROZEN, Outcome.NOT_FOUND, Outcome.NOTHING_LEFT}),
    Kind.RELEASE: frozenset({Outcome.RELEASED}),
    Kind.RETURN: frozenset({Outcome.RETURNED}),
}
# In force: the measure restricts the account now.
IN_FORCE = frozenset({Status.HELD, Status.FROZEN})
# Holding the funds or about to (the duplicate-freeze check looks at these).
FREEZE_LIVE = frozenset({Status.PENDING_APPROVAL, Status.QUEUED, Status.ISSUED, Status.FROZEN})


class Verdict(StrEnum):
    """Art 19¶3: what the verification of a stop-payment or freeze decides."""

    CONTINUE = "continue"
    RELEASE = "release"
    RETURN = "return"


class Method(StrEnum):
    """How a frozen account's money is shared among victims (national law Art 34, the return rules)."""

    SINGLE = "single"  # one deposit: that victim
    BY_TIME = "by_time"  # deposits traceable by time: each victim his own
    PRO_RATA = "pro_rata"  # otherwise: by loss, after the 30-day public notice


# Checks -------------------------------------------------------------------------------------------


def check_fen(amount: int, field: str) -> int:
    """Money is positive integer fen."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0 or amount > MAX_FEN:
        raise refuse("money.positive", field, f"收到 {amount}", f"got {amount}")
    return amount


def check_transfer_time(at: datetime, now: datetime, field: str = "at") -> datetime:
    """A reported transfer happened already."""
    if as_utc(at) > now:
        raise refuse(
            "transfer.in_past", field, f"{at.isoformat()} 晚于当前时间", f"{at.isoformat()} is after now"
        )
    return as_utc(at)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, _calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def check_term(months: int, field: str = "term_months") -> int:
    """A freeze or renewal term: 1 to 6 months (Art 19¶1 不得超时限)."""
    if not 1 <= months <= FREEZE_TERM_MONTHS:
        raise refuse(
            "freeze.term_cap",
            field,
            f"{months} 个月，最长 {FREEZE_TERM_MONTHS} 个月",
            f"{months} months > {FREEZE_TERM_MONTHS}",
        )
    return months


def check_freeze_amount(amount: int, traced: int, already: int = 0) -> None:
    """Art 19¶1 不得超数额: this freeze and the case's others on the account stay within what was traced."""
    check_fen(amount, "amount_fen")
    if amount + already > traced:
        raise refuse(
            "freeze.amount_cap",
            "amount_fen",
            f"申请 {amount} 分，已冻结 {already} 分，追踪到该账户的涉案金额 {traced} 分",
            f"asked {amount} fen, {already} already frozen, {traced} fen traced to the account",
        )


@dataclass(frozen=True)
class LiveFreeze:
    """A freeze that holds, or will hold, an account's funds."""

    case_id: int
    status: Status


def placement(case_id: int, live: Iterable[LiveFreeze]) -> Status:
    """Where a new approved freeze goes: refused as a duplicate, queued (轮候) or issued at once.

    Art 19¶1 不得超范围: the case's own live freeze on the account already holds these funds; another
    case's freeze makes this one wait its turn and take effect when that one ends.
    """
    live = list(live)
    if any(f.case_id == case_id for f in live):
        raise refuse(
            "freeze.no_duplicate",
            "account",
            "本案已冻结或申请冻结该账户",
            "this case already freezes the account",
            Conflict,
        )
    return (
        Status.QUEUED
        if any(f.status in {Status.ISSUED, Status.FROZEN, Status.QUEUED} for f in live)
        else Status.ISSUED
    )


def next_in_line(live: list[LiveFreeze]) -> int | None:
    """The index of the queued freeze that takes effect now: the first, once none holds the account."""
    if any(f.status in (Status.ISSUED, Status.FROZEN) for f in live):
        return None
    return next((i for i, f in enumerate(live) if f.status is Status.QUEUED), None)


def check_approver(kind: OrgKind, is_unit_or_superior: bool, rule: str = "freeze.approval") -> None:
    """Art 19¶1 不得超权限: the head of a county-level or higher police unit, over the applying unit."""
    if kind not in (OrgKind.POLICE_COUNTY, OrgKind.POLICE_CITY, OrgKind.POLICE_PROVINCE):
        raise refuse(
            rule,
            "approver",
            "审批单位须为县级以上公安机关",
            "the approving unit must be county level or above",
            PermissionDenied,
        )
    if not is_unit_or_superior:
        raise refuse(
            rule,
            "approver",
            "审批单位须为申请单位本级或上级",
            "the approver must head the applying unit or a superior",
            PermissionDenied,
        )


class RenewalStatus(StrEnum):
    """A renewal's states: it waits for the head's approval, then is approved, refused or lapses."""

    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REFUSED = "refused"
    LAPSED = "lapsed"  # the freeze ended (or was released) before the head decided


def check_renewable(status: Status, expires_at: datetime | None, now: datetime) -> datetime:
    """Art 19¶1 不得超时限: only a freeze in force is renewed, and only before it ends; returns its end."""
    if status is not Status.FROZEN or expires_at is None or as_utc(now) >= as_utc(expires_at):
        raise refuse(
            "freeze.renew_before_expiry",
            "instruction_id",
            "只能续冻生效中且未到期的冻结",
            "only a freeze in force, before it ends",
            Conflict,
        )
    return as_utc(expires_at)


def renewed_expiry(expires_at: datetime, months: int) -> datetime:
    """The freeze's new end: its current end plus the renewal's term (at most six months, Art 19¶1)."""
    return add_months(as_utc(expires_at), check_term(months))


def stop_expiry(start: datetime, extensions: int) -> datetime:
    """A stop-payment's end: 48 h, and 48 h more per extension."""
    return start + STOP_TERM * (1 + extensions)


def check_extension(extensions: int, expires_at: datetime, now: datetime) -> None:
    """A stop-payment is extended once, while in force."""
    if extensions >= STOP_EXTENSIONS:
        raise refuse("stop.term", "instruction_id", "止付已延长过一次", "already extended once", Conflict)
    if now >= expires_at:
        raise refuse("stop.term", "instruction_id", "止付期限已届满", "the term has ended", Conflict)


# Sharing money ------------------------------------------------------------------------------------


def apportion(total: int, weights: Mapping[int, int]) -> dict[int, int]:
    """Split `total` fen by `weights` with largest-remainder rounding: shares sum to `total` exactly.

    Each key gets floor(total·w/W); the fen left over go one each to the largest remainders (ties to
    the smaller key). With total ≤ W no share exceeds its weight.
    """
    if total < 0 or any(w < 0 for w in weights.values()):
        raise ValueError("negative total or weight")
    keys = sorted(k for k, w in weights.items() if w > 0)
    whole = sum(weights[k] for k in keys)
    if not keys or total == 0:
        return dict.fromkeys(weights, 0)
    shares = {k: total * weights[k] // whole for k in keys}
    left = total - sum(shares.values())
    by_remainder = sorted(keys, key=lambda k: (-(total * weights[k] % whole), k))
    for k in by_remainder[:left]:
        shares[k] += 1
    return {k: shares.get(k, 0) for k in weights}


@dataclass(frozen=True)
class Deposit:
    """A victim's money arriving at an account."""

    victim_id: int
    at: datetime
    amount: int


def remaining_by_time(balance: int, deposits: Iterable[Deposit]) -> dict[int, int]:
    """Whose money is still there, first-in-first-out: what left took the oldest deposits first."""
    ordered = sorted(deposits, key=lambda d: (d.at, d.victim_id))
    gone = max(0, sum(d.amount for d in ordered) - balance)
    left: dict[int, int] = {}
    for d in ordered:
        taken = min(gone, d.amount)
        gone -= taken
        left[d.victim_id] = left.get(d.victim_id, 0) + d.amount - taken
    return left


@dataclass(frozen=True)
class Onward:
    """An onward transfer an institution reports: where, how much, when."""

    key: str
    at: datetime
    amount: int


def follow(
    traced: Mapping[int, int], arrived_at: datetime, onward: Iterable[Onward]
) -> dict[str, dict[int, int]]:
    """The victims' money carried by each onward transfer: time order, never more than was traced.

    Transfers before the money arrived carry none of it; each later one carries at most what is left,
    split among the victims in proportion to what is left of each (largest remainder).
    """
    left = {v: a for v, a in traced.items() if a > 0}
    carried: dict[str, dict[int, int]] = {}
    for t in sorted(onward, key=lambda o: (o.at, o.key)):
        if t.at < arrived_at or not left:
            continue
        moved = apportion(min(t.amount, sum(left.values())), left)
        for victim, amount in moved.items():
            if amount:
                left[victim] -= amount
                target = carried.setdefault(t.key, {})
                target[victim] = target.get(victim, 0) + amount
        left = {v: a for v, a in left.items() if a > 0}
    return carried


def shares_for(
    method: Method,
    available: int,
    traced: Mapping[int, int],
    deposits: list[Deposit],
    balance_at_freeze: int,
    remaining_loss: Mapping[int, int],
) -> dict[int, int]:
    """Each victim's return from one frozen account, within what is frozen and each one's loss.

    `traced`: the case's money per victim traced to the account; `deposits`: the victims' direct
    deposits into it; `remaining_loss`: loss not yet returned.
    """
    victims = sorted(v for v, a in traced.items() if a > 0)
    if method is Method.SINGLE:
        if len(deposits) != 1:
            raise refuse(
                "return.method",
                "method",
                f"该账户有 {len(deposits)} 笔被害人入账",
                f"{len(deposits)} deposits, not one",
            )
        d = deposits[0]
        wanted = {d.victim_id: min(d.amount, available)}
    elif method is Method.BY_TIME:
        if not deposits:
            raise refuse(
                "return.method",
                "method",
                "该账户没有被害人直接入账，无法按时间追溯",
                "no direct deposits to trace by time",
            )
        wanted = remaining_by_time(min(balance_at_freeze, available), deposits)
    else:
        weights = {v: remaining_loss.get(v, 0) for v in victims}
        wanted = apportion(min(available, sum(weights.values())), weights)
    # National law Art 34, Art 35¶1: never above a victim's loss.
    return {
        v: min(a, remaining_loss.get(v, 0)) for v, a in wanted.items() if min(a, remaining_loss.get(v, 0)) > 0
    }


def check_return(shares: Mapping[int, int], available: int, remaining_loss: Mapping[int, int]) -> None:
    """Returned ≤ frozen per account (Art 35¶2) and ≤ loss per victim (Art 35¶1)."""
    total = sum(shares.values())
    if total <= 0:
        raise refuse("return.cap_frozen", "shares", "没有可返还的资金", "nothing to return")
    if total > available:
        raise refuse(
            "return.cap_frozen",
            "shares",
            f"返还 {total} 分，可返还 {available} 分",
            f"{total} fen > {available} fen frozen",
        )
    for victim, amount in shares.items():
        if amount > remaining_loss.get(victim, 0):
            raise refuse(
                "return.cap_loss",
                "shares",
                f"被害人 {victim} 返还超过其损失",
                f"victim {victim} above the loss",
            )


# Working days --------------------------------------------------------------------------------------


def is_working_day(day: date) -> bool:
    """Mon-Fri except public holidays, plus the weekend days made working days (调休)."""
    if day in WORKDAYS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def add_working_days(moment: datetime, days: int) -> datetime:
    """The end (24:00 Beijing time) of the `days`-th working day after `moment`'s day."""
    day = as_utc(moment).astimezone(SHANGHAI).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        counted += is_working_day(day)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    return as_utc(end)


def release_due(found_at: datetime) -> datetime:
    """Art 19¶2: released within three days of the finding."""
    return as_utc(found_at) + timedelta(days=RELEASE_DAYS)


def notice_ends(published_at: datetime) -> datetime:
    """The end of a pro-rata return's public notice."""
    return published_at + timedelta(days=NOTICE_DAYS)


def escalation_due(status: Status, escalated: bool, due_at: datetime | None, now: datetime) -> bool:
    """An instruction awaiting its answer past its deadline escalates once."""
    return status is Status.ISSUED and not escalated and due_at is not None and now > due_at


# Treasury (Art 35¶3) ------------------------------------------------------------------------------


def check_treasury(
    notice_ends_at: datetime | None,
    now: datetime,
    pending_objections: int,
    investigation_ended_at: datetime,
    remaining_fen: int,
) -> int:
    """What a freeze pays to the treasury: all that is left, only after the investigation ended and the
    30-day notice ran out with no objection undecided (Art 35¶3); refused otherwise."""
    if investigation_ended_at > now:
        raise refuse(
            "treasury.unclaimed", "investigation_ended_at", "侦查尚未终结", "investigation not ended"
        )
    if notice_ends_at is None or as_utc(notice_ends_at) > now:
        raise refuse(
            "treasury.unclaimed", "instruction_id", "公告期未满", "the notice has not run out", Conflict
        )
    if pending_objections:
        raise refuse(
            "treasury.unclaimed", "instruction_id", "尚有异议未处理", "an objection is undecided", Conflict
        )
    if remaining_fen <= 0:
        raise refuse("treasury.unclaimed", "instruction_id", "已无冻结余额", "nothing left frozen", Conflict)
    return remaining_fen


def check_refund(amount_fen: int, paid_fen: int, refunded_fen: int) -> int:
    """A later claimant's refund from the treasury: positive, never above what is left (Art 35¶3)."""
    check_fen(amount_fen, "amount_fen")
    left = paid_fen - refunded_fen
    if amount_fen > left:
        raise refuse(
            "treasury.refund_cap", "amount_fen", f"尚可退还 {left} 分", f"{left} fen can still be refunded"
        )
    return left - amount_fen
