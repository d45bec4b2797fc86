"""Live stop-payment leads from the tracing engine (issue 22 item 7, Art 35¶2): a case's confirmed
transfers traced through a transactions dataset, leads proposed where the victims' money still is,
accepted by the police (→ stop-payment through the normal path) or dismissed, audited."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core.clock import as_utc
from fanzha.core.errors import Conflict, FanzhaError, NotFound, ValidationFailed
from fanzha.funds.core import OPEN_STOP, Account
from fanzha.funds.domain import Deposit, Kind, refuse
from fanzha.funds.lead_schemas import TraceRunCreate
from fanzha.funds.lead_trace import Located, load, locate, match_seeds
from fanzha.funds.stops import StopStage, refuse_second_stop
from fanzha.funds.tables import Instruction, Trace, TraceLead, Transfer
from fanzha.funds.trace import DEFAULT_HOPS
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal
from fanzha.identity.service import refused
from fanzha.identity.tables import Organisation

PROPOSED, ACCEPTED, DISMISSED, SUPERSEDED = "proposed", "accepted", "dismissed", "superseded"


class LeadStage(StopStage):
    """Trace runs proposing stop-payment leads; the police accept or dismiss them (Art 35¶2)."""

    def trace_case(
        self, principal: Principal, case_id: int, data: TraceRunCreate, root: Path
    ) -> list[TraceLead]:
        """Trace the case's transfers through a dataset; the case's open proposals give way to the new."""
        self._police(principal, "funds.trace.run")
        hops = data.hops or self.max_hops
        if hops > DEFAULT_HOPS:  # Art 35¶2: the money is followed within the hops the engine is held to
            raise refuse(
                "trace.lead_bound", "hops", f"至多 {DEFAULT_HOPS} 跳", f"at most {DEFAULT_HOPS} hops"
            )
        now = self.clock.now()
        with self._work(principal) as session:
            case = self._case(session, principal, case_id, "funds.trace.run")
            if case.confirmed_at is None:
                raise refuse(
                    "intake.confirmed", "case_id", "请先确认该报案", "confirm the report first", Conflict
                )
            folder, source = self._source(session, root, data.org_id)
            table = load(folder, data.dataset)
            transfers = [
                (
                    t.victim_id,
                    self.vault.decrypt(t.payee_kind, t.payee_token, t.payee_ciphertext).value,
                    t.amount_fen,
                    as_utc(t.at),
                )
                for t in session.scalars(
                    select(Transfer).where(Transfer.case_id == case_id).order_by(Transfer.id)
                )
            ]
            seeds = match_seeds(table, transfers)
            found = locate(table, seeds, hops, now)
            stopped = set(
                session.scalars(
                    select(Instruction.account_token).where(
                        Instruction.case_id == case_id,
                        Instruction.kind == Kind.STOP_PAYMENT,
                        Instruction.status.in_(OPEN_STOP),
                    )
                )
            )
            for old in session.scalars(
                select(TraceLead).where(TraceLead.case_id == case_id, TraceLead.status == PROPOSED)
            ):
                old.status, old.decided_at, old.decided_by = SUPERSEDED, now, principal.username
            run = uuid.uuid4().hex
            leads: list[TraceLead] = []
            for spot in sorted(found, key=lambda s: (-s.amount, s.hop, s.account)):
                if spot.amount < data.min_fen:
                    continue
                acc = self._identified(spot)
                if acc is None or acc.token in stopped:
                    continue  # an account no identifier fits, or stopped already
                lead = TraceLead(
                    case_id=case_id,
                    run=run,
                    dataset=data.dataset,
                    source_org_id=source,
                    account_kind=str(acc.identifier.kind),
                    account_token=acc.token,
                    account_masked=acc.masked,
                    account_ciphertext=acc.ciphertext,
                    hop=spot.hop,
                    amount_fen=spot.amount,
                    victims=json.dumps(
                        [
                            {"victim_id": v, "amount_fen": fen, "arrived_at": at.isoformat()}
                            for v, (fen, at) in sorted(spot.money.items())
                        ]
                    ),
                    status=PROPOSED,
                    created_by=principal.username,
                    created_at=now,
                    decided_by="",
                    reason="",
                )
                session.add(lead)
                leads.append(lead)
            session.flush()
            self._audit(
                session,
                principal,
                "funds.trace.run",
                "funds_case",
                case_id,
                run=run,
                dataset=data.dataset,
                source_org_id=source,
                hops=hops,
                seeds=len(seeds),
                transfers=len(transfers),
                leads=[lead.id for lead in leads],
            )
            session.commit()
            return leads

    def _source(self, session: Session, root: Path, org_id: int | None) -> tuple[Path, int | None]:
        """The platform's data root, or the folder an institution's uploads are stored in."""
        if org_id is None:
            return root, None
        org = session.get(Organisation, org_id)
        if org is None:
            raise ValidationFailed("机构不存在", "No such organisation", field="org_id")
        folder = root / org.code
        if not folder.resolve().is_relative_to(root.resolve()):  # an organisation code is never a path
            raise ValidationFailed("机构没有上传数据", "No uploads for this organisation", field="org_id")
        return folder, org.id

    def _identified(self, spot: Located) -> Account | None:
        """The located account as the vault keeps it, or None when no identifier kind fits it."""
        kind = IdentifierKind.PAYMENT_ACCOUNT if spot.kind == "payment_account" else IdentifierKind.BANK_CARD
        try:
            return self.account(kind, spot.account, "account")
        except FanzhaError:
            return None

    def leads(self, principal: Principal, case_id: int) -> list[TraceLead]:
        """A case's leads, newest run first (police only: institutions and victims never see them)."""
        with self._sessions() as session:
            self._case(session, principal, case_id, "funds.lead.read")
            query = select(TraceLead).where(TraceLead.case_id == case_id)
            return list(session.scalars(query.order_by(TraceLead.id.desc())))

    def _lead(self, session: Session, principal: Principal, lead_id: int, action: str) -> TraceLead:
        lead = session.get(TraceLead, lead_id, with_for_update=True)
        if lead is None or not principal.org_kind.is_police:
            raise refused(
                NotFound("线索不存在", "No such lead", field="lead_id"), action, "funds_trace_lead", lead_id
            )
        if lead.status != PROPOSED:
            raise Conflict(f"该线索已{lead.status}", f"The lead is {lead.status} already", field="lead_id")
        return lead

    def accept_lead(self, principal: Principal, lead_id: int, org_id: int | None) -> Instruction:
        """Stop-payment on the lead's account, for the victims' money traced there (Art 35¶2, Art 18¶4)."""
        self._police(principal, "funds.lead.accept")
        now = self.clock.now()
        with self._work(principal) as session:
            lead = self._lead(session, principal, lead_id, "funds.lead.accept")
            refuse_second_stop(session, lead.case_id, lead.account_token, "lead_id")
            # The traced money becomes the account's traceability (stop and freeze caps, returns by time),
            # unless the institutions' receipts traced it there already.
            if not self.traced(session, lead.case_id, lead.account_token):
                for v in lead_victims(lead):
                    session.add(
                        Trace(
                            case_id=lead.case_id,
                            victim_id=v.victim_id,
                            account_token=lead.account_token,
                            hop=lead.hop,
                            amount_fen=v.amount,
                            arrived_at=v.at,
                        )
                    )
                session.flush()
            amount = min(
                lead.amount_fen, sum(self.traced(session, lead.case_id, lead.account_token).values())
            )
            identifier = self.vault.decrypt(lead.account_kind, lead.account_token, lead.account_ciphertext)
            org = self._route(session, identifier, org_id)
            row = self._issue_stop(
                session,
                principal,
                case_id=lead.case_id,
                org=org,
                kind=lead.account_kind,
                token=lead.account_token,
                masked=lead.account_masked,
                ciphertext=lead.account_ciphertext,
                amount=amount,
                hop=lead.hop,
                parent_id=None,
                reason=f"资金追踪线索 {lead.id}（第 {lead.hop} 跳）",
            )
            lead.status, lead.instruction_id = ACCEPTED, row.id
            lead.decided_by, lead.decided_at = principal.username, now
            self._audit(
                session,
                principal,
                "funds.lead.accept",
                "funds_trace_lead",
                lead.id,
                instruction_id=row.id,
                amount_fen=amount,
                org_id=org.id if org else None,
            )
            session.commit()
            return row

    def dismiss_lead(self, principal: Principal, lead_id: int, reason: str) -> TraceLead:
        """The police find nothing to stop there; the lead ends, with the reason, audited."""
        self._police(principal, "funds.lead.dismiss")
        with self._work(principal) as session:
            lead = self._lead(session, principal, lead_id, "funds.lead.dismiss")
            lead.status, lead.reason = DISMISSED, reason
            lead.decided_by, lead.decided_at = principal.username, self.clock.now()
            self._audit(session, principal, "funds.lead.dismiss", "funds_trace_lead", lead.id, reason=reason)
            session.commit()
            return lead


def lead_victims(lead: TraceLead) -> list[Deposit]:
    """The victims' money a lead located, as deposits traceable by time (Art 35: returns by time)."""
    return [
        Deposit(int(v["victim_id"]), as_utc(datetime.fromisoformat(v["arrived_at"])), int(v["amount_fen"]))
        for v in json.loads(lead.victims)
    ]


def traced_deposits(session: Session, case_id: int, token: str) -> list[Deposit]:
    """Deposits of the case's victims traceable by time at an account the tracing engine located."""
    leads = session.scalars(
        select(TraceLead).where(
            TraceLead.case_id == case_id, TraceLead.account_token == token, TraceLead.status == ACCEPTED
        )
    )
    return [d for lead in leads for d in lead_victims(lead)]
