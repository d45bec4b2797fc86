"""Looking samples up: batches for institutions, a coarse and rate-limited check for the public."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import ANONYMOUS, Auditor
from fanzha.core.errors import FanzhaError
from fanzha.core.limiter import MemoryLimiter
from fanzha.disposal.tables import Order as DisposalOrder
from fanzha.identifiers import IdentifierVault, normalise
from fanzha.identity.domain import Principal
from fanzha.identity.service import actor_of
from fanzha.samples.domain import SampleStatus
from fanzha.samples.schemas import LookupItem, PublicAnswer
from fanzha.samples.tables import Sample

_CHUNK = 5000  # tokens per IN (...) query: well under every driver's parameter limit
_COLUMNS = (
    Sample.token,
    Sample.id,
    Sample.kind,
    Sample.status,
    Sample.risk_level,
    Sample.fraud_type,
    Sample.first_seen,
)
_ACTIVE = str(SampleStatus.ACTIVE)
_FOUND = frozenset({_ACTIVE, str(SampleStatus.EXPIRED)})  # texts: a set test, no enum per row


def _rows_by_token(session: Session, tokens: Sequence[str]) -> dict[str, Any]:
    """Only the columns an answer needs, for every token that is a sample."""
    found: dict[str, Any] = {}
    unique = list(dict.fromkeys(tokens))
    # Core rows from the session's connection: the ORM's result layer adds work per row for nothing here.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # One array parameter (= ANY) is twice as fast as thousands of IN parameters.
        for start in range(0, len(unique), 20_000):
            where = Sample.token == any_(
                bindparam("tokens", unique[start : start + 20_000], type_=ARRAY(String))
            )
            found.update((row[0], row) for row in connection.execute(select(*_COLUMNS).where(where)).all())
        return found
    # SQLite: the whole batch as one JSON parameter, unpacked by json_each; compiling thousands of
    # IN parameters per chunk cost more than the search itself.
    listed = select(func.json_each(bindparam("tokens", orjson.dumps(unique).decode())).table_valued("value"))
    # .all(): one fetchall, where iterating the result fetches row by row.
    rows = connection.execute(select(*_COLUMNS).where(Sample.token.in_(listed.scalar_subquery()))).all()
    found.update((row[0], row) for row in rows)
    return found


def measures_in_force(session: Session, tokens: Sequence[str]) -> dict[str, list[str]]:
    """Measures executed and not released on each object (Art 28¶1: what institutions already did)."""
    executed = DisposalOrder.status == "executed"
    if not tokens or session.scalar(select(DisposalOrder.id).limit(1)) is None:
        return {}  # no order anywhere: skip looking up every token (status is not indexed)
    found: dict[str, list[str]] = {}
    for start in range(0, len(tokens), _CHUNK):
        query = select(DisposalOrder.object_token, DisposalOrder.measure).where(
            executed,
            DisposalOrder.measure != "release",
            DisposalOrder.object_token.in_(tokens[start : start + _CHUNK]),
        )
        for token, measure in session.execute(query):
            found.setdefault(token, []).append(measure)
    return {token: sorted(set(names)) for token, names in found.items()}


def _answers(session: Session, tokens: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The answer (less its index) for every token that is a fraud finding, built once per sample."""
    rows = {t: r for t, r in _rows_by_token(session, tokens).items() if r.status in _FOUND}
    # Pending, rejected and revoked samples are not fraud findings yet (or any more).
    measures = measures_in_force(session, [t for t, r in rows.items() if r.status == _ACTIVE])
    iso = functools.cache(datetime.isoformat)  # samples imported together share their first_seen
    return {
        token: {
            "found": status == _ACTIVE,
            "token": token,
            "kind": kind,
            "sample_id": sample_id,
            "status": status,
            "risk_level": risk_level,
            "fraud_type": fraud_type,
            "first_seen": iso(first_seen),
            "measures_in_force": measures.get(token) or [],
        }
        for token, (_, sample_id, kind, status, risk_level, fraud_type, first_seen) in rows.items()
    }


