"""Publicity campaigns (Art 7-8): records of who was targeted, how, when and how many were reached."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Auditor
from fanzha.core.clock import SHANGHAI, Clock
from fanzha.core.errors import ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.dissuasion.publicity import DIMENSIONS, Group, most_at_risk, simulated_profile
from fanzha.dissuasion.tables import PublicityCampaign
from fanzha.identity.domain import Permission, Principal
from fanzha.identity.service import IdentityService, actor_of

# Art 7¶2 carriers: into units, schools, enterprises, communities, villages and families, by every medium.
CHANNELS = ("sms", "call", "visit", "lecture", "poster", "media", "online")
MAX_REACH = 70_000_000  # Hunan's resident population is about 66 million
ACTION = "publicity.campaign.create"


@dataclass(frozen=True)
class CampaignInput:
    """What a new campaign record needs."""

    target_dimension: str
    target_value: str
    target_label: str
    channel: str
    held_on: date
    reach: int
    note: str = ""


def check(c: CampaignInput, today: date) -> None:
    """Refuse a campaign that names no known group or channel, or an impossible day or reach."""
    if c.target_dimension not in DIMENSIONS:
        raise ValidationFailed(
            "目标维度须为地区、年龄段、职业或诈骗类型之一",
            "target_dimension must be region, age_band, occupation or scam_type",
            field="target_dimension",
        )
    if not c.target_value.strip():
        raise ValidationFailed("请填写目标群体", "target_value is required", field="target_value")
    if c.channel not in CHANNELS:
        raise ValidationFailed(
            "宣传渠道须为短信、电话、上门、讲座、海报、媒体或网络之一",
            f"channel must be one of {', '.join(CHANNELS)}",
            field="channel",
        )
    if not 0 <= c.reach <= MAX_REACH:
        raise ValidationFailed(
            f"覆盖人数须在 0 至 {MAX_REACH:,} 之间",
            f"reach must be between 0 and {MAX_REACH:,}",
            field="reach",
        )
    if c.held_on > today + timedelta(days=366):
        raise ValidationFailed(
            "活动日期不能晚于一年之后", "held_on is more than a year ahead", field="held_on"
        )


class PublicityService:
    """Campaign records and the victim profile that suggests their targets."""

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

    def create(self, principal: Principal, c: CampaignInput) -> PublicityCampaign:
        """Record a campaign of the caller's unit (audited)."""
        self._identity.authorise(principal, Permission.PUBLICITY_WORK, ACTION)
        check(c, self._clock.now().astimezone(SHANGHAI).date())
        with self._work(principal) as session:
            row = PublicityCampaign(
                org_id=principal.org_id,
                target_dimension=c.target_dimension,
                target_value=c.target_value.strip(),
                target_label=(c.target_label or c.target_value).strip(),
                channel=c.channel,
                held_on=c.held_on,
                reach=c.reach,
                note=c.note,
                created_by=principal.username,
                created_at=self._clock.now(),
            )
            session.add(row)
            session.flush()
            self._audit.record(session, actor_of(principal), ACTION, object_type="campaign", object_id=row.id)
            session.commit()
            return row

    def campaigns(self, principal: Principal, limit: int = 200) -> list[PublicityCampaign]:
        """The province's campaigns, latest first (police units coordinate publicity together)."""
        self._identity.authorise(principal, Permission.PUBLICITY_WORK, "publicity.campaign.list")
        with self._sessions() as session:
            order = (PublicityCampaign.held_on.desc(), PublicityCampaign.id.desc())
            rows = session.scalars(select(PublicityCampaign).order_by(*order).limit(limit)).all()
            session.expunge_all()
            return list(rows)

    def today(self) -> date:
        """Today in Asia/Shanghai by the platform's clock (the form's default date)."""
        return self._clock.now().astimezone(SHANGHAI).date()

    def profile(self, principal: Principal, month: date | None) -> list[Group] | None:
        """The victim profile of `month` from the configured analysis files, or None when none are set."""
        self._identity.authorise(principal, Permission.PUBLICITY_WORK, "publicity.profile")
        if self._dir is None:
            return None
        return _profile(self._dir, month)

    def suggestions(self, groups: list[Group] | None, top: int = 5) -> list[Group]:
        """The groups and regions most at risk (highest victims' share against population share)."""
        return most_at_risk(groups or [], top)


@functools.lru_cache(maxsize=16)
def _profile(directory: Path, month: date | None) -> list[Group]:
    """Profiles are read from files that do not change while the server runs: computed once each."""
    if not (directory / "label_cases.parquet").exists():
        return []
    return simulated_profile(directory, month)
