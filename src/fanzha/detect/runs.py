"""Detection runs: start, claim with a lease, execute, store alerts protected, read, apply policies."""

from __future__ import annotations

import contextlib
import os
import socket
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import SYSTEM, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import Conflict, FanzhaError, NotFound, PermissionDenied, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.detect.frame import Engine
from fanzha.detect.policies import OutcomeKind, Policy, default_policies, parse_policies, policies_for
from fanzha.detect.province import BACKENDS, Backend
from fanzha.detect.tables import DetectAlert, DetectOutcome, DetectRun
from fanzha.identifiers import Identifier, IdentifierKind, IdentifierVault, normalise
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.identity.tables import Organisation

if TYPE_CHECKING:
    from fanzha.bootstrap import Platform
    from fanzha.samples.service import SampleService

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
STATUS_LABELS = {
    QUEUED: ("排队中", "Queued"),
    RUNNING: ("运行中", "Running"),
    SUCCEEDED: ("已完成", "Succeeded"),
    FAILED: ("失败", "Failed"),
}
# "The province / city centre" (Art 27¶2): counties and townships act on what the centres find.
DETECTING_ORGS = frozenset({OrgKind.POLICE_PROVINCE, OrgKind.POLICE_CITY})
# Institutions monitor their own data for the duties the provisions give their sector, so each may run
# the engines serving those articles: operators Art 10-14, banks Art 16-18, payment institutions Art 18,
# internet services Art 20-23; Art 33 (fraud money exchanged for crypto) is seen by the banks and payment
# institutions that pay the merchants and by the platforms that serve them. Their runs read only their own
# folder under the data root.
SECTOR_ARTICLES: dict[OrgKind, frozenset[str]] = {
    OrgKind.TELECOM: frozenset({"10", "11", "12", "13", "14"}),
    OrgKind.BANK: frozenset({"16", "17", "18", "33"}),
    OrgKind.PAYMENT: frozenset({"18", "33"}),
    OrgKind.INTERNET: frozenset({"20", "21", "22", "23", "33"}),
}
MAX_ATTEMPTS = 3
PAGE_MAX = 500


class LeaseLost(Exception):
    """Another worker took the run over after this worker's lease ran out."""


@dataclass(frozen=True)
class AlertView:
    """An alert as shown: masked always, the raw value only when revealed (audited)."""

    alert: DetectAlert
    raw_value: str | None


