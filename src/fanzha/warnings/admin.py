"""The warnings service as wired: tasks plus the grid register, grids, grid workers and SMS templates."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from fanzha.audit.service import Actor
from fanzha.core.errors import PermissionDenied, ValidationFailed
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal, Role
from fanzha.identity.service import actor_of, refused
from fanzha.identity.tables import Organisation
from fanzha.samples.domain import FraudType
from fanzha.warnings import bulk, people, texts
from fanzha.warnings.domain import SignalKind, WarningLevel
from fanzha.warnings.service import Ingested, SignalInput
from fanzha.warnings.tables import WarnGrid, WarnTemplate
from fanzha.warnings.tasks import TaskDesk


@dataclass(frozen=True)
class ContactRow:
    """One contact of a sample number as the operator found it."""

    person_token: str | None
    id_number: str | None
    phone: str
    calls: int = 1
    longest_call_s: int = 0
    last_at: datetime | None = None


class Warnings(TaskDesk):
    """Everything of fanzha.warnings behind one object (Platform.warnings)."""

    def _desk(self, principal: Principal, action: str) -> people.Scope:
        with self.uow(read_only=True) as uow:
            scope = people.scope_of(uow.session, principal, action)
        if scope.grid_worker or principal.role is Role.GRID_WORKER:
            raise refused(PermissionDenied(field="role"), action, "warning", "")
        return scope

    def ingest_bulk(
        self, principal: Principal, items: list[SignalInput], *, actor: Actor | None = None
    ) -> list[Ingested]:
        """Take a list of signals set-based (fanzha.warnings.bulk), with the one-by-one path's rules."""
        # 50,000 contacts make a million small acyclic objects (rows, parameters): the cyclic collector
        # would walk them again and again for nothing.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._ingest_bulk(principal, items, actor)
        finally:
            if was_enabled:
                gc.enable()

    def _ingest_bulk(
        self, principal: Principal, items: list[SignalInput], actor: Actor | None
    ) -> list[Ingested]:
        now = self.clock.now()
        prepared = self.prepare(principal, items, now)
        who = actor or actor_of(principal)
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            org = session.get(Organisation, principal.org_id)
            out = bulk.intake(self, session, principal, org, who, prepared, now, self.templates(session))
            counts: dict[str, int] = {}
            for r in out:
                counts[r.action] = counts.get(r.action, 0) + 1
            self.audit.record(
                session,
                who,
                "warnings.signals",
                object_type="warning",
                source_ip=principal.source_ip,
                detail={"signals": len(items), "bulk": True, **counts},
            )
            uow.commit()
        return out

    def register(
        self,
        principal: Principal,
        rows: list[tuple[str, str, str]],
        family: dict[int, tuple[str, str]] | None = None,
    ) -> int:
        """Residents of grids in the reader's region (Art 4¶2): ID token, phone, grid; all or nothing."""
        now = self.clock.now()
        with self.identity.guarded(principal):
            scope = self._desk(principal, "warnings.register")
            with self.uow() as uow:
                for i, (_, _, grid) in enumerate(rows):
                    if not grid.startswith(scope.prefix):
                        raise ValidationFailed(
                            "网格不在本单位辖区内",
                            "The grid is outside your region",
                            field=f"items.{i}.grid_code",
                        )
                n = people.register(uow.session, self.vault, rows, now, family)
                self.audit.record(
                    uow.session,
                    actor_of(principal),
                    "warnings.register",
                    object_type="warn_person",
                    source_ip=principal.source_ip,
                    detail={"rows": n, "family_contacts": len(family or {})},
                )
                uow.commit()
                return n

    def add_grid(self, principal: Principal, code: str, name: str) -> WarnGrid:
        """A grid in the reader's region."""
        with self.identity.guarded(principal):
            scope = self._desk(principal, "warnings.grid")
            with self.uow() as uow:
                grid = people.add_grid(uow.session, code, name, self.clock.now(), scope)
                self.audit.record(
                    uow.session, actor_of(principal), "warnings.grid", object_type="warn_grid", object_id=code
                )
                uow.commit()
                return grid

    def grids(self, principal: Principal) -> list[WarnGrid]:
        """Grids of the reader's region."""
        scope = self._desk(principal, "warnings.grids")
        with self.uow(read_only=True) as uow:
            rows = list(
                uow.session.scalars(
                    select(WarnGrid).where(WarnGrid.code.startswith(scope.prefix)).order_by(WarnGrid.code)
                )
            )
            uow.session.expunge_all()  # loaded: they outlive the session's closing rollback
            return rows

    def assign(self, principal: Principal, user_id: int, code: str) -> None:
        """Make a grid worker the worker of a grid of the reader's region."""
        with self.identity.guarded(principal):
            scope = self._desk(principal, "warnings.assign")
            with self.uow() as uow:
                people.assign(uow.session, user_id, code, self.clock.now(), scope)
                self.audit.record(
                    uow.session,
                    actor_of(principal),
                    "warnings.assign",
                    object_type="user",
                    object_id=user_id,
                    detail={"grid": code},
                )
                uow.commit()

    def set_templates(self, principal: Principal, templates: dict[str, str]) -> dict[str, str]:
        """Replace texts per scam type; one with a link, a number or no tail is refused, nothing changes."""
        with self.identity.guarded(principal):
            self._desk(principal, "warnings.templates")
            checked = texts.check_templates(templates, [t.value for t in FraudType])
            now = self.clock.now()
            with self.uow() as uow:
                for scam, text in templates.items():
                    row = uow.session.get(WarnTemplate, scam) or WarnTemplate(scam_type=scam)
                    row.text, row.updated_by, row.updated_at = text, principal.username, now
                    uow.session.add(row)
                self.audit.record(
                    uow.session,
                    actor_of(principal),
                    "warnings.templates",
                    object_type="warn_template",
                    detail={"scam_types": sorted(templates)},
                )
                uow.commit()
            return checked

    def current_templates(self, principal: Principal) -> dict[str, str]:
        """The texts in force per scam type."""
        self._desk(principal, "warnings.templates")
        with self.uow(read_only=True) as uow:
            return self.templates(uow.session)

    def contacts(
        self,
        principal: Principal,
        fraud_number: str,
        scam_type: FraudType,
        sample_id: int | None,
        rows: list[ContactRow],
        *,
        one_by_one: bool = False,
    ) -> dict[str, int]:
        """12381: a sample number's contacts, each one signal (and one text per person at most).

        Set-based (fanzha.warnings.bulk); `one_by_one` takes the single path (the benchmark's baseline).
        """
        digits = "".join(c for c in fraud_number if c.isdigit())[-20:] or "x"
        items = []
        for i, row in enumerate(rows):
            if row.id_number:
                token = self.vault.token_of(
                    IdentifierKind.RESIDENT_ID, row.id_number, field=f"contacts.{i}.id_number"
                )[1]
            else:
                token = people.check_person_token(row.person_token or "", f"contacts.{i}.person_token")
            items.append(
                SignalInput(
                    SignalKind.SAMPLE_CONTACT,
                    f"12381:{digits}:{token[:40]}",
                    person_token=token,
                    phone=row.phone,
                    at=row.last_at,
                    scam_type=scam_type,
                    fraud_number=fraud_number,
                    contacts=row.calls,
                    longest_call_s=row.longest_call_s,
                    sample_id=sample_id,
                )
            )
        actions: dict[str, int] = {}
        take = self.ingest if one_by_one else self.ingest_bulk
        for result in take(principal, items):
            actions[result.action] = actions.get(result.action, 0) + 1
        return actions

    def from_run(self, principal: Principal, run_id: int) -> dict[str, int]:
        """A PotentialVictimV1 run's alerts become signals (Art 28); unknown people are counted."""
        from fanzha.detect.engines.victims import ENGINES
        from fanzha.detect.runs import DETECTING_ORGS
        from fanzha.detect.tables import DetectAlert, DetectRun
        from fanzha.disposal.tables import Holding
        from fanzha.warnings.tables import WarnPerson

        if principal.org_kind not in DETECTING_ORGS:
            self.identity.deny(principal, "warnings.from_run", "detect_run", run_id)
            raise PermissionDenied(
                "检测结果转预警由省、市反诈中心办理（第二十七条）",
                "Province and city centres turn detection runs into warnings (Art 27)",
                field="run_id",
            )
        names = {e.name for e in ENGINES}
        with self.uow(read_only=True) as uow:
            run = uow.session.get(DetectRun, run_id)
            if run is None or run.engine not in names or run.status != "succeeded":
                raise ValidationFailed(
                    "须为已完成的潜在受害人识别检测",
                    "Give a succeeded run of a potential-victim engine",
                    field="run_id",
                )
            alerts = uow.session.scalars(
                select(DetectAlert).where(DetectAlert.run_id == run_id, DetectAlert.kind == "resident_id")
            ).all()
            tokens = {a.token for a in alerts}
            known = set(
                uow.session.scalars(
                    select(WarnPerson.person_token).where(WarnPerson.person_token.in_(tokens))
                )
            )
            known |= set(
                uow.session.scalars(
                    select(Holding.holder_token).where(
                        Holding.holder_token.in_(tokens),
                        Holding.withdrawn_at.is_(None),
                        Holding.phone_token != "",
                    )
                )
            )
            engine, version = run.engine, run.engine_version
            items = [
                SignalInput(
                    SignalKind.PV_ALERT,
                    f"run{run_id}-alert{a.id}",
                    person_token=a.token,
                    at=a.last_seen,
                    level=WarningLevel(a.level),
                    engine=engine,
                    engine_version=version,
                    run_id=run_id,
                    alert_id=a.id,
                )
                for a in alerts
                if a.token in known
            ]
            n_alerts = len(alerts)
        counts = {"alerts": n_alerts, "unknown": n_alerts - len(items)}
        for result in self.ingest(principal, items) if items else []:
            counts[result.action] = counts.get(result.action, 0) + 1
        return counts
