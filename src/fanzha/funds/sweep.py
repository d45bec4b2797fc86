"""Funds stage: lists of instructions and the scheduled sweep of deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.audit.service import SYSTEM
from fanzha.db.uow import UnitOfWork
from fanzha.funds import domain
from fanzha.funds.core import FundsCore
from fanzha.funds.domain import Kind, Status
from fanzha.funds.renewals import lapse_pending
from fanzha.funds.tables import Instruction
from fanzha.identity.domain import Principal
from fanzha.identity.tables import Organisation


class SweepStage(FundsCore):
    """The police's lists and the sweep of deadlines."""

    # Lists and the sweep --------------------------------------------------------------------------------

    def instructions(
        self,
        principal: Principal,
        *,
        case_id: int | None = None,
        kind: str | None = None,
        status: str | None = None,
        overdue: bool = False,
        limit: int = 100,
    ) -> list[Instruction]:
        """Police: instructions newest first; `overdue`: answers past their deadline."""
        self._police(principal, "funds.instruction.list")
        query = select(Instruction).order_by(Instruction.id.desc()).limit(limit)
        if case_id is not None:
            query = query.where(Instruction.case_id == case_id)
        if kind:
            query = query.where(Instruction.kind == kind)
        if status:
            query = query.where(Instruction.status == status)
        if overdue:
            query = query.where(Instruction.status == Status.ISSUED, Instruction.due_at < self.clock.now())
        with self._sessions() as session:
            return list(session.scalars(query))

    def _warn_expiring(self, session: Session, now: datetime) -> int:
        """Warn once per term of each freeze ending within the warning window (so renewal is not missed)."""
        rows = session.scalars(
            select(Instruction)
            .where(
                Instruction.kind == Kind.FREEZE,
                Instruction.status == Status.FROZEN,
                Instruction.warned_at.is_(None),
                Instruction.expires_at > now,
                Instruction.expires_at <= now + self.expiry_warning,
            )
            .with_for_update()
        ).all()
        for row in rows:
            row.warned_at, row.updated_at = now, now
            # Art 19¶1 (不得超时限): a renewal is possible only while the freeze is in force.
            self._event(session, row, "expiring")
            self.audit.record(
                session,
                SYSTEM,
                "funds.freeze.expiring",
                object_type="funds_instruction",
                object_id=str(row.id),
            )
        return len(rows)

    def expiring(self, principal: Principal, days: int | None = None) -> list[Instruction]:
        """Freezes in force ending within `days` (default: the warning setting), soonest first."""
        self._police(principal, "funds.freeze.expiring")
        now = self.clock.now()
        window = timedelta(days=days) if days is not None else self.expiry_warning
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Instruction)
                    .where(
                        Instruction.kind == Kind.FREEZE,
                        Instruction.status == Status.FROZEN,
                        Instruction.expires_at > now,
                        Instruction.expires_at <= now + window,
                    )
                    .order_by(Instruction.expires_at, Instruction.id)
                    .limit(500)
                )
            )

    def sweep(self) -> dict[str, int]:
        """A scheduled job: escalate overdue answers, lapse stop-payments and freezes, start queued ones."""
        now = self.clock.now()
        counts = {"overdue": 0, "lapsed": 0, "promoted": 0}
        with UnitOfWork(self._sessions, self.clock) as uow:
            session = uow.session
            overdue = session.scalars(
                select(Instruction)
                .where(
                    Instruction.status == Status.ISSUED,
                    Instruction.escalated.is_(False),
                    Instruction.due_at < now,
                )
                .with_for_update()
            ).all()
            for row in overdue:
                if not domain.escalation_due(Status(row.status), row.escalated, row.due_at, now):
                    continue
                row.escalated, row.updated_at = True, now
                issuer = session.get(Organisation, row.issuer_org_id)
                # Art 19¶2: a late release alarms the deciding unit and its superior.
                self._event(session, row, "overdue", superior_org_id=issuer.parent_id if issuer else None)
                self.audit.record(
                    session,
                    SYSTEM,
                    f"funds.{row.kind}.overdue",
                    object_type="funds_instruction",
                    object_id=str(row.id),
                )
                counts["overdue"] += 1
            counts["expiring"] = self._warn_expiring(session, now)
            # Art 19¶1: a renewal not approved before the freeze ends lapses with it (no revival).
            counts["renewals_lapsed"] = lapse_pending(session, self.audit, now)
            ending = session.scalars(
                select(Instruction)
                .where(Instruction.status.in_([Status.HELD, Status.FROZEN]), Instruction.expires_at <= now)
                .with_for_update()
            ).all()
            tokens: set[str] = set()
            for row in ending:
                row.status, row.updated_at = str(Status.LAPSED), now
                self._event(session, row, "lapsed")
                self.audit.record(
                    session,
                    SYSTEM,
                    f"funds.{row.kind}.lapse",
                    object_type="funds_instruction",
                    object_id=str(row.id),
                )
                counts["lapsed"] += 1
                if row.kind == Kind.FREEZE:
                    tokens.add(row.account_token)
            session.flush()
            for token in sorted(tokens):
                counts["promoted"] += self._promote(session, token)
            uow.commit()
        return counts