def worker_name() -> str:
    """A worker id unique on this machine: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class DetectRunService:
    """Detection runs of the province and city centres, executed by lease-holding workers."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        vault: IdentifierVault,
        data_root: Path,
        samples: SampleService,
        policies: tuple[Policy, ...] | None = None,
        spark_master: str | None = None,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.audit = auditor
        self._identity = identity
        self.vault = vault
        self.data_root = data_root
        self.policies = policies if policies is not None else default_policies()
        self._samples = samples
        self._spark_master = spark_master

    @classmethod
    def of(cls, platform: Platform) -> DetectRunService:
        """The service over a platform's database, vault and settings (cheap: holds references)."""
        s = platform.settings
        return cls(
            platform.sessions,
            platform.clock,
            platform.auditor,
            platform.identity,
            platform.samples.vault,
            s.detect_data_root or s.data_dir / "provinces",
            platform.samples,
            parse_policies(s.detect_policies) or None,
        )

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, self.clock)

    # Starting and reading ----------------------------------------------------------------------

    def centre_only(self, principal: Principal, action: str) -> None:
        """Refuse (audited) anyone outside the province and city centres (Art 27)."""
        if OrgKind(principal.org_kind) not in DETECTING_ORGS:
            self._identity.deny(principal, action, "detect_run", "")
            raise PermissionDenied(
                "只有省、市公安机关反诈中心可以执行此操作",
                "Only the province and city police centres may do this",
                field="org",
            )

    def detecting_only(self, principal: Principal, action: str) -> None:
        """Refuse (audited) anyone neither leading detection (centres) nor bound to monitor (sectors)."""
        kind = OrgKind(principal.org_kind)
        if kind not in DETECTING_ORGS and kind not in SECTOR_ARTICLES:
            self._identity.deny(principal, action, "detect_run", "")
            raise PermissionDenied(
                "只有省、市反诈中心和负有监测义务的机构可以运行检测",
                "Only the province and city centres and institutions with a duty to monitor run detection",
                field="org",
            )

    def _may_run(self, principal: Principal, engine: Engine) -> None:
        """Centres run every engine; an institution only those serving its sector's articles."""
        kind = OrgKind(principal.org_kind)
        if kind in DETECTING_ORGS:
            return
        articles = {a.strip().split("¶")[0] for a in engine.articles.split(",")}
        if not articles <= SECTOR_ARTICLES.get(kind, frozenset()):
            self._identity.deny(principal, "detect.start", "detect_engine", engine.name)
            raise PermissionDenied(
                f"{engine.name}（第{engine.articles}条）不属于本行业的监测义务",
                f"{engine.name} (Art {engine.articles}) is not your sector's monitoring duty",
                field="engine",
            )

    def root_of(self, principal: Principal) -> Path:
        """Where the caller's data lies: the whole root for the centres, an institution's own folder."""
        if OrgKind(principal.org_kind) in DETECTING_ORGS:
            return self.data_root
        with self._sessions() as session:
            org = session.get(Organisation, principal.org_id)
            code = org.code if org is not None else str(principal.org_id)
        return self.data_root / code

    def resolve_data_dir(self, value: str, principal: Principal) -> Path:
        """The data directory, which must lie under the caller's root and hold a province's data."""
        root = self.root_of(principal).resolve()
        raw = Path(value.strip())
        path = (raw if raw.is_absolute() else root / raw).resolve()
        if not value.strip() or not path.is_relative_to(root):
            # No server path reaches an institution: it names one of its uploaded datasets.
            shown = str(root) if OrgKind(principal.org_kind) in DETECTING_ORGS else "本单位上传的数据集"
            shown_en = (
                str(root) if OrgKind(principal.org_kind) in DETECTING_ORGS else "your uploaded datasets"
            )
            raise ValidationFailed(
                f"数据目录必须位于 {shown} 之下",
                f"The data directory must lie under {shown_en}",
                field="data_dir",
            )
        if not (path / "manifest.json").is_file():
            raise ValidationFailed(
                "该目录不是省级数据目录（缺少 manifest.json）",
                "Not a province data directory (no manifest.json)",
                field="data_dir",
            )
        return path

    def start(self, principal: Principal, engine: str, backend: str, data_dir: str) -> DetectRun:
        """Queue a run of `engine` on `data_dir`; a worker picks it up."""
        from fanzha.detect.registry import engine as find

        self.detecting_only(principal, "detect.start")
        found = find(engine)
        self._may_run(principal, found)
        if backend not in BACKENDS:
            raise ValidationFailed(
                f"未知的计算后端：{backend}（duckdb | pyspark）",
                f"Unknown backend: {backend} (duckdb | pyspark)",
                field="backend",
            )
        path = self.resolve_data_dir(data_dir, principal)
        now = self.clock.now()
        with self._identity.guarded(principal), self.uow() as uow:
            run = DetectRun(
                engine=found.name,
                engine_version=found.version,
                backend=backend,
                data_dir=str(path),
                requested_by=principal.username,
                user_id=principal.user_id,
                org_id=principal.org_id,
                status=QUEUED,
                stage="排队 queued",
                error="",
                attempts=0,
                alerts_high=0,
                alerts_medium=0,
                alerts_low=0,
                created_at=now,
            )
            uow.session.add(run)
            uow.session.flush()
            self.audit.record(
                uow.session,
                actor_of(principal),
                "detect.start",
                object_type="detect_run",
                object_id=run.id,
                source_ip=principal.source_ip,
                detail={"engine": run.engine, "backend": backend, "data_dir": run.data_dir},
            )
            uow.commit()
            return run

    def _visible(self, principal: Principal, run: DetectRun | None) -> bool:
        # The provincial centre oversees every run; a city centre or an institution sees its own.
        return run is not None and (
            principal.org_kind == OrgKind.POLICE_PROVINCE or run.org_id == principal.org_id
        )

    def recent(self, principal: Principal, limit: int = 50) -> list[DetectRun]:
        """The latest runs the caller may see, newest first."""
        self.detecting_only(principal, "detect.list")
        query = select(DetectRun).order_by(DetectRun.id.desc()).limit(min(limit, PAGE_MAX))
        if principal.org_kind != OrgKind.POLICE_PROVINCE:
            query = query.where(DetectRun.org_id == principal.org_id)
        with self._sessions() as session:
            return list(session.scalars(query))

    def get(self, principal: Principal, run_id: int) -> DetectRun:
        """One run with its status and progress."""
        self.detecting_only(principal, "detect.read")
        with self._identity.guarded(principal), self._sessions() as session:
            run = session.get(DetectRun, run_id)
            if run is None or not self._visible(principal, run):
                raise refused(NotFound(field="run_id"), "detect.read", "detect_run", run_id)
            return run

    def alerts(
        self,
        principal: Principal,
        run_id: int,
        *,
        level: str | None = None,
        kind: str | None = None,
        after: int = 0,
        limit: int = 100,
        reveal: bool = False,
    ) -> list[AlertView]:
        """A page of a run's alerts (by id after `after`); revealing raw identifiers is audited (Art 26)."""
        if level is not None and level not in ("high", "medium", "low"):
            raise ValidationFailed(
                "风险等级应为 high、medium 或 low", "level: high | medium | low", field="level"
            )
        if kind is not None and kind not in {k.value for k in IdentifierKind}:
            raise ValidationFailed(f"未知的对象类型：{kind}", f"Unknown object kind: {kind}", field="kind")
        if not 1 <= limit <= PAGE_MAX:
            raise ValidationFailed(f"每页 1-{PAGE_MAX} 条", f"limit must be 1-{PAGE_MAX}", field="limit")
        run = self.get(principal, run_id)
        query = select(DetectAlert).where(DetectAlert.run_id == run.id, DetectAlert.id > after)
        if level:
            query = query.where(DetectAlert.level == level)
        if kind:
            query = query.where(DetectAlert.kind == kind)
        with self.uow() as uow:
            rows = list(uow.session.scalars(query.order_by(DetectAlert.id).limit(limit)))
            views = [
                AlertView(a, self.vault.decrypt(a.kind, a.token, a.ciphertext).value if reveal else None)
                for a in rows
            ]
            self.audit.record(
                uow.session,
                actor_of(principal),
                "detect.alerts.reveal" if reveal else "detect.alerts.read",
                object_type="detect_run",
                object_id=run.id,
                source_ip=principal.source_ip,
                detail={"alert_ids": [a.id for a in rows]} if reveal else {"count": len(rows)},
            )
            uow.commit()
            return views

    def outcomes(self, principal: Principal, run_id: int) -> dict[str, int]:
        """How many sample candidates, orders and warnings the policies made of a run's alerts."""
        run = self.get(principal, run_id)
        with self._sessions() as session:
            kinds = session.scalars(select(DetectOutcome.outcome).where(DetectOutcome.run_id == run.id))
            return dict(Counter(kinds))

    # Workers --------------------------------------------------------------------------------------

    def _claimable(self, now: datetime) -> Any:
        return or_(
            DetectRun.status == QUEUED,
            (DetectRun.status == RUNNING) & (DetectRun.lease_until < now),
        )

    def claim(self, worker: str, lease: timedelta) -> int | None:
        """Take the oldest queued run, or one whose worker's lease ran out; None when there is none."""
        now = self.clock.now()
        with self.uow() as uow:
            for run_id in uow.session.scalars(
                select(DetectRun.id).where(self._claimable(now)).order_by(DetectRun.id).limit(5)
            ):
                # Compare-and-set: of several workers racing for one run, exactly one update matches.
                taken = uow.session.execute(
                    update(DetectRun)
                    .where(DetectRun.id == run_id, self._claimable(now))
                    .values(
                        status=RUNNING,
                        lease_owner=worker,
                        lease_until=now + lease,
                        attempts=DetectRun.attempts + 1,
                        started_at=now,
                        stage="领取 claimed",
                    )
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    uow.commit()
                    return run_id
            return None

    def _renew(self, run_id: int, worker: str, lease: timedelta, stage: str) -> None:
        """Record progress and extend the lease; LeaseLost if another worker holds it now."""
        now = self.clock.now()
        with self.uow() as uow:
            done = uow.session.execute(
                update(DetectRun)
                .where(DetectRun.id == run_id, DetectRun.lease_owner == worker, DetectRun.status == RUNNING)
                .values(stage=stage[:200], lease_until=now + lease)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise LeaseLost(run_id)
            uow.commit()

    def execute(self, run_id: int, worker: str, lease: timedelta) -> str:
        """Run a claimed run's engine, store its alerts and finish it; returns the final status."""
        from fanzha.detect.province import Province
        from fanzha.detect.registry import engine as find
        from fanzha.detect.runner import run as run_engine

        with self._sessions() as session:
            run = session.get_one(DetectRun, run_id)
            engine_name, backend, data_dir, attempts = run.engine, run.backend, run.data_dir, run.attempts
        if attempts > MAX_ATTEMPTS:
            return self._finish(
                run_id, worker, FAILED, error=f"超过最大尝试次数 more than {MAX_ATTEMPTS} attempts"
            )
        try:
            found = find(engine_name)
            b: Backend = "pyspark" if backend == "pyspark" else "duckdb"
            options = {"spark_master": self._spark_master} if b == "pyspark" else {}
            province = Province.open(Path(data_dir), b, **options)
            table = run_engine(found, province, lambda stage: self._renew(run_id, worker, lease, stage))
            self._renew(run_id, worker, lease, f"保存 {table.num_rows} 条告警 storing alerts")
            rows = [self._alert_row(run_id, r) for r in table.to_pylist()]
        except LeaseLost:
            raise
        except Exception as error:  # noqa: BLE001 - any engine or data failure fails the run, with its text
            return self._finish(run_id, worker, FAILED, error=f"{type(error).__name__}: {error}"[:4000])
        return self._finish(run_id, worker, SUCCEEDED, rows=rows)

    def _alert_row(self, run_id: int, r: dict[str, Any]) -> dict[str, Any]:
        """One engine alert with its identifier tokenised, masked and encrypted (Art 26, 27)."""
        identifier = self._identifier(str(r["object_kind"]), str(r["identifier"]))
        token = self.vault.token(identifier)
        return {
            "run_id": run_id,
            "kind": identifier.kind.value,
            "token": token,
            "masked": self.vault.mask(identifier)[:200],
            "ciphertext": self.vault.encrypt(identifier, token),
            "score": float(r["score"]),
            "level": str(r["level"]),
            "reasons": str(r["reasons"] or ""),
            "last_seen": r["last_seen"],
        }

    @staticmethod
    def _identifier(kind: str, raw: str) -> Identifier:
        try:
            return normalise(kind, raw)
        except FanzhaError:
            # Simulated or foreign values the normaliser does not know: kept as given, still protected.
            return Identifier(IdentifierKind(kind), raw.strip())

    def _finish(
        self,
        run_id: int,
        worker: str,
        status: str,
        *,
        error: str = "",
        rows: list[dict[str, Any]] | None = None,
    ) -> str:
        """End the run if this worker still holds the lease: alerts and status in one transaction."""
        now = self.clock.now()
        levels = Counter(r["level"] for r in rows or [])
        with self.uow() as uow:
            done = uow.session.execute(
                update(DetectRun)
                .where(DetectRun.id == run_id, DetectRun.lease_owner == worker, DetectRun.status == RUNNING)
                .values(
                    status=status,
                    error=error,
                    stage="完成 done" if status == SUCCEEDED else "失败 failed",
                    finished_at=now,
                    lease_owner=None,
                    lease_until=None,
                    alerts_high=levels["high"],
                    alerts_medium=levels["medium"],
                    alerts_low=levels["low"],
                )
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise LeaseLost(run_id)
            uow.session.execute(delete(DetectAlert).where(DetectAlert.run_id == run_id))
            if rows:
                uow.session.execute(insert(DetectAlert), rows)
            self.audit.record(
                uow.session,
                SYSTEM,
                "detect.finish",
                object_type="detect_run",
                object_id=run_id,
                detail={"status": status, "alerts": len(rows or []), "worker": worker},
            )
            uow.commit()
        return status

    def work_once(self, worker: str, lease: timedelta = timedelta(minutes=5)) -> int | None:
        """Claim and execute one run; the run's id, or None when the queue is empty."""
        run_id = self.claim(worker, lease)
        if run_id is None:
            return None
        with contextlib.suppress(LeaseLost):  # another worker finishes it; nothing of ours was written
            self.execute(run_id, worker, lease)
        return run_id

    def status_of(self, run_id: int) -> str:
        """A run's status, for the worker's log."""
        with self._sessions() as session:
            return session.get_one(DetectRun, run_id).status

    # Policies -------------------------------------------------------------------------------------

    def apply_policies(self, principal: Principal, run_id: int) -> dict[str, int]:
        """Turn a succeeded run's alerts into outcomes by the policies; applying twice adds nothing."""
        from fanzha.samples.domain import SampleStatus, check_not_protected
        from fanzha.samples.schemas import SamplePublish
        from fanzha.samples.service import Prepared

        self.centre_only(principal, "detect.apply")  # alerts become samples and warnings: police work
        run = self.get(principal, run_id)
        if run.status != SUCCEEDED:
            raise Conflict(
                "只有已完成的检测才能应用处置策略",
                "Only a succeeded run can have policies applied",
                field="run_id",
            )
        created: Counter[str] = Counter()
        now = self.clock.now()
        with self._identity.guarded(principal), self.uow() as uow:
            session = uow.session
            locked = session.scalars(select(DetectRun).where(DetectRun.id == run.id).with_for_update()).one()
            done = {
                (a, o)
                for a, o in session.execute(
                    select(DetectOutcome.alert_id, DetectOutcome.outcome).where(
                        DetectOutcome.run_id == run.id
                    )
                )
            }
            for alert in session.scalars(
                select(DetectAlert).where(DetectAlert.run_id == run.id).order_by(DetectAlert.id)
            ):
                for policy in policies_for(self.policies, run.engine, alert.level):
                    if (alert.id, policy.outcome.value) in done:
                        continue
                    outcome = DetectOutcome(
                        run_id=run.id,
                        alert_id=alert.id,
                        outcome=policy.outcome.value,
                        created_at=now,
                        detail="",
                    )
                    if policy.outcome is OutcomeKind.SAMPLE:
                        identifier = self.vault.decrypt(alert.kind, alert.token, alert.ciphertext)
                        try:
                            check_not_protected(identifier)
                            data = SamplePublish(
                                kind=identifier.kind.value,
                                value=identifier.value,
                                fraud_type=policy.fraud_type,
                                confidence=round(alert.score * 100),
                                evidence=f"{run.engine} v{run.engine_version}：{alert.reasons}"[:4000],
                                case_ref=f"detect-run-{run.id}",
                            )
                            prepared = Prepared(identifier, alert.token, data, SampleStatus.PENDING)
                            sample, _ = self._samples.write(session, principal, prepared)
                            outcome.sample_id = sample.id
                        except FanzhaError as refusal:
                            outcome.detail = refusal.message_zh[:500]
                    elif policy.outcome is OutcomeKind.WARNING:
                        outcome.detail = f"第{policy.article}条 预警劝阻：{alert.reasons}"[:500]
                    session.add(outcome)
                    created[policy.outcome.value] += 1
            locked.policies_applied_at = now
            self.audit.record(
                session,
                actor_of(principal),
                "detect.apply_policies",
                object_type="detect_run",
                object_id=run.id,
                source_ip=principal.source_ip,
                detail=dict(created),
            )
            uow.commit()
        return dict(created)
