"""Tasks (Art 28¶2, 4¶2): who sees which, taking one, recording the outcome, escalation when none is taken."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from fanzha.audit.service import SYSTEM, Actor
from fanzha.core.errors import NotFound, PermissionDenied, ValidationFailed
from fanzha.db.rows import among
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal
from fanzha.identity.service import actor_of, refused
from fanzha.warnings import domain
from fanzha.warnings.delays import delay_accounts, release_delays
from fanzha.warnings.domain import OPEN_TASKS, Channel, Level, Next, Outcome, TaskStatus
from fanzha.warnings.funds_draft import draft_case
from fanzha.warnings.people import Scope, scope_of
from fanzha.warnings.service import CLOSED, OPEN, WarningService
from fanzha.warnings.tables import WarnGrid, Warning_, WarnPerson, WarnSignal, WarnTask


@dataclass(frozen=True)
class TaskView:
    """What a task shows: only what the call or visit needs (Art 26: the phone to dial, nothing else)."""

    task: WarnTask
    warning: Warning_
    phone: str | None
    phone_masked: str
    grid_name: str


def _visible(q: Any, scope: Scope) -> Any:
    """Tasks within the reader's reach: their grid's visits (and widened ones), or their region's."""
    if scope.grid_worker:
        assert scope.grid is not None
        return q.where(
            WarnTask.channel == str(Channel.VISIT),
            or_(
                WarnTask.grid_code == scope.grid,
                (WarnTask.widened.is_(True)) & (WarnTask.township_code == scope.grid[:9]),
            ),
        )
    if scope.prefix:
        return q.where(WarnTask.county_code.startswith(scope.prefix))
    return q


