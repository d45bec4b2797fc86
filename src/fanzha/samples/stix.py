"""Samples as STIX 2.1: per sample an indicator `based-on` its observable; custom kinds by extension."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from fanzha.core.clock import as_utc
from fanzha.core.errors import ValidationFailed
from fanzha.identifiers import IdentifierKind
from fanzha.samples.domain import FRAUD_TYPE_LABELS, RISK_LABELS, FraudType, RiskLevel, SampleStatus

SPEC_VERSION = "2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"

# Fixed forever: institutions store the ids derived from it (indicator ids, collection ids).
FANZHA_NAMESPACE = uuid.UUID("602309fe-5856-42f3-adf5-879035c801fa")
# STIX 2.1 §2.9: the namespace every producer uses for deterministic observable ids.
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

IDENTITY_ID = "identity--73a527d3-4249-4178-a563-fe54d9899421"
TOKEN_EXTENSION_ID = "extension-definition--44f8cc01-012a-49de-86eb-44f5b132ab60"  # noqa: S105 - an id
IDENTIFIER_EXTENSION_ID = "extension-definition--8dc15eb7-b8bc-4ce0-85cf-c73d4b76b83e"
# STIX 2.1 §7.2.1.4: the predefined TLP:AMBER marking (shared with the participants' organisations only).
TLP_AMBER_ID = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
IDENTIFIER_TYPE = "fanzha-identifier"
TOKEN_ALGORITHM = "HMAC-SM3"  # noqa: S105 - an algorithm name
# When the identity and the extension definitions were first published; they never change.
DEFINED_AT = datetime(2026, 1, 1, tzinfo=UTC)

# Art 28¶1: pending and rejected reports were never notified to institutions, so never leave the platform.
PUBLISHED_STATUSES = frozenset({SampleStatus.ACTIVE, SampleStatus.REVOKED, SampleStatus.EXPIRED})
# Kinds that are not personal information: the canonical value (kept in `masked`) is shared as is.
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$")
VALUE_KINDS = frozenset({IdentifierKind.URL, IdentifierKind.DOMAIN, IdentifierKind.IP, IdentifierKind.APP})


class SampleLike(Protocol):
    """The fields of a sample the mapping reads (a `Sample` row, or `SampleFacts`)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def masked(self) -> str: ...
    @property
    def fraud_type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def confidence(self) -> int: ...
    @property
    def risk_level(self) -> str: ...
    @property
    def region_code(self) -> str | None: ...
    @property
    def first_seen(self) -> datetime: ...
    @property
    def last_seen(self) -> datetime: ...
    @property
    def hits(self) -> int: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def stix_indicator(self) -> str: ...
    @property
    def stix_observable(self) -> str: ...


@dataclass(frozen=True)
class SampleFacts:
    """A sample's shareable fields without a database row."""

    id: int
    kind: str
    token: str
    masked: str
    fraud_type: str
    status: str
    confidence: int
    risk_level: str
    region_code: str | None
    first_seen: datetime
    last_seen: datetime
    hits: int
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    stix_indicator: str
    stix_observable: str


def timestamp(moment: datetime, digits: int = 3) -> str:
    """RFC 3339 in UTC with `digits` fractional digits (STIX `created`/`modified` want milliseconds)."""
    utc = as_utc(moment)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + f".{utc.microsecond:06d}"[: digits + 1] + "Z"


