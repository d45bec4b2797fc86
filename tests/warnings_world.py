"""The warnings' province: a county desk, a township with grids and workers, a resident with a card."""

from __future__ import annotations

from dataclasses import dataclass

from fanzha.bootstrap import Platform
from fanzha.disposal.holdings import HoldingRow
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind, Role
from fanzha.warnings.admin import Warnings
from fanzha.warnings.sms import MemorySender
from tests.factories import Person, make_org, make_user
from tests.integration.test_disposal_service import DisposalWorld, make_disposal_world
from tests.integration.test_holdings import CARD_A, HOLDER, OTHER

GRID = "430104001001"  # 岳麓区 (county X) → township 001 → grid 001
OTHER_GRID = "430104002001"
PHONE = "13912345678"
OTHER_PHONE = "13912340000"
FRAUD_NUMBER = "+8617012345678"


@dataclass(frozen=True)
class WarnWorld:
    """People and the tokens of the two residents."""

    dw: DisposalWorld
    desk: Person
    grid_worker: Person
    other_worker: Person
    holder_token: str
    other_token: str
    sender: MemorySender


def warnings_of(platform: Platform) -> Warnings:
    assert platform.warnings is not None
    return platform.warnings


def make_warn_world(platform: Platform) -> WarnWorld:
    """The disposal world plus a desk officer, two grids with a worker each, residents registered."""
    dw = make_disposal_world(platform)
    base = dw.base
    township = make_org(platform, "tx1", OrgKind.POLICE_TOWNSHIP, "430104001", base.county_x.id)
    township2 = make_org(platform, "tx2", OrgKind.POLICE_TOWNSHIP, "430104002", base.county_x.id)
    desk = make_user(platform, "desk", base.county_x, Role.DESK_OFFICER)
    worker = make_user(platform, "gridw", township, Role.GRID_WORKER)
    other = make_user(platform, "gridw2", township2, Role.GRID_WORKER)
    service = warnings_of(platform)
    sender = MemorySender()
    service.sender = sender
    service.add_grid(desk.principal, GRID, "青石桥社区第一网格")
    service.add_grid(desk.principal, OTHER_GRID, "白塘社区第一网格")
    service.assign(desk.principal, worker.user.id, GRID)
    service.assign(desk.principal, other.user.id, OTHER_GRID)
    holder = service.vault.token_of(IdentifierKind.RESIDENT_ID, HOLDER)[1]
    other_token = service.vault.token_of(IdentifierKind.RESIDENT_ID, OTHER)[1]
    service.register(desk.principal, [(holder, PHONE, GRID), (other_token, OTHER_PHONE, OTHER_GRID)])
    assert platform.holdings is not None
    platform.holdings.upload(base.bank_a_op.principal, [HoldingRow("bank_card", CARD_A, HOLDER, "items.0")])
    return WarnWorld(dw, desk, worker, other, holder, other_token, sender)
