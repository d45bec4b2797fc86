"""The handling unit's work (Art 38¶1 调查处理): queue, take, route, ask, files, the sealed reporter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import actor_of, refused
from fanzha.identity.tables import Organisation
from fanzha.tips import sealing
from fanzha.tips.domain import OPEN, TipStatus, check_move
from fanzha.tips.service import TipService
from fanzha.tips.tables import Tip, TipEvent, TipFileRow, TipMessage, TipReward


@dataclass(frozen=True)
class TipView:
    """A tip as its unit sees it: files, messages, history, reward, and the tips it repeats."""

    tip: Tip
    files: list[TipFileRow]
    messages: list[TipMessage]
    events: list[TipEvent]
    reward: TipReward | None
    repeats: list[int]
    unit_name: str


class TipDesk(TipService):
    """What the police units do with tips; the reporter opens for the handling officer alone."""

    def queue(self, principal: Principal, status: str | None = None, limit: int = 200) -> list[Tip]:
        """Tips of this unit (and of the units below it), newest first."""
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            if not principal.org_kind.is_police:
                raise refused(
                    PermissionDenied("只有公安机关办理举报", "Only police units handle tips", field="org"),
                    "tip.queue",
                    "tip",
                    "",
                )
            query = select(Tip).order_by(Tip.id.desc())
            if status:
                try:
                    query = query.where(Tip.status == str(TipStatus(status)))
                except ValueError:
                    raise ValidationFailed("未知的状态", "Unknown status", field="status") from None
            units = self._units_covered(session, principal)
            query = query.where(Tip.unit_org_id.in_(units)).limit(limit)
            rows = list(session.scalars(query))
            uow.commit()
            return rows

    def _units_covered(self, session: Session, principal: Principal) -> list[int]:
        mine = session.get(Organisation, principal.org_id)
        digits = {OrgKind.POLICE_PROVINCE: 2, OrgKind.POLICE_CITY: 4}.get(principal.org_kind)
        if mine is None or digits is None or not mine.region_code:
            return [principal.org_id]
        prefix = mine.region_code[:digits]
        police = [str(k) for k in OrgKind if k.is_police]
        rows = session.scalars(
            select(Organisation.id).where(
                Organisation.kind.in_(police), Organisation.region_code.like(f"{prefix}%")
            )
        )
        return [principal.org_id, *rows]

    def get(self, principal: Principal, tip_id: int) -> TipView:
        """One tip for its unit: content, files, messages, history, reward; the reporter stays sealed."""
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, "tip.read")
            files = list(
                session.scalars(select(TipFileRow).where(TipFileRow.tip_id == tip.id).order_by(TipFileRow.id))
            )
            events = list(
                session.scalars(select(TipEvent).where(TipEvent.tip_id == tip.id).order_by(TipEvent.id))
            )
            repeats: list[int] = []
            if tip.match_key:
                repeats = [
                    i
                    for i in session.scalars(
                        select(Tip.id)
                        .where(Tip.match_key == tip.match_key, Tip.id != tip.id)
                        .order_by(Tip.id)
                    )
                ]
            unit = session.get(Organisation, tip.unit_org_id)
            self.audit.record(
                session,
                actor_of(principal),
                "tip.read",
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
            )
            view = TipView(
                tip,
                files,
                self._messages(session, tip.id),
                events,
                self._reward(session, tip.id),
                repeats,
                unit.name_zh if unit else "",
            )
            uow.commit()
            return view

    def take(self, principal: Principal, tip_id: int) -> Tip:
        """An officer of the handling unit takes the tip to verify it; a commander may hand it to themself."""
        action = "tip.take"
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            if (
                principal.org_id != tip.unit_org_id
                or principal.user_id is None
                or principal.api_key_id is not None
            ):
                raise refused(
                    PermissionDenied(
                        "只有承办单位的民警可以承办",
                        "Only an officer of the handling unit takes a tip",
                        field="org",
                    ),
                    action,
                    "tip",
                    tip.id,
                )
            current = TipStatus(tip.status)
            if (
                current is TipStatus.VERIFYING
                and principal.role != "commander"
                and tip.officer_user_id != principal.user_id
            ):
                raise Conflict("该举报已由其他民警承办", "Another officer handles this tip", field="tip_id")
            check_move(current, TipStatus.VERIFYING)
            before = tip.officer_name
            tip.status, tip.officer_user_id, tip.officer_name = (
                str(TipStatus.VERIFYING),
                principal.user_id,
                principal.username,
            )
            tip.updated_at = self.clock.now()
            self.history(session, tip, principal.username, "taken", f"原承办人 {before}" if before else "")
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            return tip

    def route(self, principal: Principal, tip_id: int, org_id: int, reason: str) -> Tip:
        """Send the tip to another police unit (its place or identifier belongs there); the key goes along."""
        action = "tip.route"
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            if TipStatus(tip.status) not in OPEN:
                raise Conflict("举报已办结", "The tip is closed", field="tip_id")
            target = session.get(Organisation, org_id)
            if target is None or not OrgKind(target.kind).is_police or not target.active:
                raise ValidationFailed("请选择一个公安机关", "Choose a police unit", field="org_id")
            if len(reason.strip()) < 4:
                raise ValidationFailed("请写明移交理由", "Give the reason", field="reason")
            self.rewrap(tip, target.id)
            tip.status, tip.officer_user_id, tip.officer_name = str(TipStatus.RECEIVED), None, ""
            tip.route_reason = reason.strip()[:200]
            tip.updated_at = self.clock.now()
            self.history(session, tip, principal.username, "routed", f"{target.name_zh}：{reason.strip()}")
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
                detail={"to": target.id},
            )
            uow.commit()
            return tip

    def ask(self, principal: Principal, tip_id: int, text: str) -> TipMessage:
        """The handling officer asks the reporter a question; the reporter reads it with the receipt code."""
        action = "tip.ask"
        text = text.strip()
        if not 4 <= len(text) <= 2000:
            raise ValidationFailed("问题为 4-2000 个字", "A question has 4-2000 characters", field="text")
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            self.officer(principal, tip, action)
            if TipStatus(tip.status) not in OPEN:
                raise Conflict("举报已办结", "The tip is closed", field="tip_id")
            message = TipMessage(tip_id=tip.id, author="officer", text=text, at=self.clock.now())
            session.add(message)
            self.history(session, tip, principal.username, "asked")
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
            )
            session.flush()
            uow.commit()
            return message

    def reporter(self, principal: Principal, tip_id: int) -> dict[str, Any]:
        """Art 38¶1: the sealed reporter and a claimed reward's payee: the handling officer only, audited."""
        action = "tip.reporter.open"
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            self.officer(principal, tip, action)
            key = self.data_key(tip)
            who: dict[str, Any] = {"anonymous": tip.anonymous, "name": "", "phone": "", "contact": ""}
            if tip.reporter_sealed is not None:
                who |= orjson.loads(sealing.unseal(key, tip.seal_id, "reporter", tip.reporter_sealed))
            reward = self._reward(session, tip.id)
            who["payee"] = (
                orjson.loads(sealing.unseal(key, tip.seal_id, "payee", reward.payee_sealed))
                if reward is not None and reward.payee_sealed is not None
                else None
            )
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
                detail={"anonymous": tip.anonymous, "payee": who["payee"] is not None},
            )
            self.history(session, tip, principal.username, "reporter_opened")
            uow.commit()
            return who

    def file(self, principal: Principal, tip_id: int, file_id: int) -> tuple[TipFileRow, bytes]:
        """One file of the tip, decrypted for its unit; every download audited."""
        action = "tip.file.download"
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            row = session.get(TipFileRow, file_id)
            if row is None or row.tip_id != tip.id:
                raise refused(
                    NotFound("文件不存在", "No such file", field="file_id"), action, "tip_file", file_id
                )
            data = sealing.unseal(self.data_key(tip), tip.seal_id, f"file:{row.sha256}", row.ciphertext)
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip_file",
                object_id=row.id,
                source_ip=principal.source_ip,
                detail={"tip_id": tip.id},
            )
            uow.commit()
            return row, data
