"""Instant payee check at transfer time (Art 18¶4): a sample account answers delay settlement."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from fanzha.identifiers import normalise
from fanzha.identity.domain import Permission, Principal
from fanzha.samples.domain import FRAUD_TYPE_LABELS, RISK_LABELS, FraudType, RiskLevel
from fanzha.samples.schemas import LookupItem
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1/detect", tags=["detect"])
# Banks and payment institutions check payees with the permission they look samples up with.
Checker = Annotated[Principal, Depends(authorize(Permission.SAMPLE_LOOKUP))]

LEGAL_BASIS = "第十八条第四款"
MAX_ITEMS = 1000
PROCEED_ZH = "收款账户未列入涉诈样本库，可正常结算"
PROCEED_EN = "The payee is not a fraud sample: settle as usual"


class PayeeItem(BaseModel):
    """One payee account as the paying institution sees it."""

    kind: Literal["bank_card", "payment_account"]
    value: str = Field(min_length=1, max_length=128)


class PayeeCheckRequest(BaseModel):
    """Up to 1,000 payees of the transfers being made."""

    items: list[PayeeItem] = Field(min_length=1, max_length=MAX_ITEMS)


class PayeeDecision(BaseModel):
    """What to do with a transfer to one payee, and why."""

    index: int
    decision: Literal["delay_settlement", "proceed"]
    risk_level: RiskLevel | None = None
    fraud_type: FraudType | None = None
    sample_id: int | None = None
    token: str
    reasons_zh: list[str]
    reasons_en: list[str]
    legal_basis: str = LEGAL_BASIS


class PayeeCheckResponse(BaseModel):
    """Decisions in request order, and how many transfers to delay."""

    results: list[PayeeDecision]
    delayed: int


def decide(index: int, answer: dict[str, Any]) -> dict[str, Any]:
    """A lookup answer as a settlement decision: an active sample delays settlement (Art 18¶4)."""
    if not answer.get("found"):
        return {
            "index": index,
            "decision": "proceed",
            "token": answer.get("token", ""),
            "reasons_zh": [PROCEED_ZH],
            "reasons_en": [PROCEED_EN],
        }
    fraud_zh, fraud_en = FRAUD_TYPE_LABELS[FraudType(answer["fraud_type"])]
    risk_zh, risk_en = RISK_LABELS[RiskLevel(answer["risk_level"])]
    return {
        "index": index,
        "decision": "delay_settlement",
        "risk_level": answer["risk_level"],
        "fraud_type": answer["fraud_type"],
        "sample_id": answer["sample_id"],
        "token": answer["token"],
        "reasons_zh": [
            f"收款账户已被公安机关认定为涉诈样本（{fraud_zh}，{risk_zh}）",
            "依照第十八条第四款，对转入该账户的资金延迟结算，并提示付款人核实",
        ],
        "reasons_en": [
            f"The payee is a fraud sample identified by the police ({fraud_en}, {risk_en})",
            "Under Art 18(4), settlement of transfers to it is delayed and the payer is warned",
        ],
    }


def check(request: Request, principal: Principal, body: PayeeCheckRequest) -> dict[str, Any]:
    """Normalise every payee (refusing the batch on the first bad one), look them up, decide."""
    items: list[LookupItem] = [
        {"kind": item.kind, "value": normalise(item.kind, item.value, field=f"items.{i}.value").value}
        for i, item in enumerate(body.items)
    ]
    # The sample lookup audits the batch (Art 26), exactly as institutions' own lookups are.
    answers = platform_of(request).lookup.batch(principal, items)
    results = [decide(i, answer) for i, answer in enumerate(answers)]
    return {"results": results, "delayed": sum(r["decision"] == "delay_settlement" for r in results)}


@router.post("/payee-check", response_model=PayeeCheckResponse)
async def payee_check(request: Request, body: PayeeCheckRequest, principal: Checker) -> Any:
    """Should transfers to these payees settle now or be delayed? (Art 18¶4)"""
    return await run_in_threadpool(check, request, principal, body)
