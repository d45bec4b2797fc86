"""Outcome "already paid": a funds case drafted from what the warning knows, for the police to confirm.

The money is gone, so fanzha.funds takes over (stop-payment, freezing, return: Art 35). The draft is an
unconfirmed case of the county's anti-fraud centre (source "warning"), listed with the victims' own
reports awaiting confirmation; the police add the loss and the accounts when they confirm it.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from fanzha.core.errors import NotFound
from fanzha.funds.domain import ScamType
from fanzha.funds.tables import FundsCase
from fanzha.samples.domain import FRAUD_TYPE_LABELS, FraudType
from fanzha.warnings.people import police_unit
from fanzha.warnings.tables import Warning_

WARNING_SOURCE = "warning"

# The detection area's ten types onto the funds area's case-level types.
_SCAM: dict[str, ScamType] = {
    FraudType.ORDER_BRUSHING: ScamType.TASK,
    FraudType.FAKE_INVESTMENT: ScamType.INVESTMENT,
    FraudType.FAKE_SHOPPING: ScamType.SHOPPING,
    FraudType.FAKE_CUSTOMER_SERVICE: ScamType.IMPERSONATION,
    FraudType.FAKE_LOAN: ScamType.LOAN,
    FraudType.FAKE_CREDIT: ScamType.LOAN,
    FraudType.FAKE_ACQUAINTANCE: ScamType.IMPERSONATION,
    FraudType.FAKE_POLICE: ScamType.IMPERSONATION,
    FraudType.ROMANCE: ScamType.ROMANCE,
    FraudType.GAME_TRADING: ScamType.SHOPPING,
}


def draft_case(session: Session, warning: Warning_, note: str, by: str, now: datetime) -> FundsCase | None:
    """An unconfirmed case naming the victim's person token, the scam type and the fraud number's tail.

    None when no police unit is set up to own it (the outcome is still recorded).
    """
    try:
        owner = police_unit(session, warning.county_code)
    except NotFound:
        return None
    try:
        label = FRAUD_TYPE_LABELS[FraudType(warning.scam_type)][0]
    except ValueError:
        label = "其他"
    reasons = "；".join(json.loads(warning.reasons))
    tail = f"涉诈号码或账户尾号 {warning.contact_tail}；" if warning.contact_tail else ""
    summary = (
        f"预警劝阻转入（预警 #{warning.id}）：当事人已被骗付款。被害人人员令牌 {warning.person_token}；"
        f"诈骗类型：{label}；{tail}预警理由：{reasons}；劝阻记录：{note}"
    )[:1000]
    case = FundsCase(
        number=f"YJ-{now:%Y%m%d}-{warning.id}",
        org_id=owner.id,
        scam_type=str(_SCAM.get(warning.scam_type, ScamType.OTHER)),
        summary=summary,
        created_by=by[:64],
        created_at=now,
        source=WARNING_SOURCE,
        confirmed_at=None,
        confirmed_by="",
    )
    session.add(case)
    session.flush()
    return case
