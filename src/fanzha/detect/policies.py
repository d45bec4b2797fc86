"""Policies: per engine and risk level, what an alert becomes (sample candidate, disposal order, warning)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fanzha.core.errors import ValidationFailed
from fanzha.detect.engines import victims
from fanzha.samples.domain import FraudType

ANY = "*"


class OutcomeKind(StrEnum):
    """What an alert can become."""

    # Art 27¶2, 28¶1: a candidate for the shared sample library, pending police confirmation.
    SAMPLE = "sample"
    # Art 28¶1: an order to the institution to restrict or suspend the service.
    ORDER = "order"
    # Art 28¶2: a warning and dissuasion task for a potential victim.
    WARNING = "warning"


OUTCOME_LABELS: dict[OutcomeKind, tuple[str, str]] = {
    OutcomeKind.SAMPLE: ("涉诈样本候选（待公安确认）", "Sample candidate (pending police confirmation)"),
    OutcomeKind.ORDER: ("处置指令", "Disposal order"),
    OutcomeKind.WARNING: ("预警劝阻任务", "Warning and dissuasion task"),
}


@dataclass(frozen=True)
class Policy:
    """Alerts of `engine` (or any engine) at `level` become `outcome`."""

    engine: str
    level: str
    outcome: OutcomeKind
    fraud_type: FraudType = FraudType.OTHER
    article: str = "28"

    def matches(self, engine: str, level: str) -> bool:
        """Whether this policy covers an alert of `engine` at `level`."""
        return self.engine in (ANY, engine) and self.level == level


def default_policies() -> tuple[Policy, ...]:
    """High alerts on fraud objects become sample candidates; potential victims get warning tasks."""
    victim_engines = tuple(e.name for e in victims.ENGINES)
    warnings = tuple(
        Policy(name, level, OutcomeKind.WARNING, article="28")
        for name in victim_engines
        for level in ("high", "medium")
    )
    return (*warnings, Policy(ANY, "high", OutcomeKind.SAMPLE, article="27"))


def parse_policies(rows: list[dict[str, Any]]) -> tuple[Policy, ...]:
    """Policies from settings (FANZHA_DETECT_POLICIES as JSON), each row checked."""
    parsed = []
    for i, row in enumerate(rows):
        if row.get("outcome") == OutcomeKind.ORDER:
            # Orders need a measure and its legal basis per institution: not offered from detection yet.
            raise ValidationFailed(
                f"第 {i + 1} 条策略：检测告警暂不能直接生成处置指令",
                f"Policy {i + 1}: detection alerts cannot become disposal orders yet",
                field="detect_policies",
            )
        try:
            parsed.append(
                Policy(
                    engine=str(row.get("engine", ANY)),
                    level=_level(row.get("level")),
                    outcome=OutcomeKind(str(row.get("outcome"))),
                    fraud_type=FraudType(row.get("fraud_type", FraudType.OTHER)),
                    article=str(row.get("article", "28")),
                )
            )
        except ValueError:
            raise ValidationFailed(
                f"第 {i + 1} 条检测处置策略无效：{row}",
                f"Detection policy {i + 1} is invalid: {row}",
                field="detect_policies",
            ) from None
    return tuple(parsed)


def _level(value: object) -> str:
    if value not in ("high", "medium", "low"):
        raise ValueError(value)
    return str(value)


def policies_for(policies: tuple[Policy, ...], engine: str, level: str) -> list[Policy]:
    """The policies covering one alert, at most one per outcome (the engine's own before the wildcard)."""
    chosen: dict[OutcomeKind, Policy] = {}
    for p in sorted(policies, key=lambda p: p.engine == ANY):
        if p.matches(engine, level) and p.outcome not in chosen:
            chosen[p.outcome] = p
    return list(chosen.values())