class Lookup:
    """Answers 'is this a fraud sample?' without revealing anything else."""

    def __init__(self, sessions: sessionmaker[Session], auditor: Auditor, vault: IdentifierVault) -> None:
        self._sessions = sessions
        self._audit = auditor
        self._vault = vault

    def batch(self, principal: Principal, items: Sequence[LookupItem]) -> list[dict[str, Any]]:
        """Look up to 100,000 identifiers by raw value or token; bad items answer with their error.

        Answers are plain dicts shaped like `LookupResult`: building 100,000 models would cost more
        than the lookup itself.
        """
        tokens: list[str | None] = []
        errors: dict[int, FanzhaError] = {}
        token_of, append = self._token_of, tokens.append
        for index, item in enumerate(items):
            try:
                append(item.get("token") or token_of(item, index))
            except FanzhaError as error:
                append(None)
                errors[index] = error
        with self._sessions() as session:
            answers = _answers(session, [t for t in tokens if t])
            results = [self._result(i, t, answers, errors) for i, t in enumerate(tokens)]
            hits = sum(1 for r in results if r["found"])
            # Art 26: a lookup touches personal information; one entry per batch keeps it readable.
            self._audit.record(
                session,
                actor_of(principal),
                "sample.lookup",
                source_ip=principal.source_ip,
                detail={"items": len(items), "hits": hits, "errors": len(errors)},
            )
            session.commit()
        return results

    def _token_of(self, item: LookupItem, index: int) -> str:
        token, kind, value = item.get("token"), item.get("kind"), item.get("value")
        if token:
            return token
        if not kind or value is None:
            raise FanzhaError(
                "每一项须给出 kind 和 value，或 token",
                "Give kind and value, or token",
                field=f"items.{index}",
                code="validation_failed",
            )
        return self._vault.token(normalise(kind, value, field=f"items.{index}.value"))

    @staticmethod
    def _result(
        index: int, token: str | None, answers: dict[str, dict[str, Any]], errors: dict[int, FanzhaError]
    ) -> dict[str, Any]:
        if token is None:
            return {"index": index, "found": False, "error": errors[index].to_dict()}
        answer = answers.get(token)
        if answer is None:
            return {"index": index, "found": False, "token": token}
        return {"index": index, **answer}

    def public_check(self, kind: str, value: str, client: str) -> PublicAnswer:
        """One identifier, answered with a coarse level only (the portal's risk check)."""
        token = self._vault.token(normalise(kind, value, field="value"))
        with self._sessions() as session:
            row = session.scalars(select(Sample).where(Sample.token == token)).first()
            level = row.risk_level if row is not None and row.status == SampleStatus.ACTIVE else "unknown"
            self._audit.record(
                session,
                ANONYMOUS,
                "sample.public_check",
                source_ip=client,
                detail={"kind": kind, "found": level != "unknown"},
            )
            session.commit()
        return PublicAnswer(level=level, **ADVICE[level])


ADVICE: dict[str, dict[str, str]] = {
    "high": {
        "advice_zh": "高风险！已被公安机关认定为涉诈，请立即停止联系或转账，并拨打 96110 咨询。",
        "advice_en": "High risk: identified by the police as used for fraud. Stop now and call 96110.",
    },
    "medium": {
        "advice_zh": "中风险：存在涉诈嫌疑，请勿转账，如有疑问拨打 96110。",
        "advice_en": "Medium risk: suspected of fraud. Do not pay; call 96110 if unsure.",
    },
    "low": {
        "advice_zh": "低风险：曾有涉诈线索，请提高警惕。",
        "advice_en": "Low risk: there were fraud reports; stay alert.",
    },
    "unknown": {
        "advice_zh": "暂未发现风险记录，但这不代表安全；凡是要求转账的都请先核实。",
        "advice_en": "No record found, which does not mean safe: verify anyone who asks for money.",
    },
}


# The in-memory limiter is core.limiter.MemoryLimiter (the port and its adapters); the old name stays.
RateLimiter = MemoryLimiter