def parse_timestamp(text: str, name: str) -> datetime:
    """An RFC 3339 UTC timestamp (`Z`) as sent by TAXII clients; sub-microsecond digits are dropped."""
    match = _TIMESTAMP.match(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        whole, fraction = match.groups()
        moment = datetime.fromisoformat(whole).replace(tzinfo=UTC)
        return moment.replace(microsecond=int((fraction or "0")[:6].ljust(6, "0")))
    except ValueError:
        raise ValidationFailed(
            f"{name} 须为 RFC 3339 UTC 时间，如 2026-01-01T00:00:00.000Z",
            f"{name} must be an RFC 3339 UTC timestamp such as 2026-01-01T00:00:00.000Z",
            field=name,
        ) from None


def indicator_id(sample: SampleLike) -> str:
    """The indicator's id: the sample's stored UUIDv4 (STIX 2.1 §2.9 wants UUIDv4 for SDOs)."""
    return f"indicator--{sample.stix_indicator}"


def _derived_uuid4(name: str) -> uuid.UUID:
    """A UUIDv4 drawn from `name` (itself holding a random UUIDv4), so it is as random and as stable."""
    return uuid.UUID(bytes=hashlib.sha256(name.encode()).digest()[:16], version=4)


def observed_data_id(sample: SampleLike) -> str:
    """The id of the observed-data wrapping the observable: follows the observable's id."""
    return f"observed-data--{_derived_uuid4(f'observed-data:{sample.stix_observable}')}"


def relationship_id(sample: SampleLike) -> str:
    """The id of the indicator's `based-on` relationship: follows the indicator's id."""
    return f"relationship--{_derived_uuid4(f'based-on:{sample.stix_indicator}')}"


def _canonical(value: Mapping[str, Any]) -> str:
    # RFC 8785 (JCS) for the ASCII keys and values ids are computed from.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def observable_id(sco_type: str, contributing: Mapping[str, Any]) -> str:
    """STIX 2.1 §2.9: UUIDv5 over the canonical JSON of the type's id-contributing properties."""
    return f"{sco_type}--{uuid.uuid5(SCO_NAMESPACE, _canonical(contributing))}"


def _uri(url: str) -> str:
    """A URL as an RFC 3986 URI (STIX `url:value`): characters URIs cannot hold are percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=-._~%")


def _literal(value: str) -> str:
    """A STIX pattern string literal: quotes and backslashes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _token_extension(sample: SampleLike) -> dict[str, Any]:
    return {
        "extension_type": "property-extension",
        "kind": sample.kind,
        "token": sample.token,
        "token_algorithm": TOKEN_ALGORITHM,
    }


def observable(sample: SampleLike) -> dict[str, Any]:
    """The observable of a sample: a standard SCO where STIX has one, else the custom token SCO."""
    kind, value = IdentifierKind(sample.kind), sample.masked
    token_extension = {TOKEN_EXTENSION_ID: _token_extension(sample)}
    contributing: dict[str, Any]
    shown: dict[str, Any] = {}
    if kind is IdentifierKind.INTERNET_ACCOUNT:
        # The account is personal information: its keyed token stands for the account id.
        sco_type, contributing, shown = "user-account", {"user_id": sample.token}, {"display_name": value}
    elif kind is IdentifierKind.URL:
        sco_type, contributing = "url", {"value": _uri(value)}
    elif kind is IdentifierKind.DOMAIN:
        sco_type, contributing = "domain-name", {"value": value}
    elif kind is IdentifierKind.IP:
        sco_type, contributing = ("ipv6-addr" if ":" in value else "ipv4-addr"), {"value": value}
    elif kind is IdentifierKind.APP and value.startswith("sha256:"):
        # Extensions are id-contributing for files (STIX 2.1 §6.7).
        sco_type = "file"
        contributing = {"hashes": {"SHA-256": value.removeprefix("sha256:")}, "extensions": token_extension}
    elif kind is IdentifierKind.APP:
        sco_type, contributing = "software", {"name": value}
    else:
        # STIX 2.1 §7.3: a custom SCO without id-contributing properties has a UUIDv4 id, stored.
        return {
            "type": IDENTIFIER_TYPE,
            "spec_version": SPEC_VERSION,
            "id": f"{IDENTIFIER_TYPE}--{sample.stix_observable}",
            "kind": sample.kind,
            "token": sample.token,
            "masked": value,
            "object_marking_refs": [TLP_AMBER_ID],
            "extensions": {IDENTIFIER_EXTENSION_ID: {"extension_type": "new-sco"}},
        }
    return {
        "type": sco_type,
        "spec_version": SPEC_VERSION,
        "id": observable_id(sco_type, contributing),
        **contributing,
        **shown,
        "object_marking_refs": [TLP_AMBER_ID],
        "extensions": token_extension,
    }


def object_types(kind: IdentifierKind) -> frozenset[str]:
    """The STIX types a kind's samples become: the indicator and the observable's type(s)."""
    observables = {
        IdentifierKind.URL: {"url"},
        IdentifierKind.DOMAIN: {"domain-name"},
        IdentifierKind.IP: {"ipv4-addr", "ipv6-addr"},
        IdentifierKind.APP: {"software", "file"},
        IdentifierKind.INTERNET_ACCOUNT: {"user-account"},
    }.get(kind, {IDENTIFIER_TYPE})
    return frozenset({"indicator", "observed-data", "relationship", *observables})


def pattern(sample: SampleLike) -> str:
    """The STIX pattern matching the sample: on the value where it is shared, else on the token."""
    kind, value = IdentifierKind(sample.kind), sample.masked
    if kind is IdentifierKind.INTERNET_ACCOUNT:
        return f"[user-account:user_id = {_literal(sample.token)}]"
    if kind is IdentifierKind.URL:
        return f"[url:value = {_literal(_uri(value))}]"
    if kind is IdentifierKind.DOMAIN:
        return f"[domain-name:value = {_literal(value)}]"
    if kind is IdentifierKind.IP:
        return f"[{'ipv6-addr' if ':' in value else 'ipv4-addr'}:value = {_literal(value)}]"
    if kind is IdentifierKind.APP and value.startswith("sha256:"):
        return f"[file:hashes.'SHA-256' = {_literal(value.removeprefix('sha256:'))}]"
    if kind is IdentifierKind.APP:
        return f"[software:name = {_literal(value)}]"
    return (
        f"[{IDENTIFIER_TYPE}:kind = {_literal(sample.kind)}"
        f" AND {IDENTIFIER_TYPE}:token = {_literal(sample.token)}]"
    )


def valid_until(sample: SampleLike) -> datetime | None:
    """When the indicator stopped being valid: at revocation or expiry; none while active."""
    if sample.status == SampleStatus.REVOKED:
        ended = sample.updated_at  # the revocation is the sample's last change
    elif sample.status == SampleStatus.EXPIRED:
        ended = sample.expires_at
    else:
        return None
    # STIX: valid_until must be later than valid_from, at the millisecond precision served.
    return max(as_utc(ended), as_utc(sample.first_seen) + timedelta(milliseconds=1))


def indicator(sample: SampleLike) -> dict[str, Any]:
    """The indicator of a sample; its id is the sample's stored UUIDv4, `modified` the last change."""
    kind, fraud, risk = (
        IdentifierKind(sample.kind),
        FraudType(sample.fraud_type),
        RiskLevel(sample.risk_level),
    )
    fraud_zh, fraud_en = FRAUD_TYPE_LABELS[fraud]
    risk_zh, risk_en = RISK_LABELS[risk]
    extension: dict[str, Any] = {
        **_token_extension(sample),
        "fraud_type": sample.fraud_type,
        "risk_level": sample.risk_level,
        "sample_status": sample.status,
    }
    if sample.region_code:
        extension["region_code"] = sample.region_code
    matched_on = "值" if kind in VALUE_KINDS else "令牌（HMAC-SM3）"
    result: dict[str, Any] = {
        "type": "indicator",
        "spec_version": SPEC_VERSION,
        "id": indicator_id(sample),
        "created_by_ref": IDENTITY_ID,
        "created": timestamp(sample.created_at),
        "modified": timestamp(max(sample.updated_at, sample.created_at)),
        "name": f"涉诈{kind.label_zh}：{sample.masked}",
        "description": (
            f"湖南省反诈平台共享的涉诈样本（{fraud_zh}，{risk_zh}），按{matched_on}匹配。"
            f" Fraud sample shared by the Hunan anti-fraud platform: {kind.label_en}, {fraud_en},"
            f" {risk_en.lower()}."
        ),
        "indicator_types": ["malicious-activity"],
        "pattern": pattern(sample),
        "pattern_type": "stix",
        "pattern_version": SPEC_VERSION,
        "valid_from": timestamp(sample.first_seen),
        "confidence": sample.confidence,
        "labels": ["fraud", sample.fraud_type, "tlp:amber"],
        "lang": "zh",
        "external_references": [{"source_name": "fanzha", "external_id": f"sample-{sample.id}"}],
        "object_marking_refs": [TLP_AMBER_ID],
        "extensions": {TOKEN_EXTENSION_ID: extension},
    }
    ended = valid_until(sample)
    if ended is not None:
        result["valid_until"] = timestamp(ended)
    if sample.status == SampleStatus.REVOKED:
        result["revoked"] = True
    return result


def observed_data(sample: SampleLike, observable_obj: Mapping[str, Any]) -> dict[str, Any]:
    """When and how often the observable was seen: the platform's sightings of the sample (STIX 2.1 §4.13)."""
    first = as_utc(sample.first_seen)
    return {
        "type": "observed-data",
        "spec_version": SPEC_VERSION,
        "id": observed_data_id(sample),
        "created_by_ref": IDENTITY_ID,
        "created": timestamp(sample.created_at),
        "modified": timestamp(max(sample.updated_at, sample.created_at)),
        "first_observed": timestamp(first),
        "last_observed": timestamp(max(first, as_utc(sample.last_seen))),
        "number_observed": max(1, min(sample.hits, 999_999_999)),  # STIX caps it at 999,999,999
        "object_refs": [observable_obj["id"]],
        "object_marking_refs": [TLP_AMBER_ID],
    }


def based_on(
    sample: SampleLike, indicator_obj: Mapping[str, Any], basis: Mapping[str, Any]
) -> dict[str, Any]:
    """The relationship saying the indicator is based on the observed data (STIX 2.1 §4.7)."""
    return {
        "type": "relationship",
        "spec_version": SPEC_VERSION,
        "id": relationship_id(sample),
        "created_by_ref": IDENTITY_ID,
        "created": indicator_obj["created"],
        "modified": indicator_obj["created"],  # the link never changes; the indicator does
        "relationship_type": "based-on",
        "source_ref": indicator_obj["id"],
        "target_ref": basis["id"],
        "object_marking_refs": [TLP_AMBER_ID],
    }


def sample_objects(sample: SampleLike) -> list[dict[str, Any]]:
    """One published sample: the indicator, the observable, its observed-data and the `based-on` link.

    STIX 2.1 suggests observed-data as what an indicator is `based-on`; it refers to the observable.
    """
    found, seen = indicator(sample), observable(sample)
    basis = observed_data(sample, seen)
    return [found, seen, basis, based_on(sample, found, basis)]


def _json_schema(title: str, properties: dict[str, Any], required: list[str]) -> str:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    return json.dumps(schema, ensure_ascii=False, sort_keys=True)


_KIND = {"enum": [k.value for k in IdentifierKind]}
_TOKEN = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
TOKEN_EXTENSION_SCHEMA = _json_schema(
    "fanzha-identifier-token",
    {
        "extension_type": {"const": "property-extension"},
        "kind": _KIND,
        "token": _TOKEN,
        "token_algorithm": {"const": TOKEN_ALGORITHM},
        "fraud_type": {"enum": [f.value for f in FraudType]},
        "risk_level": {"enum": [r.value for r in RiskLevel]},
        "sample_status": {"enum": sorted(s.value for s in PUBLISHED_STATUSES)},
        "region_code": {"type": "string", "pattern": "^[0-9]{6}([0-9]{3})?$"},
    },
    ["extension_type", "kind", "token", "token_algorithm"],
)
IDENTIFIER_SCHEMA = _json_schema(
    IDENTIFIER_TYPE,
    {
        "type": {"const": IDENTIFIER_TYPE},
        "spec_version": {"const": SPEC_VERSION},
        "id": {"type": "string", "pattern": f"^{IDENTIFIER_TYPE}--[0-9a-f-]{{36}}$"},
        "kind": _KIND,
        "token": _TOKEN,
        "masked": {"type": "string"},
        "object_marking_refs": {"type": "array", "items": {"type": "string"}},
        "extensions": {"type": "object"},
    },
    ["type", "id", "kind", "token", "extensions"],
)


def static_objects() -> list[dict[str, Any]]:
    """Who publishes, under which marking, and the two extension definitions (in every collection)."""
    defined = timestamp(DEFINED_AT)
    common = {"spec_version": SPEC_VERSION, "created": defined, "modified": defined}
    return [
        {
            "type": "identity",
            "id": IDENTITY_ID,
            **common,
            "name": "湖南省反电信网络诈骗协同平台（Fanzha）",
            "description": "湖南省反诈中心运行的涉诈样本库。 The Hunan anti-fraud centre's sample library.",
            "identity_class": "organization",
            "sectors": ["government-regional"],
        },
        {
            "type": "marking-definition",
            "spec_version": SPEC_VERSION,
            "id": TLP_AMBER_ID,
            "created": "2017-01-20T00:00:00.000Z",
            "definition_type": "tlp",
            "name": "TLP:AMBER",
            "definition": {"tlp": "amber"},
        },
        {
            "type": "extension-definition",
            "id": TOKEN_EXTENSION_ID,
            **common,
            "created_by_ref": IDENTITY_ID,
            "name": "fanzha-identifier-token",
            "description": (
                "样本标识的键控令牌（HMAC-SM3，按类型和规范化值计算），机构用同一密钥计算后比对，原始值不出平台。"
                " The keyed token (HMAC-SM3 over kind and normalised value) of a fraud sample's identifier:"
                " institutions holding the shared key compute it for their own data and compare; raw values"
                " never leave the platform. On indicators it also carries the fraud type, risk level and"
                " sample status."
            ),
            "schema": TOKEN_EXTENSION_SCHEMA,
            "version": "1.0.0",
            "extension_types": ["property-extension"],
        },
        {
            "type": "extension-definition",
            "id": IDENTIFIER_EXTENSION_ID,
            **common,
            "created_by_ref": IDENTITY_ID,
            "name": IDENTIFIER_TYPE,
            "description": (
                "STIX 没有对应观测对象的标识（电话号码、银行卡、支付账户、IMEI、钱包地址、身份证号），"
                "以类型和令牌表示；无 ID 贡献属性，ID 为平台保存的 UUIDv4。"
                " Identifiers STIX has no observable for (phone numbers, bank cards, payment accounts,"
                " IMEIs, wallets, resident ID numbers), as kind and keyed token. It has no id-contributing"
                " properties: its id is a UUIDv4 the platform keeps for the sample."
            ),
            "schema": IDENTIFIER_SCHEMA,
            "version": "1.0.0",
            "extension_types": ["new-sco"],
        },
    ]


def bundle(objects: Iterable[Mapping[str, Any]], bundle_id: str | None = None) -> dict[str, Any]:
    """A STIX 2.1 bundle of `objects` (bundles are transport only, so their id is random)."""
    return {"type": "bundle", "id": bundle_id or f"bundle--{uuid.uuid4()}", "objects": list(objects)}
