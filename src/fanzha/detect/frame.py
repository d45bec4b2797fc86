"""The engine frame: what an engine is, the alerts it returns, and how scores become risk levels."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import ibis
import ibis.expr.types as ir

from fanzha.detect.province import Province

# Every engine returns exactly these columns; reasons are plain Chinese, reused in notices and
# appeals (Art 34), joined by "；".
ALERT_SCHEMA = ibis.schema(
    {
        "object_kind": "string",
        "identifier": "string",
        "score": "float64",
        "level": "string",
        "reasons": "string",
        "last_seen": "timestamp('UTC')",
    }
)
ALERT_COLUMNS = tuple(ALERT_SCHEMA.names)
LEVELS = ("high", "medium", "low")
LEVEL_ZH = {"high": "高", "medium": "中", "low": "低"}
HIGH, MEDIUM = 0.8, 0.5  # score cut points of the risk levels
REASON_SEP = "；"


class Engine(ABC):
    """A named, versioned detector: a pure function from the province's tables to an alerts table."""

    name: ClassVar[str]  # "MuleAccountV1": the class name, stable across releases
    version: ClassVar[int] = 1
    articles: ClassVar[str]  # the provisions it serves, e.g. "18"
    title_zh: ClassVar[str]
    title_en: ClassVar[str]
    inputs: ClassVar[tuple[str, ...]]  # contract tables it reads (labels never)
    # label_objects roles (or the engine's own `truth`) that make an alert a true positive
    truth_roles: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def alerts(self, p: Province) -> ir.Table:
        """The alerts, one row per object, with the columns of ALERT_SCHEMA."""

    def truth(self, p: Province) -> ir.Table:
        """The labelled objects this engine should find: (object_kind, identifier)."""
        objects = p["label_objects"]
        return (
            objects.filter(objects.role.isin(sorted(self.truth_roles)))
            .select("object_kind", "identifier")
            .distinct()
        )

    def universe(self, p: Province) -> ir.Table | None:
        """Every object the engine judged (alerted or not), for the false-alarm rate; None if unknown."""
        return None


def level_of(score: ir.FloatingValue) -> ir.StringValue:
    """Risk level from a 0-1 score: high ≥ 0.8, medium ≥ 0.5, low below."""
    return ibis.cases((score >= HIGH, "high"), (score >= MEDIUM, "medium"), else_="low")


def reasons_of(*parts: tuple[ir.BooleanValue, str | ir.StringValue]) -> ir.StringValue:
    """Join the reason texts whose condition holds, in the order given, with "；"."""
    text: ir.StringValue = ibis.literal("")
    for condition, reason in parts:
        piece = ibis.literal(reason) if isinstance(reason, str) else reason
        text = text + ibis.ifelse(condition.fill_null(False), piece + REASON_SEP, ibis.literal(""))
    return text.re_replace(f"{REASON_SEP}$", "")


def as_alerts(
    table: ir.Table,
    *,
    object_kind: str | ir.StringValue,
    identifier: ir.StringValue,
    score: ir.FloatingValue,
    reasons: ir.StringValue,
    last_seen: ir.TimestampValue,
    min_score: float = MEDIUM,
) -> ir.Table:
    """Shape a table of candidates into alerts, keeping those scoring at least `min_score`."""
    kind = ibis.literal(object_kind) if isinstance(object_kind, str) else object_kind
    rounded = score.cast("float64").round(4)  # identical on every backend despite summation order
    shaped = table.select(
        object_kind=kind.cast("string"),
        identifier=identifier.cast("string"),
        score=rounded,
        level=level_of(rounded),
        reasons=reasons,
        last_seen=last_seen.cast("timestamp('UTC')"),
    )
    return shaped.filter(shaped.score >= min_score)


def local_hour(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Hour of day in Asia/Shanghai (UTC+8, no daylight saving) of a UTC timestamp."""
    return (ts.hour() + 8) % 24


def clip01(x: ir.NumericValue) -> ir.FloatingValue:
    """x limited to [0, 1]."""
    return ibis.greatest(ibis.least(x.cast("float64"), 1.0), 0.0)


def union_alerts(tables: Sequence[ir.Table]) -> ir.Table:
    """Several alert tables as one, keeping each object's highest-scoring row."""
    both = ibis.union(*tables) if len(tables) > 1 else tables[0]
    ranked = both.mutate(
        _rank=ibis.row_number().over(
            group_by=[both.object_kind, both.identifier], order_by=[ibis.desc(both.score), both.reasons]
        )
    )
    return ranked.filter(ranked._rank == 0).drop("_rank")
