"""Samples as a MISP feed: one event per scam type and month, one attribute per published sample.

MISP cannot pull TAXII 2.1 (MISP/MISP#2895); its own feed format (a manifest, one JSON file per
event and `hashes.csv`) is what MISP users configure. Attribute uuids are the samples' STIX indicator
uuids, so misp-stix turns an attribute back into the indicator TAXII serves.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from fanzha.core.clock import as_utc
from fanzha.identifiers import IdentifierKind
from fanzha.samples import stix
from fanzha.samples.domain import FRAUD_TYPE_LABELS, RISK_LABELS, FraudType, RiskLevel, SampleStatus

ORGC = {"name": "Hunan anti-fraud platform (Fanzha)", "uuid": "5c6e1a3e-2f0b-4c1e-9d8a-6a3f0c2b7e41"}
TLP_TAG = {"name": "tlp:amber", "colour": "#FFC000"}
# MISP attribute types and categories for the kinds MISP knows; the rest travel as keyed tokens.
_MISP_TYPES: dict[IdentifierKind, tuple[str, str]] = {
    IdentifierKind.URL: ("url", "Network activity"),
    IdentifierKind.DOMAIN: ("domain", "Network activity"),
    IdentifierKind.IP: ("ip-dst", "Network activity"),
    IdentifierKind.APP: ("mobile-application-id", "Payload delivery"),
}
_TOKEN_TYPE = ("text", "Other")


def event_uuid(fraud_type: str, month: str) -> str:
    """The stable uuid of the event holding one scam type's samples that entered in `month` (YYYY-MM)."""
    return str(uuid.uuid5(stix.FANZHA_NAMESPACE, f"misp-event:{fraud_type}:{month}"))


def month_of(moment: datetime) -> str:
    """The month a sample entered the library, in UTC (the feed's grouping)."""
    return as_utc(moment).strftime("%Y-%m")


def _epoch(moment: datetime) -> str:
    return str(int(as_utc(moment).timestamp()))


def _fraud_label(fraud_type: str) -> tuple[str, str]:
    return FRAUD_TYPE_LABELS.get(FraudType(fraud_type), (fraud_type, fraud_type))


def _event_tags(fraud_type: str) -> list[dict[str, str]]:
    return [TLP_TAG, {"name": f'fanzha:fraud-type="{fraud_type}"'}]


def _info(fraud_type: str, month: str) -> str:
    zh, en = _fraud_label(fraud_type)
    return f"湖南省反诈平台涉诈样本：{zh}（{month}）/ Hunan anti-fraud samples: {en} ({month})"


def attribute(sample: stix.SampleLike) -> dict[str, Any]:
    """One sample as a MISP attribute: the value where it is not personal, else its keyed token."""
    kind = IdentifierKind(sample.kind)
    misp_type, category = _MISP_TYPES.get(kind, _TOKEN_TYPE) if kind in stix.VALUE_KINDS else _TOKEN_TYPE
    value = (
        sample.masked if kind in stix.VALUE_KINDS else f"{stix.TOKEN_ALGORITHM.lower()}:{kind}:{sample.token}"
    )
    if kind is IdentifierKind.APP and sample.masked.startswith("sha256:"):
        misp_type, value = "sha256", sample.masked.removeprefix("sha256:")
    risk_zh, _ = RISK_LABELS.get(RiskLevel(sample.risk_level), (sample.risk_level, sample.risk_level))
    return {
        "uuid": sample.stix_indicator,
        "type": misp_type,
        "category": category,
        "value": value,
        # Revoked and expired samples stay visible, but no longer detect (MISP's "for IDS" flag).
        "to_ids": sample.status == SampleStatus.ACTIVE,
        "timestamp": _epoch(max(sample.updated_at, sample.created_at)),
        "first_seen": stix.timestamp(sample.first_seen, 6),
        "comment": f"{kind.label_zh} {sample.masked}（{risk_zh}）/ {kind.label_en}",
        "distribution": "5",
        "deleted": False,
        "disable_correlation": False,
        "Tag": [{"name": f'fanzha:status="{sample.status}"'}, {"name": f'fanzha:risk="{sample.risk_level}"'}],
    }


def event(fraud_type: str, month: str, samples: Iterable[stix.SampleLike]) -> dict[str, Any]:
    """The event file of one scam type and month: `{"Event": {...}}` as MISP writes and reads it."""
    attributes = [attribute(s) for s in samples]
    changed = max((int(a["timestamp"]) for a in attributes), default=0)
    return {
        "Event": {
            "uuid": event_uuid(fraud_type, month),
            "info": _info(fraud_type, month),
            "date": f"{month}-01",
            "timestamp": str(changed),
            "publish_timestamp": str(changed),
            "published": True,
            "analysis": "2",
            "threat_level_id": "2",
            "distribution": "0",
            "Orgc": ORGC,
            "Tag": _event_tags(fraud_type),
            "Attribute": attributes,
        }
    }


def manifest_entry(fraud_type: str, month: str, changed: datetime) -> dict[str, Any]:
    """An event's line in manifest.json: what MISP compares to decide whether to fetch it again."""
    return {
        "Orgc": ORGC,
        "Tag": _event_tags(fraud_type),
        "info": _info(fraud_type, month),
        "date": f"{month}-01",
        "analysis": 2,
        "threat_level_id": 2,
        "timestamp": int(as_utc(changed).timestamp()),
    }


def value_hash(value: str) -> str:
    """MISP's hashes.csv key for an attribute value (MD5, as MISP computes it; not a security use)."""
    return hashlib.md5(value.encode(), usedforsecurity=False).hexdigest()


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The UTC start of `month` and of the month after it."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    after = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, after
