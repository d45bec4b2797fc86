"""The monthly notification (通报, Art 24): drafted from the indicators, reviewed and published by the
provincial centre, delivered to institutions and regulators, archived with its SM3 digest."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core.errors import Conflict, NotFound, PermissionDenied
from fanzha.core.sm import sm3_hex
from fanzha.events import outbox
from fanzha.identity.domain import SHARING_KINDS, OrgKind, Principal
from fanzha.identity.service import refused
from fanzha.identity.tables import Organisation
from fanzha.oversight import report
from fanzha.oversight.domain import Grain, Judged, Rules, Scope, Span, judge, trailing
from fanzha.oversight.service import OversightService, Row
from fanzha.oversight.tables import Notification, NotificationArchive
from fanzha.web.pdf import render_pdf

DRAFT, PUBLISHED = "draft", "published"
TOPIC = "oversight.notification.published"
STATUS_ZH = {DRAFT: "草稿（待审核）", PUBLISHED: "已发布"}
# Who receives it (Art 24 通报): the institutions assessed and the departments that regulate them.
RECIPIENT_KINDS = ("bank", "payment", "telecom", "internet", "regulator", "telecom_authority", "cyberspace")
SECTOR_CODES = frozenset(RECIPIENT_KINDS[:4]) | {str(k) for k in SHARING_KINDS}


def assemble(
    key: str, province: list[Row], cities: list[Row], institutions: list[Row], rules: Rules
) -> dict[str, Any]:
    """The notification's content from one month's rows: summary, cities, judged institutions."""
    judged = judge([Judged(int(r.key), r.name, r.kind, r.values) for r in institutions], rules)
    year, mon = key.split("-")
    return {
        "month": key,
        "title": f"{year}年{int(mon)}月全省反电信网络诈骗工作情况通报",
        "province": province[0].values if province else {},
        "cities": [
            {"code": c.key, "name": c.name, "values": c.values} for c in sorted(cities, key=lambda c: c.key)
        ],
        "ranking": [asdict(j) for j in judged],
    }


class Notifications:
    """Draft, review, publish and read monthly notifications."""

    def __init__(self, oversight: OversightService) -> None:
        self.oversight = oversight

    def _centre(self, principal: Principal, action: str) -> None:
        # Art 24: the provincial centre reviews and publishes (a commander of the provincial unit).
        if principal.org_kind is not OrgKind.POLICE_PROVINCE:
            self.oversight.identity.deny(principal, action, "oversight_notification", "")
            raise PermissionDenied(
                "只有省级反诈中心可以审核发布通报",
                "Only the provincial centre reviews and publishes notifications",
                field="org",
            )

    def content(self, session: Session, month_key: str | None) -> dict[str, Any]:
        """The figures of one month, province-wide: summary, cities, judged institutions."""
        period = self.oversight.period(Span.MONTH, month_key)
        periods = trailing(Span.MONTH, period, 1)
        everything = Scope()
        province = self.oversight.rows(session, everything, Grain.PROVINCE, periods)
        cities = self.oversight.rows(session, everything, Grain.CITY, periods)
        institutions = self.oversight.rows(session, everything, Grain.INSTITUTION, periods)
        content = assemble(period.key, province, cities, institutions, self.oversight.rules)
        # Art 25 本行业: the sectors side by side (institution kinds, and the Art 27¶2 sharing sectors).
        sectors = self.oversight.rows(session, everything, Grain.SECTOR, periods)
        content["sectors"] = [
            {"code": r.key, "name": r.name, "values": r.values} for r in sectors if r.key in SECTOR_CODES
        ]
        return content

    def draft(self, principal: Principal, month_key: str | None) -> Notification:
        """A draft of the month's notification for review (its figures frozen as drafted)."""
        self._centre(principal, "oversight.notification.draft")
        with self.oversight.work(principal) as session:
            content = self.content(session, month_key)
            row = Notification(
                month=content["month"],
                status=DRAFT,
                title=content["title"],
                content=json.dumps(content, ensure_ascii=False),
                created_by=principal.username,
                created_at=self.oversight.clock.now(),
            )
            session.add(row)
            session.flush()
            self.oversight.record(session, principal, "oversight.notification.draft", row.id, month=row.month)
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def publish(self, principal: Principal, notification_id: int, note: str = "") -> Notification:
        """Publish a reviewed draft: render the PDF, archive it with SM3, deliver it (Art 24)."""
        self._centre(principal, "oversight.notification.publish")
        now = self.oversight.clock.now()
        with self.oversight.work(principal) as session:
            row = self._get(session, principal, notification_id, "oversight.notification.publish")
            if row.status != DRAFT:
                raise Conflict(
                    "该通报已发布", "This notification is already published", field="notification_id"
                )
            taken = session.scalar(
                select(Notification.id).where(
                    Notification.month == row.month, Notification.status == PUBLISHED
                )
            )
            if taken is not None:
                raise Conflict(
                    "本月通报已发布", "This month's notification is already published", field="month"
                )
            content = json.loads(row.content)
            pdf = render_pdf(report.html(content, STATUS_ZH[PUBLISHED]))
            digest = sm3_hex(pdf)
            recipients = sorted(
                session.scalars(
                    select(Organisation.id).where(Organisation.kind.in_(RECIPIENT_KINDS), Organisation.active)
                ).all()
            )
            row.status, row.published_by, row.published_at, row.sm3 = (
                PUBLISHED,
                principal.username,
                now,
                digest,
            )
            session.add(
                NotificationArchive(
                    notification_id=row.id,
                    month=row.month,
                    sm3=digest,
                    pdf=pdf,
                    recipients=",".join(map(str, recipients)),
                    published_by=principal.username,
                    published_at=now,
                )
            )
            # Delivered through the event channels (NATS, the oversight feed) to every recipient.
            outbox.record(
                session,
                self.oversight.clock,
                TOPIC,
                {
                    "notification_id": row.id,
                    "month": row.month,
                    "title": row.title,
                    "sm3": digest,
                    "org_ids": recipients,
                    "criticised_org_ids": [r["org_id"] for r in content["ranking"] if r["criticism"]],
                    "praised_org_ids": [r["org_id"] for r in content["ranking"] if r["praise"]],
                },
            )
            self.oversight.record(
                session,
                principal,
                "oversight.notification.publish",
                row.id,
                month=row.month,
                sm3=digest,
                note=note,
            )
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def listing(self, principal: Principal) -> list[Notification]:
        """Police see drafts and published ones; institutions and regulators the published ones."""
        with self.oversight.work(principal) as session:
            query = select(Notification).order_by(Notification.id.desc()).limit(100)
            if not principal.org_kind.is_police:
                query = query.where(Notification.status == PUBLISHED)
            rows = list(session.scalars(query).all())
            self.oversight.record(session, principal, "oversight.notification.list")
            session.commit()
            for r in rows:
                session.expunge(r)
        return rows

    def read(self, principal: Principal, notification_id: int) -> tuple[Notification, dict[str, Any]]:
        """One notification with its figures (audited)."""
        with self.oversight.work(principal) as session:
            row = self._get(session, principal, notification_id, "oversight.notification.read")
            self.oversight.record(session, principal, "oversight.notification.read", row.id)
            session.commit()
            session.expunge(row)
        return row, json.loads(row.content)

    def pdf(self, principal: Principal, notification_id: int) -> tuple[Notification, bytes]:
        """The archived PDF of a published notification, or a draft rendered for review."""
        with self.oversight.work(principal) as session:
            row = self._get(session, principal, notification_id, "oversight.notification.pdf")
            archived = session.scalar(
                select(NotificationArchive.pdf).where(NotificationArchive.notification_id == row.id)
            )
            self.oversight.record(session, principal, "oversight.notification.pdf", row.id)
            session.commit()
            session.expunge(row)
        if archived is not None:
            return row, archived
        return row, render_pdf(report.html(json.loads(row.content), STATUS_ZH[DRAFT]))

    def _get(self, session: Session, principal: Principal, notification_id: int, action: str) -> Notification:
        row = session.get(Notification, notification_id)
        if row is None or (row.status != PUBLISHED and not principal.org_kind.is_police):
            raise refused(
                NotFound(field="notification_id"), action, "oversight_notification", notification_id
            )
        return row
