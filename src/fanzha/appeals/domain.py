"""Appeals against disposal measures (Art 34¶2-3): the state machine and its time limit. Pure."""

from __future__ import annotations

import secrets
from enum import StrEnum

from fanzha.core.errors import Conflict, ValidationFailed


class AppealStatus(StrEnum):
    """submitted → reviewing → upheld → released | rejected; a decision is final for that appeal."""

    SUBMITTED = "submitted"
    REVIEWING = "reviewing"
    UPHELD = "upheld"
    REJECTED = "rejected"
    RELEASED = "released"


APPEAL_LABELS: dict[AppealStatus, tuple[str, str]] = {
    AppealStatus.SUBMITTED: ("已受理", "Submitted"),
    AppealStatus.REVIEWING: ("核查中", "Under review"),
    AppealStatus.UPHELD: ("申诉成立", "Upheld"),
    AppealStatus.REJECTED: ("申诉不成立", "Rejected"),
    AppealStatus.RELEASED: ("申诉成立，已解除", "Upheld, measures released"),
}

_A = AppealStatus
APPEAL_TRANSITIONS: dict[AppealStatus, frozenset[AppealStatus]] = {
    _A.SUBMITTED: frozenset({_A.REVIEWING, _A.UPHELD, _A.REJECTED}),
    _A.REVIEWING: frozenset({_A.UPHELD, _A.REJECTED}),
    _A.UPHELD: frozenset({_A.RELEASED}),
    _A.REJECTED: frozenset(),
    _A.RELEASED: frozenset(),
}
OPEN_APPEALS = frozenset({_A.SUBMITTED, _A.REVIEWING})

# Art 34¶2 立即进行核查: the time limit is a setting in hours (appeal_time_limit_hours, default 24);
# an appeal still undecided after it is escalated to the unit above.
APPEAL_TIME_LIMIT_HOURS = 24


def check_appeal_step(current: AppealStatus, target: AppealStatus) -> None:
    """Refuse a step the machine does not allow (a decided appeal needs a new appeal to change)."""
    if target not in APPEAL_TRANSITIONS[current]:
        raise Conflict(
            f"申诉状态为「{APPEAL_LABELS[current][0]}」，不能变为「{APPEAL_LABELS[target][0]}」",
            f"An appeal in state {current} cannot become {target}",
            field="status",
        )


def check_decision_reason(upheld: bool, reason: str) -> str:
    """Both outcomes carry a reason: a rejection tells the appellant why (Art 34¶1)."""
    text = reason.strip()
    if not text:
        raise ValidationFailed("决定须说明理由", "A decision needs a reason", field="reason")
    return text


# Unambiguous letters and digits for codes people type from an SMS.
CODE_ALPHABET = _ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code(length: int = 10) -> str:
    """A random code for a notice (appeal code) or an appeal number."""
    # One draw of 5 bits a character (32 letters): uniform, as secrets.choice per character is.
    bits = secrets.randbits(5 * length)
    return "".join(_ALPHABET[(bits >> (5 * i)) & 31] for i in range(length))


def clean_code(raw: str, field: str = "code") -> str:
    """Upper-case, spaces and dashes dropped; refuse anything that cannot be a code."""
    code = raw.strip().upper().replace(" ", "").replace("-", "")
    if not 8 <= len(code) <= 16 or any(c not in _ALPHABET for c in code):
        raise ValidationFailed("申诉码格式不正确", "Malformed code", field=field)
    return code
