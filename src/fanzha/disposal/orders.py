"""Issuing disposal orders: the rule for each measure, the issuer's competence, and the order's writes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, cast

import orjson
from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import NotFound, PermissionDenied, ValidationFailed
from fanzha.db import appends
from fanzha.db.engine import reserve_ids
from fanzha.db.rows import among
from fanzha.db.uow import UnitOfWork
from fanzha.disposal import domain
from fanzha.disposal.domain import (
    REVERIFY_MEASURES,
    SYSTEM_TRIGGERS,
    TRIGGER_LABELS,
    Escalation,
    Measure,
    MeasureRule,
    OrderStatus,
    RiskLevel,
    Routing,
    Trigger,
    path_to,
    reverify_deadline,
    rule_for,
)
from fanzha.disposal.notices import LoggingNotifier, Notifier
from fanzha.disposal.release import record_notices
from fanzha.disposal.routing import RoutingService
from fanzha.disposal.schemas import OrderCreate
from fanzha.disposal.tables import Holding, Order, OrderEvent
from fanzha.events import outbox
from fanzha.identifiers import Identifier, IdentifierKind, IdentifierVault, normalise
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.identity.tables import Organisation
from fanzha.samples.tables import Sample

log = logging.getLogger("fanzha.disposal")


# Art 29¶2, AFL 31¶2: joint punishment is determined by police at prefecture (city) level or above.
JOINT_PUNISHMENT_UNITS = frozenset({OrgKind.POLICE_PROVINCE, OrgKind.POLICE_CITY})


@dataclass(frozen=True)
class Target:
    """An object an order addresses, tokenised and encrypted.

    A person (resident ID) is addressed by the keyed token of the ID number only (Art 9): no ciphertext,
    and the identifier carries the mask, never the number.
    """

    identifier: Identifier
    token: str
    masked: str
    ciphertext: bytes


class OrderCore:
    """Orders on the legal basis the catalogue gives them: issue, write, move and show to whom may see."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        vault: IdentifierVault,
        routing: RoutingService,
        notifier: Notifier | None = None,
        deadline_minutes: dict[str, int] | None = None,
        reverify_hours: dict[RiskLevel, int] | None = None,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.audit = auditor
        self.identity = identity
        self.vault = vault
        self.routing = routing
        self.notifier: Notifier = notifier or LoggingNotifier()
        self.deadline_minutes = deadline_minutes or {}
        self.reverify_hours = reverify_hours

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self._sessions, self.clock, read_only=read_only)

    def target(self, identifier: Identifier) -> Target:
        """Token, mask and ciphertext of an identifier (a person's ID number: token and mask only)."""
        token, masked = self.vault.token(identifier), self.vault.mask(identifier)
        if identifier.kind is IdentifierKind.RESIDENT_ID:
            # Art 9: the platform keeps no ID number it could recover.
            return Target(Identifier(identifier.kind, masked), token, masked, b"")
        return Target(identifier, token, masked, self.vault.encrypt(identifier, token))

    def rule(
        self,
        kind: IdentifierKind,
        measure: Measure,
        institution: OrgKind,
        trigger: Trigger,
        risk: RiskLevel = RiskLevel.MEDIUM,
    ) -> MeasureRule:
        """The catalogue entry with the configured deadline; a re-verification's is set by risk level."""
        rule = rule_for(kind, measure, institution, trigger, self.deadline_minutes)
        if measure in REVERIFY_MEASURES:
            # Art 13 根据风险等级采取有区别的核验措施: high 2 h, medium 24 h, low 72 h by default.
            return replace(rule, deadline=reverify_deadline(risk, self.reverify_hours))
        return rule

    def _check_issuer(self, principal: Principal, trigger: Trigger, data: OrderCreate) -> None:
        """Who may order what (Art 20¶2, 23¶2, 28¶1, 29), and the facts each trigger needs."""
        if not principal.org_kind.is_police and not principal.org_kind.is_department:
            self.identity.deny(principal, "order.issue", "order", "")
            raise PermissionDenied(
                "只有公安机关和电信、网信主管部门可以下发处置指令",
                "Only police units and the telecom and cyberspace departments issue orders",
                field="org",
            )
        if principal.org_kind.is_department and trigger not in (Trigger.ASSOCIATED, Trigger.UNLICENSED):
            # Art 20¶2: re-verification of associated accounts; Art 23¶2: unlicensed sites and apps.
            self.identity.deny(principal, "order.issue", "order", "")
            raise PermissionDenied(
                "主管部门只能要求关联账号重新核验（第二十条第二款）或通知处置未经许可的网站和应用（第二十三条第二款）",
                "Departments order re-verification of associated accounts (Art 20¶2) or the blocking of "
                "unlicensed sites and apps (Art 23¶2) only",
                field="trigger",
            )
        if trigger in SYSTEM_TRIGGERS:
            raise ValidationFailed(
                f"「{TRIGGER_LABELS[trigger][0]}」的指令由平台自动产生，不能手工下发",
                f"Orders on trigger {trigger} come from the platform itself",
                field="trigger",
            )
        if trigger is Trigger.SAMPLE and data.sample_id is None:
            raise ValidationFailed(
                "依据第二十八条第一款即时处置须指明省公安机关通报的涉诈样本（sample_id）",
                "Immediate measures under Art 28¶1 need the notified sample (sample_id)",
                field="sample_id",
            )
        if trigger is Trigger.JOINT_PUNISHMENT:
            if principal.org_kind not in JOINT_PUNISHMENT_UNITS:
                self.identity.deny(principal, "order.issue", "order", "")
                raise PermissionDenied(
                    "跨机构限制个人账户属联合惩戒（第二十九条、反电信网络诈骗法第三十一条），"
                    "须由设区的市级以上公安机关认定",
                    "Restricting a person's accounts across institutions is joint punishment (Art 29, "
                    "AFL 31): only a police unit at city level or above determines it",
                    field="trigger",
                )
            # Art 29 (联合惩戒办法第三条): joint punishment is a listing decision with its ground, evidence,
            # approval and term; its measures, notice, expiry and release follow from it (fanzha.credit).
            raise ValidationFailed(
                "联合惩戒须作为严重失信主体名单认定办理（第二十九条）：请提交名单认定（/api/v1/credit/listings），"
                "批准后各机构的惩戒措施自动下发，期满自动解除",
                "Joint punishment is a listing decision (Art 29): propose it at /api/v1/credit/listings; "
                "once approved, the measures go out and lapse with the term",
                field="trigger",
            )

    # Issuing ------------------------------------------------------------------------------------

    def issue(self, principal: Principal, data: OrderCreate) -> list[Order]:
        """Issue orders on one object: to the given institution, or to every one the tables route to."""
        trigger = data.trigger or (Trigger.SAMPLE if data.sample_id is not None else Trigger.ALERT)
        if data.measure is Measure.RELEASE:
            raise ValidationFailed(
                "解除指令只能由申诉决定或撤销产生",
                "Release orders come from appeal decisions",
                field="measure",
            )
        self._check_issuer(principal, trigger, data)
        with self.identity.guarded(principal), self.uow() as uow:
            target, sample_id = self._object(uow.session, data)
            kind, risk = target.identifier.kind, data.risk_level
            if data.org_id is not None:
                org = uow.session.get(Organisation, data.org_id)
                if org is None or not OrgKind(org.kind).is_institution:
                    raise ValidationFailed("接收单位不存在或不是机构", "No such institution", field="org_id")
                rule = self.rule(kind, data.measure, OrgKind(org.kind), trigger, risk)
                if rule.routing is Routing.TABLE and org.id not in self.routing.responsible(
                    uow.session, target.identifier
                ):
                    # Art 13, 18, 20, 23: the order goes to the institution that holds the object.
                    raise ValidationFailed(
                        "该机构不负责此对象（按号段、卡 BIN、平台或域名路由）",
                        "This institution is not responsible for the object (segment, BIN, platform, domain)",
                        field="org_id",
                    )
                targets = [(org, rule)]
            else:
                if kind is IdentifierKind.RESIDENT_ID:
                    org_ids = self._holding_institutions(uow.session, target.token)
                else:
                    org_ids = self.routing.responsible(uow.session, target.identifier)
                orgs = [uow.session.get(Organisation, i) for i in org_ids]
                targets = [
                    (o, self.rule(kind, data.measure, OrgKind(o.kind), trigger, risk))
                    for o in orgs
                    if o is not None
                ]
                if not targets and kind is IdentifierKind.RESIDENT_ID:
                    raise ValidationFailed(
                        "持有关系登记中没有该人员在任何机构的账户，请指定接收单位",
                        "The holdings register knows no account of this person; give org_id",
                        field="org_id",
                    )
                if not targets:
                    raise ValidationFailed(
                        "路由表中没有负责该对象的机构，请指定接收单位",
                        "No institution is responsible for this object in the routing tables; give org_id",
                        field="org_id",
                    )
            orders = [
                self.create(
                    uow.session,
                    org=org,
                    rule=rule,
                    target=target,
                    issuer_org_id=principal.org_id,
                    issued_by=principal.username,
                    reason=data.reason,
                    evidence_ref=data.evidence_ref,
                    confidential=data.confidential,
                    sample_id=sample_id,
                    risk_level=risk,
                    basis=data.basis.strip(),
                )
                for org, rule in targets
            ]
            for order in orders:
                self.audit.record(
                    uow.session,
                    actor_of(principal),
                    "order.issue",
                    object_type="order",
                    object_id=order.id,
                    source_ip=principal.source_ip,
                    detail={
                        "org_id": order.org_id,
                        "measure": order.measure,
                        "kind": order.object_kind,
                        "trigger": order.trigger,
                        "article": order.article,
                    },
                )
            uow.commit()
            return orders

    @staticmethod
    def _holding_institutions(session: Session, holder_token: str) -> list[int]:
        """The institutions where the person holds accounts, by the holdings register."""
        query = (
            select(Holding.org_id)
            .where(Holding.holder_token == holder_token, Holding.withdrawn_at.is_(None))
            .distinct()
            .order_by(Holding.org_id)
        )
        return list(session.scalars(query))

    def _object(self, session: Session, data: OrderCreate) -> tuple[Target, int | None]:
        if data.sample_id is not None:
            sample = session.get(Sample, data.sample_id)
            if sample is None:
                raise NotFound("样本不存在", "Sample not found", field="sample_id")
            identifier = self.vault.decrypt(sample.kind, sample.token, sample.ciphertext)
            return Target(identifier, sample.token, sample.masked, sample.ciphertext), sample.id
        assert data.kind is not None and data.value is not None  # the schema guarantees one of the two
        return self.target(normalise(data.kind, data.value)), None

    def create(self, session: Session, **fields: Any) -> Order:
        """Write one order (fields as `new_order`) and tell its institution, in the caller's transaction."""
        row = self.add_orders(session, [self.new_order(**fields)])[0]
        order = Order(**row)
        make_transient_to_detached(order)  # written already: attached as if loaded
        session.add(order)
        return order

    def new_order(
        self,
        *,
        org: Organisation,
        rule: MeasureRule,
        target: Target,
        issuer_org_id: int,
        issued_by: str,
        reason: str,
        evidence_ref: str = "",
        confidential: bool = False,
        sample_id: int | None = None,
        releases_order_id: int | None = None,
        appeal_id: int | None = None,
        dedupe_key: str | None = None,
        risk_level: RiskLevel = RiskLevel.MEDIUM,
        basis: str = "",
    ) -> dict[str, Any]:
        """An order's row, not yet written: issued now, due by the measure's deadline."""
        now = self.clock.now()
        # A plain row, not an ORM object: the linked-disposal policy issues thousands at a time.
        return {
            "id": None,
            "org_id": org.id,
            "issuer_org_id": issuer_org_id,
            "issued_by": issued_by,
            "sample_id": sample_id,
            "object_kind": str(target.identifier.kind),
            "object_token": target.token,
            "object_masked": target.masked,
            "object_ciphertext": target.ciphertext,
            "measure": str(rule.measure),
            "article": rule.article,
            "trigger": str(rule.trigger),
            "risk_level": str(risk_level),
            "basis": basis,
            "reason": reason,
            "evidence_ref": evidence_ref,
            "confidential": confidential,
            "status": str(OrderStatus.ISSUED),
            "escalation": str(Escalation.NONE),
            "due_at": now + rule.deadline,
            "releases_order_id": releases_order_id,
            "appeal_id": appeal_id,
            "receipt_reason": "",
            "dedupe_key": dedupe_key,
            "verification": None,
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
        }

    def add_orders(self, session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Write new orders' rows in one statement (COPY on PostgreSQL), with first history step and event."""
        for row, new_id in zip(
            rows, reserve_ids(session, cast(Table, Order.__table__), len(rows)), strict=True
        ):
            row["id"] = new_id
        appends.insert_now(session, Order, rows)
        # Art 34¶1: every order that is not confidential has its notice, prepared now, sent once executed.
        record_notices(self, session, rows)
        for row in rows:
            self._history(
                session,
                row["id"],
                row["issued_by"],
                "",
                OrderStatus.ISSUED,
                {"due_at": row["due_at"].isoformat()},
            )
            outbox.record(session, self.clock, "disposal.order.issued", self.payload(row))
        return rows

    @staticmethod
    def payload(order: Order | Mapping[str, Any]) -> dict[str, Any]:
        """What an institution's system learns of an order (ORM object or row) from the event channels."""
        get: Callable[[str], Any] = (
            order.__getitem__ if isinstance(order, Mapping) else partial(getattr, order)
        )
        return {
            "order_id": get("id"),
            "org_id": get("org_id"),
            "kind": get("object_kind"),
            "token": get("object_token"),
            "measure": get("measure"),
            "article": get("article"),
            "trigger": get("trigger"),
            "status": get("status"),
            "due_at": get("due_at").isoformat(),
            "releases_order_id": get("releases_order_id"),
        }

    def _history(
        self,
        session: Session,
        order_id: int,
        actor: str,
        before: str,
        after: OrderStatus,
        detail: dict[str, Any] | None = None,
    ) -> None:
        appends.append(
            session,
            OrderEvent,
            {
                "order_id": order_id,
                "at": self.clock.now(),
                "actor": actor,
                "status_from": before,
                "status_to": str(after),
                "detail": orjson.dumps(detail or {}).decode(),
            },
        )

    def move(
        self,
        session: Session,
        order: Order,
        target: OrderStatus,
        actor: str,
        detail: dict[str, Any],
        at: datetime | None = None,
    ) -> None:
        """Walk an order to `target` one legal step at a time, recording each step (`at`: a batch's time)."""
        for step in path_to(OrderStatus(order.status), target):
            self._history(session, order.id, actor, order.status, step, detail)
            order.status = str(step)
        order.updated_at = now = at or self.clock.now()
        # Closed on leaving the open states, for good: the open-orders indexes rely on it.
        if target in domain.FINAL or target is OrderStatus.EXECUTED:
            order.closed_at = order.closed_at or now

    # Reading ------------------------------------------------------------------------------------

    @staticmethod
    def may_see(principal: Principal, order: Order) -> bool:
        """Police see every order, an institution its own, a department those it issued and Art 23 ones."""
        if principal.org_kind.is_police or order.org_id == principal.org_id:
            return True
        # Art 23¶1: measures on accounts, links and apps are reported to police, telecom and cyberspace.
        return principal.org_kind.is_department and (
            order.issuer_org_id == principal.org_id or order.article.startswith("第二十三条")
        )

    def _visible(self, session: Session, principal: Principal, order_id: int, action: str) -> Order:
        order = session.get(Order, order_id, with_for_update=True)
        if order is None or not self.may_see(principal, order):
            # An institution sees only its own orders; "absent" and "not yours" answer alike.
            raise refused(
                NotFound("指令不存在或不属于本单位", "No such order for your organisation", field="order_id"),
                action,
                "order",
                order_id,
            )
        return order

    @staticmethod
    def _fresh(principal: Principal, orders: list[Order]) -> list[int]:
        """Ids of the orders that `principal` fetching them delivers: its own, still issued."""
        return [o.id for o in orders if o.org_id == principal.org_id and o.status == OrderStatus.ISSUED]

    def _delivered(self, session: Session, principal: Principal, orders: list[Order]) -> None:
        """An institution fetching its orders is their delivery (issued → delivered), in `session`.

        One UPDATE for the page, guarded by the status, so an order answered meanwhile is left alone;
        `orders` (of any session) then show the new status.
        """
        fresh = self._fresh(principal, orders)
        if not fresh:
            return
        now, issued, delivered = self.clock.now(), OrderStatus.ISSUED, OrderStatus.DELIVERED
        table = cast(Table, Order.__table__)
        moved = set(
            session.scalars(
                update(table)
                .where(among(session, table.c.id, fresh), table.c.status == str(issued))
                .values(status=str(delivered), updated_at=now)
                .returning(table.c.id)
            )
        )
        channel = {"channel": "api"}
        for order in orders:
            if order.id in moved:
                self._history(session, order.id, principal.username, str(issued), delivered, channel)
                set_committed_value(order, "status", str(delivered))
                set_committed_value(order, "updated_at", now)

    def target_of(self, order: Order) -> Target:
        """The object of an order, decrypted for routing and SMS (a person: the mask only, Art 9)."""
        if not order.object_ciphertext:
            masked = Identifier(IdentifierKind(order.object_kind), order.object_masked)
            return Target(masked, order.object_token, order.object_masked, b"")
        identifier = self.vault.decrypt(order.object_kind, order.object_token, order.object_ciphertext)
        return Target(identifier, order.object_token, order.object_masked, order.object_ciphertext)
