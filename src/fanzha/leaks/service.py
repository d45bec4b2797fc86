"""Leak reports (Art 26): record a suspected source from the analysis, refer it, confirm or dismiss it."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import NotFound, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.identity.domain import Permission, Principal
from fanzha.identity.service import IdentityService, actor_of
from fanzha.leaks.domain import PARTY_KINDS, STATUSES, SUSPECTED, Candidate, can_move
from fanzha.leaks.tables import LeakReport


@dataclass(frozen=True)
class ReportInput:
    """A suspected source and the figures that point at it."""

    party_id: str
    party_kind: str
    party_name: str
    victims: int
    victim_share: float
    population_share: float
    note: str = ""


class LeakService:
    """Leak-source candidates (from the analysis files) and the reports police keep on them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        province_dir: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = auditor
        self._identity = identity
        self._dir = Path(province_dir) if province_dir else None

    @contextmanager
    def _work(self, principal: Principal) -> Iterator[Session]:
        with self._identity.guarded(principal), UnitOfWork(self._sessions, self._clock) as uow:
            yield uow.session

    def candidates(self, principal: Principal, top: int = 20) -> list[Candidate] | None:
        """Ranked candidate sources, or None when no analysis files are configured."""
        self._identity.authorise(principal, Permission.LEAK_WORK, "leaks.candidates")
        if self._dir is None:
            return None
        return _ranked(self._dir)[:top]

    def report(self, principal: Principal, r: ReportInput) -> LeakReport:
        """Record a suspected leak source (status 'suspected'), audited."""
        action = "leaks.report.create"
        self._identity.authorise(principal, Permission.LEAK_WORK, action)
        if not r.party_id.strip() or not r.party_name.strip():
            raise ValidationFailed(
                "请填写来源编号和名称", "party_id and party_name are required", field="party_id"
            )
        if r.party_kind not in PARTY_KINDS:
            raise ValidationFailed(
                "来源类型须为商户、快递、平台、学校、医院或其他",
                f"party_kind must be one of {', '.join(PARTY_KINDS)}",
                field="party_kind",
            )
        for name in ("victim_share", "population_share"):
            if not 0.0 <= getattr(r, name) <= 1.0:
                raise ValidationFailed(
                    f"{name} 须在 0 至 1 之间", f"{name} must be between 0 and 1", field=name
                )
        if r.victims < 0:
            raise ValidationFailed("受害人数不能为负", "victims must not be negative", field="victims")
        now = self._clock.now()
        lift = r.victim_share / r.population_share if r.population_share else 0.0
        with self._work(principal) as session:
            row = LeakReport(
                org_id=principal.org_id,
                party_id=r.party_id.strip(),
                party_kind=r.party_kind,
                party_name=r.party_name.strip(),
                victims=r.victims,
                victim_share_bp=round(r.victim_share * 10_000),
                population_share_bp=round(r.population_share * 10_000),
                lift_x100=round(lift * 100),
                note=r.note,
                status=SUSPECTED,
                status_note="",
                created_by=principal.username,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            self._audit.record(
                session, actor_of(principal), action, object_type="leak_report", object_id=row.id
            )
            session.commit()
            return row

    def move(self, principal: Principal, report_id: int, status: str, note: str = "") -> LeakReport:
        """Move a report along suspected → referred → confirmed | dismissed; anything else is refused."""
        action = "leaks.report.status"
        self._identity.authorise(principal, Permission.LEAK_WORK, action)
        if status not in STATUSES:
            raise ValidationFailed(
                "状态须为疑似、已移交、已确认或已排除",
                f"status must be one of {', '.join(STATUSES)}",
                field="status",
            )
        with self._work(principal) as session:
            row = session.get(LeakReport, report_id)
            if row is None:
                raise NotFound("没有这份泄露线索", "No such leak report", field="report_id")
            if not can_move(row.status, status):
                raise ValidationFailed(
                    f"线索当前状态为「{row.status}」，不能改为「{status}」",
                    f"A report in status {row.status} cannot move to {status}",
                    field="status",
                )
            row.status, row.status_note, row.updated_at = status, note, self._clock.now()
            session.flush()
            self._audit.record(
                session, actor_of(principal), action, object_type="leak_report", object_id=row.id,
                detail={"status": status},
            )  # fmt: skip
            session.commit()
            return row

    def reports(self, principal: Principal, limit: int = 200) -> list[LeakReport]:
        """Leak reports, newest first (province-wide: police units work leads together)."""
        self._identity.authorise(principal, Permission.LEAK_WORK, "leaks.report.list")
        with self._sessions() as session:
            rows = session.scalars(select(LeakReport).order_by(LeakReport.id.desc()).limit(limit)).all()
            session.expunge_all()
            return list(rows)


@functools.lru_cache(maxsize=4)
def _ranked(directory: Path) -> list[Candidate]:
    """The ranking of files that do not change while the server runs: computed once per directory."""
    from fanzha.leaks.simulated import analyse

    if not (directory / "dealings.parquet").exists():
        return []
    return analyse(directory)
