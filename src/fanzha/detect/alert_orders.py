"""Orders from a run's alerts in bulk: preview who would receive what, then issue each (Art 13, 27)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.detect.frame import REASON_SEP
from fanzha.detect.runs import DetectRunService
from fanzha.detect.tables import DetectAlert
from fanzha.disposal.domain import Measure, RiskLevel, Trigger
from fanzha.disposal.schemas import OrderCreate
from fanzha.disposal.service import DisposalService
from fanzha.identifiers import Identifier, normalise
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import actor_of
from fanzha.identity.tables import Organisation

MAX_ALERTS = 200  # one confirmation at a time stays readable; the API's bulk route takes more


@dataclass
class AlertLine:
    """One selected alert: what would be (or was) ordered, of whom, or why not."""

    alert_id: int
    kind: str
    masked: str
    level: str
    measure: str
    institutions: list[str] = field(default_factory=list)
    article: str = ""
    order_ids: list[int] = field(default_factory=list)
    error: FanzhaError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def selected_ids(values: list[str]) -> list[int]:
    """The alert ids ticked in the form, in order, each once; refused when none or too many."""
    ids = list(dict.fromkeys(int(v) for v in values if v.strip().isdigit()))
    if not ids:
        raise ValidationFailed("请至少勾选一条告警", "Select at least one alert", field="alert_ids")
    if len(ids) > MAX_ALERTS:
        raise ValidationFailed(
            f"一次最多勾选 {MAX_ALERTS} 条告警", f"At most {MAX_ALERTS} alerts at a time", field="alert_ids"
        )
    return ids


def parse_measure(value: str) -> Measure:
    """The measure chosen in the form (release is never ordered by hand)."""
    try:
        measure = Measure(value)
    except ValueError:
        raise ValidationFailed("请选择处置措施", "Choose a measure", field="measure") from None
    if measure is Measure.RELEASE:
        raise ValidationFailed(
            "解除指令只能由申诉决定或撤销产生", "Release orders come from appeal decisions", field="measure"
        )
    return measure


class AlertOrders:
    """Turns a run's alerts into orders: a read-only preview, then the issue with a line per alert."""

    def __init__(self, runs: DetectRunService, disposal: DisposalService) -> None:
        self.runs = runs
        self.disposal = disposal

    def _alerts(self, principal: Principal, run_id: int, ids: list[int]) -> list[DetectAlert]:
        run = self.runs.get(principal, run_id)  # visibility and the organisation gate, audited on refusal
        with self.disposal.uow(read_only=True) as uow:
            rows = {
                a.id: a
                for a in uow.session.scalars(
                    select(DetectAlert).where(DetectAlert.run_id == run.id, DetectAlert.id.in_(ids))
                )
            }
            uow.session.expunge_all()  # kept as read, past the unit of work's rollback
        missing = [i for i in ids if i not in rows]
        if missing:
            raise ValidationFailed(
                f"告警 {missing[0]} 不属于本次检测",
                f"Alert {missing[0]} is not in this run",
                field="alert_ids",
            )
        return [rows[i] for i in ids]

    def _order(self, alert: DetectAlert, measure: Measure) -> tuple[Identifier, OrderCreate]:
        """The order an alert leads to: its raw object, the measure, its risk level and reasons."""
        identifier = self.runs.vault.decrypt(alert.kind, alert.token, alert.ciphertext)
        reasons = "；".join(r for r in alert.reasons.split(REASON_SEP) if r) or "检测告警"
        return identifier, OrderCreate(
            kind=identifier.kind,
            value=identifier.value,
            measure=measure,
            trigger=Trigger.ALERT,
            # Art 13 根据风险等级: the alert's grade sets the re-verification deadline and follow-up.
            risk_level=RiskLevel(alert.level),
            reason=f"检测告警 #{alert.id}：{reasons}"[:500],
            evidence_ref=f"detect-run-{alert.run_id}",
        )

    def preview(self, principal: Principal, run_id: int, ids: list[int], measure: Measure) -> list[AlertLine]:
        """What issuing would do, changing nothing: the routed institutions or the refusal, per alert."""
        alerts = self._alerts(principal, run_id, ids)
        lines = []
        with self.disposal.uow(read_only=True) as uow:
            names = {o.id: o.name_zh for o in uow.session.scalars(select(Organisation))}
            for alert in alerts:
                line = AlertLine(alert.id, alert.kind, alert.masked, alert.level, str(measure))
                try:
                    _, data = self._order(alert, measure)
                    # As the issue reads it: a value the normaliser refuses is refused here too.
                    identifier = normalise(data.kind or alert.kind, data.value or "")
                    # The issuer's competence (Art 20¶2, 23¶2, 28¶1), as the issue itself checks it.
                    self.disposal._check_issuer(principal, Trigger.ALERT, data)
                    org_ids = self.disposal.routing.responsible(uow.session, identifier)
                    if not org_ids:
                        raise ValidationFailed(
                            "路由表中没有负责该对象的机构",
                            "No institution is responsible for this object in the routing tables",
                            field="org_id",
                        )
                    for org_id in org_ids:
                        org = uow.session.get(Organisation, org_id)
                        kind = OrgKind(org.kind) if org is not None else OrgKind.BANK
                        rule = self.disposal.rule(
                            identifier.kind, measure, kind, Trigger.ALERT, data.risk_level
                        )
                        line.article = rule.article
                        line.institutions.append(names.get(org_id, str(org_id)))
                except FanzhaError as error:
                    line.error = error
                lines.append(line)
        self._record(principal, run_id, "detect.alerts.orders_preview", lines)
        return lines

    def issue(self, principal: Principal, run_id: int, ids: list[int], measure: Measure) -> list[AlertLine]:
        """Issue an order per alert, each on its own (a refusal leaves the others); audited per order."""
        alerts = self._alerts(principal, run_id, ids)
        with self.disposal.uow(read_only=True) as uow:
            names = {o.id: o.name_zh for o in uow.session.scalars(select(Organisation))}
        lines = []
        for alert in alerts:
            line = AlertLine(alert.id, alert.kind, alert.masked, alert.level, str(measure))
            try:
                orders = self.disposal.issue(principal, self._order(alert, measure)[1])
                line.order_ids = [o.id for o in orders]
                line.institutions = [names.get(o.org_id, str(o.org_id)) for o in orders]
                line.article = orders[0].article if orders else ""
            except FanzhaError as error:
                line.error = error
            lines.append(line)
        self._record(principal, run_id, "detect.alerts.orders", lines)
        return lines

    def _record(self, principal: Principal, run_id: int, action: str, lines: list[AlertLine]) -> None:
        """Art 26: who turned which alerts into orders (or looked at what that would do)."""
        with self.disposal.uow() as uow:
            self.disposal.audit.record(
                uow.session,
                actor_of(principal),
                action,
                object_type="detect_run",
                object_id=run_id,
                source_ip=principal.source_ip,
                detail={
                    "alert_ids": [x.alert_id for x in lines],
                    "measure": lines[0].measure if lines else "",
                    "ok": sum(1 for x in lines if x.ok),
                    "refused": sum(1 for x in lines if not x.ok),
                },
            )
            uow.commit()
