"""The funds tests' province: police at three levels, two banks, a payment institution, routing tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fanzha.bootstrap import Platform
from fanzha.funds.schemas import CaseCreate
from fanzha.funds.service import FundsService
from fanzha.identifiers import luhn_check_digit
from fanzha.identity.domain import OrgKind, Role
from tests.factories import Person, make_org, make_user
from tests.integration.test_disposal_service import DisposalWorld, make_disposal_world


def card(prefix: str, serial: int) -> str:
    """A Luhn-valid 16-digit card number with the given BIN (622202 → bank A, 621700 → bank B)."""
    body = f"{prefix}{serial:09d}"
    return body + luhn_check_digit(body)


COLLECTOR = card("622202", 1)  # bank A: the account the victims paid into
LAYER_B = card("621700", 2)  # bank B: the second layer
LAYER_A2 = card("622202", 3)  # bank A again, third layer
UNKNOWN = card("955880", 4)  # a BIN no routing table knows


@dataclass(frozen=True)
class FundsWorld:
    """Who acts in the funds tests."""

    dw: DisposalWorld
    analyst: Person  # county X
    commander: Person  # county X head
    officer2: Person  # county X, second officer for returns
    peer_commander: Person  # county Y head
    township_commander: Person  # a township station under county X
    centre_commander: Person  # the provincial centre's head
    bank_a: Person
    bank_b: Person


def make_funds_world(platform: Platform) -> FundsWorld:
    """Create the province once per test."""
    dw = make_disposal_world(platform)
    base = dw.base
    township = make_org(platform, "tx", OrgKind.POLICE_TOWNSHIP, "430104001", base.county_x.id)
    return FundsWorld(
        dw,
        base.analyst,
        make_user(platform, "fcommander", base.county_x, Role.COMMANDER),
        make_user(platform, "fofficer", base.county_x, Role.ANALYST),
        make_user(platform, "fpeer", base.county_y, Role.COMMANDER),
        make_user(platform, "ftownship", township, Role.COMMANDER),
        make_user(platform, "fcentre", base.centre, Role.COMMANDER),
        base.bank_a_op,
        base.bank_b_op,
    )


def funds_of(platform: Platform) -> FundsService:
    assert platform.funds is not None
    return platform.funds


def case_body(now: datetime, victims: int = 3, number: str = "AJ-2026-001", **extra: Any) -> dict[str, Any]:
    """A case of `victims` victims, each paying the collector account once, an hour apart (¥1000·k)."""
    return {
        "number": number,
        "scam_type": "investment",
        "summary": "虚假投资理财诈骗",
        "victims": [
            {
                "name": f"被害人{k}",
                "loss_fen": 100_000 * k,
                "account_kind": "bank_card",
                "account": card("621700", 100 + k),
                "transfers": [
                    {
                        "at": (now - timedelta(hours=victims + 1 - k)).isoformat(),
                        "amount_fen": 100_000 * k,
                        "channel": "mobile_banking",
                        "payer_kind": "bank_card",
                        "payer": card("621700", 100 + k),
                        "payee_kind": "bank_card",
                        "payee": COLLECTOR,
                    }
                ],
            }
            for k in range(1, victims + 1)
        ],
        **extra,
    }


def case_of(now: datetime, **kw: Any) -> CaseCreate:
    return CaseCreate.model_validate(case_body(now, **kw))
