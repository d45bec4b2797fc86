"""Use cases of the funds area: intake, stop-payment, following the money, freeze, verification, return."""

from __future__ import annotations

from fanzha.funds.cases import CaseStage
from fanzha.funds.core import FREEZE_ANSWER, OPEN_STOP, TOPIC, Account
from fanzha.funds.freezes import FreezeStage
from fanzha.funds.leads import LeadStage
from fanzha.funds.renewals import RenewalStage
from fanzha.funds.returns import ReturnStage
from fanzha.funds.sweep import SweepStage

__all__ = ["FREEZE_ANSWER", "OPEN_STOP", "TOPIC", "Account", "FundsService"]


class FundsService(CaseStage, LeadStage, FreezeStage, RenewalStage, ReturnStage, SweepStage):
    """Victims' money from the report to its return, within the bounds of Art 19 and Art 35."""