class TaskDesk(WarningService):
    """The desk's and the grid workers' side: lists, accept, outcome, sweep, board."""

    def tasks(
        self, principal: Principal, status: str | None = None, limit: int = 100
    ) -> list[tuple[WarnTask, Warning_]]:
        """Tasks the reader may see, the most urgent first (no identifier: the list shows masks only)."""
        with self.identity.guarded(principal), self.uow() as uow:
            scope = scope_of(uow.session, principal, "warnings.tasks")
            q = select(WarnTask, Warning_).join(Warning_, Warning_.id == WarnTask.warning_id)
            if status == "open":
                q = q.where(WarnTask.status.in_([str(s) for s in OPEN_TASKS]))
            elif status:
                q = q.where(WarnTask.status == status)
            rows = uow.session.execute(
                _visible(q, scope).order_by(WarnTask.due_at, WarnTask.id).limit(limit)
            ).all()
            self.audit.record(
                uow.session,
                actor_of(principal),
                "warnings.tasks.list",
                object_type="warn_task",
                source_ip=principal.source_ip,
                detail={"count": len(rows)},
            )
            uow.commit()
            return [(t, w) for t, w in rows]

    def _task(
        self, session: Session, principal: Principal, task_id: int, action: str
    ) -> tuple[WarnTask, Scope]:
        scope = scope_of(session, principal, action)
        q = _visible(select(WarnTask).where(WarnTask.id == task_id), scope).with_for_update()
        task = session.scalars(q).first()
        if task is None:
            # "Absent" and "not your grid" answer alike.
            raise refused(
                NotFound("任务不存在或不在本辖区", "No such task in your reach", field="task_id"),
                action,
                "warn_task",
                task_id,
            )
        return task, scope

    def task(self, principal: Principal, task_id: int) -> TaskView:
        """One task with the phone to dial (audited as a read of personal information, Art 26)."""
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            task, _ = self._task(session, principal, task_id, "warnings.task.read")
            warning = session.get(Warning_, task.warning_id)
            assert warning is not None
            person = session.get(WarnPerson, warning.person_token)
            phone = None
            family = task.channel == Channel.FAMILY  # the family contact's phone, not the person's
            token, blob, masked = (
                (person.family_phone_token, person.family_phone_ciphertext, person.family_phone_masked)
                if person is not None and family
                else (person.phone_token, person.phone_ciphertext, person.phone_masked)
                if person is not None
                else ("", None, "")
            )
            if blob and TaskStatus(task.status) in OPEN_TASKS:
                phone = self.vault.decrypt(IdentifierKind.PHONE, token, blob).value
            grid = session.get(WarnGrid, task.grid_code) if task.grid_code else None
            self.audit.record(
                session,
                actor_of(principal),
                "warnings.task.read",
                object_type="warn_task",
                object_id=task.id,
                source_ip=principal.source_ip,
                detail={"warning_id": warning.id, "phone_shown": phone is not None, "family": family},
            )
            uow.commit()
            return TaskView(task, warning, phone, masked, grid.name_zh if grid else "")

    def accept(self, principal: Principal, task_id: int) -> WarnTask:
        """Take a task: it is yours to call or visit; nobody else records its outcome."""
        now = self.clock.now()
        with self.identity.guarded(principal), self.uow() as uow:
            task, _ = self._task(uow.session, principal, task_id, "warnings.task.accept")
            task.status = str(domain.move(TaskStatus(task.status), TaskStatus.ACCEPTED))
            task.assignee_id, task.assignee = principal.user_id, principal.username
            task.accepted_at = task.updated_at = now
            self.audit.record(
                uow.session,
                actor_of(principal),
                "warnings.task.accept",
                object_type="warn_task",
                object_id=task.id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            return task

    def _family(
        self, session: Session, warning: Warning_, task: WarnTask, actor: Actor, now: datetime
    ) -> bool:
        """Refused to believe: a call to the registered family contact for the county desk (BASIS_FAMILY).

        Recorded as a task and audited; False when the person registered no family contact.
        """
        person = session.get(WarnPerson, warning.person_token)
        if person is None or not person.family_phone_ciphertext:
            return False
        family = self.new_task(session, warning, Channel.FAMILY, now, escalated_from=task.id)
        family.note = "当事人不相信劝阻，联系其登记的家属（第二十八条第二款）"
        self.audit.record(
            session,
            actor,
            "warnings.family",
            object_type="warn_task",
            object_id=family.id,
            detail={"warning_id": warning.id, "from_task": task.id, "family_token": person.family_token},
        )
        return True

    def route(self, principal: Principal, task_id: int, grid_code: str) -> WarnTask:
        """The county desk sends a visit of its unassigned queue (someone not in the register) to a grid.

        Art 4¶2 协助有关部门依法做好预警劝阻: the grid worker of the grid where the person was found goes.
        """
        now = self.clock.now()
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            task, scope = self._task(session, principal, task_id, "warnings.task.route")
            if scope.grid_worker:
                raise refused(PermissionDenied(field="role"), "warnings.task.route", "warn_task", task_id)
            if task.channel != Channel.VISIT or task.grid_code or TaskStatus(task.status) not in OPEN_TASKS:
                raise ValidationFailed(
                    "只有待分派的上门任务（网格登记外人员）可以分派到网格",
                    "Only an open visit in the county's unassigned queue can be routed to a grid",
                    field="task_id",
                )
            grid = session.get(WarnGrid, grid_code)
            if (
                grid is None
                or not grid_code.startswith(scope.prefix)
                or (task.county_code and grid.county_code != task.county_code)
            ):
                raise ValidationFailed(
                    "网格不存在或不在该任务所在区县", "No such grid in the task's county", field="grid_code"
                )
            task.grid_code, task.township_code, task.updated_at = grid.code, grid.township_code, now
            task.county_code = task.county_code or grid.county_code
            self.audit.record(
                session,
                actor_of(principal),
                "warnings.task.route",
                object_type="warn_task",
                object_id=task.id,
                source_ip=principal.source_ip,
                detail={"grid": grid.code},
            )
            uow.commit()
            return task

    def outcome(self, principal: Principal, task_id: int, outcome: Outcome, note: str = "") -> WarnTask:
        """Record what the call or visit achieved; escalate or close as domain.after_outcome says."""
        now = self.clock.now()
        if len(note) > 1000:
            raise ValidationFailed("备注不超过 1000 字", "A note has at most 1000 characters", field="note")
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            task, _ = self._task(session, principal, task_id, "warnings.task.outcome")
            if task.status != TaskStatus.ACCEPTED or task.assignee_id != principal.user_id:
                raise refused(
                    PermissionDenied(
                        "只有接收该任务的人员才能登记结果（请先接收任务）",
                        "Only the person who accepted the task records its outcome (accept it first)",
                        field="task_id",
                    ),
                    "warnings.task.outcome",
                    "warn_task",
                    task_id,
                )
            task.status = str(domain.move(TaskStatus(task.status), TaskStatus.DONE))
            task.outcome, task.note, task.done_at, task.updated_at = str(outcome), note.strip(), now, now
            warning = session.get(Warning_, task.warning_id, with_for_update=True)
            assert warning is not None
            if outcome is not Outcome.UNREACHABLE and warning.first_contact_at is None:
                warning.first_contact_at = now  # reached by a call or at the door
            nxt = domain.after_outcome(Channel(task.channel), Level(task.level), outcome)
            self._follow(session, warning, task, nxt, outcome, actor_of(principal), now)
            case = None
            if outcome is Outcome.ALREADY_PAID and warning.funds_case_id is None:
                # The money is gone: a funds case drafted for the police to confirm (Art 35).
                case = draft_case(session, warning, note.strip(), principal.username, now)
            if case is not None:
                warning.funds_case_id = case.id
                self.audit.record(
                    session,
                    actor_of(principal),
                    "warnings.funds_draft",
                    object_type="funds_case",
                    object_id=case.id,
                    source_ip=principal.source_ip,
                    detail={"warning_id": warning.id},
                )
            self.audit.record(
                session,
                actor_of(principal),
                "warnings.task.outcome",
                object_type="warn_task",
                object_id=task.id,
                source_ip=principal.source_ip,
                detail={"outcome": str(outcome), "warning_id": warning.id},
            )
            uow.commit()
            return task

    def _follow(
        self,
        session: Session,
        warning: Warning_,
        task: WarnTask,
        nxt: Next,
        outcome: Outcome | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        """Carry out the next step: a visit, a bank delay (Art 18¶4), widening, closing and releasing."""
        if nxt.visit:
            self.new_task(session, warning, Channel.VISIT, now, escalated_from=task.id)
        if nxt.bank_delay:
            delay_accounts(self.disposal, session, warning, actor.name)
        if nxt.widen:
            task.widened, task.updated_at = True, now
        family = nxt.family and self._family(session, warning, task, actor, now)
        if nxt.close and outcome is not None and not family:
            warning.status, warning.outcome, warning.outcome_at, warning.updated_at = (
                CLOSED,
                str(outcome),
                now,
                now,
            )
            for other in session.scalars(
                select(WarnTask).where(
                    WarnTask.warning_id == warning.id,
                    WarnTask.id != task.id,
                    WarnTask.status.in_([str(s) for s in OPEN_TASKS]),
                )
            ):
                other.status, other.updated_at = str(TaskStatus.CANCELLED), now
        if outcome is Outcome.FALSE_ALARM:
            self._false_alarm(session, warning, now)
        if nxt.release_delay and outcome is not None:
            release_delays(
                self.disposal,
                session,
                warning,
                actor.name,
                f"预警劝阻结果：{domain.OUTCOME_LABELS[outcome][0]}，解除延迟支付结算（第十八条第四款）",
            )

    @staticmethod
    def _false_alarm(session: Session, warning: Warning_, now: datetime) -> None:
        """Feed a false alarm back to the detection run and alert that raised it (its outcomes count it)."""
        from fanzha.detect.tables import DetectAlert, DetectOutcome

        for sig in session.scalars(
            select(WarnSignal).where(WarnSignal.warning_id == warning.id, WarnSignal.alert_id.is_not(None))
        ):
            alert = session.get(DetectAlert, sig.alert_id)
            if alert is None or alert.run_id != sig.run_id:
                continue
            seen = session.scalars(
                select(DetectOutcome.id).where(
                    DetectOutcome.alert_id == alert.id, DetectOutcome.outcome == "false_alarm"
                )
            ).first()
            if seen is None:
                session.add(
                    DetectOutcome(
                        run_id=alert.run_id,
                        alert_id=alert.id,
                        outcome="false_alarm",
                        created_at=now,
                        detail=f"预警劝阻核实为误报（第{warning.id}号预警）",
                    )
                )

    def sweep(self, limit: int = 1000) -> dict[str, int]:
        """Tasks past their deadline and not taken: missed, then escalated (domain.on_missed); texts sent."""
        now = self.clock.now()
        counts = {"missed": 0, "visits": 0, "sms": 0}
        with self.uow() as uow:
            session = uow.session
            due = session.scalars(
                select(WarnTask)
                .where(WarnTask.status == str(TaskStatus.NEW), WarnTask.due_at <= now)
                .order_by(WarnTask.due_at)
                .limit(limit)
                .with_for_update()
            ).all()
            for task in due:
                task.status, task.updated_at = str(domain.move(TaskStatus.NEW, TaskStatus.MISSED)), now
                warning = session.get(Warning_, task.warning_id)
                assert warning is not None
                nxt = domain.on_missed(Channel(task.channel), Level(task.level))
                self._follow(session, warning, task, nxt, None, SYSTEM, now)
                counts["missed"] += 1
                counts["visits"] += int(nxt.visit)
            if due:
                self.audit.record(session, SYSTEM, "warnings.sweep", object_type="warn_task", detail=counts)
            uow.commit()
        counts["sms"] = self.deliver(limit)
        return counts

    def deliver(self, limit: int = 1000) -> int:
        """Hand queued texts to the gateway; a failure leaves the rest for the next pass."""
        from fanzha.warnings.tables import WarnSms

        now = self.clock.now()
        with self.uow() as uow:
            session = uow.session
            rows = session.execute(
                select(
                    WarnSms.id,
                    WarnSms.warning_id,
                    WarnSms.phone_token,
                    WarnSms.phone_ciphertext,
                    WarnSms.text,
                )
                .where(WarnSms.sent_at.is_(None))
                .order_by(WarnSms.id)
                .limit(limit)
                .with_for_update()
            ).all()
            sent: list[int] = []
            tried: list[int] = []
            for sms_id, _, phone_token, ciphertext, text in rows:
                phone = self.vault.decrypt(IdentifierKind.PHONE, phone_token, ciphertext).value
                tried.append(sms_id)
                try:
                    self.sender.send(sms_id, phone, text)
                except Exception:  # noqa: BLE001 - the gateway is down or busy: retry on the next pass
                    break
                sent.append(sms_id)
            # Set-based, not an UPDATE per text: a burst hands over hundreds at a time. Core tables: no
            # ORM objects to keep in step.
            sms_t, warn_t = cast(Table, WarnSms.__table__), cast(Table, Warning_.__table__)
            if sent:
                session.execute(
                    update(sms_t)
                    .where(among(session, sms_t.c.id, sent))
                    .values(attempts=sms_t.c.attempts + 1, sent_at=now)
                )
                contacted = sorted({row[1] for row in rows[: len(sent)]})
                session.execute(
                    update(warn_t)
                    .where(among(session, warn_t.c.id, contacted), warn_t.c.first_contact_at.is_(None))
                    .values(first_contact_at=now)
                )
            if len(tried) > len(sent):  # the one the gateway did not take: counted, retried next pass
                session.execute(
                    update(sms_t).where(sms_t.c.id == tried[-1]).values(attempts=sms_t.c.attempts + 1)
                )
            uow.commit()
        return len(sent)

    # Reading ------------------------------------------------------------------------------------

    def warning(
        self, principal: Principal, warning_id: int
    ) -> tuple[Warning_, list[WarnSignal], list[WarnTask]]:
        """A warning with its signals and tasks (desk and police only; audited)."""
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            scope = scope_of(session, principal, "warnings.read")
            warning = session.get(Warning_, warning_id)
            if (
                warning is None
                or scope.grid_worker
                or not (warning.county_code or "").startswith(scope.prefix)
            ):
                raise refused(
                    NotFound("预警不存在或不在本辖区", "No such warning in your reach", field="warning_id"),
                    "warnings.read",
                    "warning",
                    warning_id,
                )
            signals = list(
                session.scalars(
                    select(WarnSignal).where(WarnSignal.warning_id == warning.id).order_by(WarnSignal.at)
                )
            )
            tasks = list(
                session.scalars(
                    select(WarnTask).where(WarnTask.warning_id == warning.id).order_by(WarnTask.id)
                )
            )
            self.audit.record(
                session,
                actor_of(principal),
                "warnings.read",
                object_type="warning",
                object_id=warning.id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            return warning, signals, tasks

    def board(self, principal: Principal) -> dict[str, int]:
        """The county live board: open tasks new, in progress and overdue; warnings open today by level."""
        now = self.clock.now()
        with self.identity.guarded(principal), self.uow(read_only=True) as uow:
            scope = scope_of(uow.session, principal, "warnings.board")
            rows = uow.session.execute(
                _visible(select(WarnTask.status, WarnTask.due_at, WarnTask.level), scope).where(
                    WarnTask.status.in_([str(s) for s in OPEN_TASKS])
                )
            ).all()
        out = {"new": 0, "in_progress": 0, "overdue": 0, "extra_high": 0, "high": 0, "medium": 0, "low": 0}
        for status, due_at, level in rows:
            if domain.overdue(TaskStatus(status), due_at, now):
                out["overdue"] += 1
            elif status == TaskStatus.ACCEPTED:
                out["in_progress"] += 1
            else:
                out["new"] += 1
            out[level] += 1
        return out

    def stats(self, principal: Principal) -> dict[str, Any]:
        """Outcomes by level and channel, times to contact, and false alarms per engine and run (feedback)."""
        with self.identity.guarded(principal), self.uow(read_only=True) as uow:
            session = uow.session
            scope = scope_of(session, principal, "warnings.stats")
            if scope.grid_worker:
                raise refused(PermissionDenied(field="role"), "warnings.stats", "warning", "")
            wq = select(Warning_).where(Warning_.status != "merged")
            if scope.prefix:
                wq = wq.where(Warning_.county_code.startswith(scope.prefix))
            warnings = session.scalars(wq).all()
            ids = [w.id for w in warnings]
            by_outcome: dict[str, int] = {}
            by_level: dict[str, dict[str, int]] = {}
            first, final = [], []
            for w in warnings:
                key = w.outcome or ("open" if w.status == OPEN else "closed")
                by_outcome[key] = by_outcome.get(key, 0) + 1
                by_level.setdefault(w.level, {}).setdefault(key, 0)
                by_level[w.level][key] += 1
                if w.first_contact_at:
                    first.append((w.first_contact_at - w.created_at).total_seconds())
                if w.outcome_at:
                    final.append((w.outcome_at - w.created_at).total_seconds())
            engines: dict[str, dict[str, int]] = {}
            if ids:
                false_ids = {w.id for w in warnings if w.outcome == Outcome.FALSE_ALARM}
                for sig in session.scalars(
                    select(WarnSignal).where(WarnSignal.warning_id.in_(ids), WarnSignal.engine != "")
                ):
                    key = f"{sig.engine} v{sig.engine_version or 0}"
                    e = engines.setdefault(key, {"signals": 0, "false_alarms": 0})
                    e["signals"] += 1
                    e["false_alarms"] += int(sig.warning_id in false_ids)
            runs: dict[str, int] = {}
            for sig in session.scalars(
                select(WarnSignal).where(
                    WarnSignal.run_id.is_not(None), WarnSignal.warning_id.in_(ids or [0])
                )
            ):
                if sig.warning_id in false_ids:
                    runs[str(sig.run_id)] = runs.get(str(sig.run_id), 0) + 1
        return {
            "warnings": len(warnings),
            "by_outcome": by_outcome,
            "by_level": by_level,
            "first_contact_s_median": _median(first),
            "outcome_s_median": _median(final),
            "false_alarms_by_engine": engines,
            "false_alarms_by_run": runs,
        }


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[len(s) // 2]


def reasons_of(warning: Warning_) -> list[str]:
    """The warning's reasons in Chinese."""
    return list(json.loads(warning.reasons))
