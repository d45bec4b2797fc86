"""The operator's side of 12381: who was in contact with a new sample number in the last N days.

Runs where the call records are (the operator's own data, never sent to the platform); the answer is the
body of POST /api/v1/warnings/contacts: each person's ID number (tokenised by the platform on arrival),
the number to text, and how often and how long they spoke. Reads `calls.parquet`, `sms.parquet` and
`phone_cards.parquet` in the simulator's layout (fanzha.contracts) with DuckDB.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from fanzha.identifiers import IdentifierKind, normalise

_SQL = """
WITH touch AS (
    SELECT callee AS phone, ts, duration_s FROM read_parquet($calls) WHERE caller = $number
    UNION ALL
    SELECT caller AS phone, ts, duration_s FROM read_parquet($calls) WHERE callee = $number
    {sms}
), recent AS (
    SELECT * FROM touch WHERE ts >= $since AND ts <= $until
)
SELECT w.phone, c.holder_resident_id AS id_number, count(*) AS calls,
       max(w.duration_s) AS longest, max(w.ts) AS last_at
FROM recent w
JOIN read_parquet($cards) c ON c.msisdn = w.phone
WHERE c.holder_resident_id IS NOT NULL
GROUP BY w.phone, c.holder_resident_id
ORDER BY w.phone
"""
_SMS = (
    "UNION ALL SELECT receiver AS phone, ts, 0 AS duration_s FROM read_parquet($sms) WHERE sender = $number"
)


def contacts_of(
    directory: Path, number: str, days: int, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Everyone with a card in these records who called, was called or texted by `number` within `days`."""
    e164 = normalise(IdentifierKind.PHONE, number, field="fraud_number").value
    con = duckdb.connect()
    params: dict[str, Any] = {
        "calls": str(directory / "calls.parquet"),
        "cards": str(directory / "phone_cards.parquet"),
        "number": e164,
    }
    sms = directory / "sms.parquet"
    if sms.is_file():
        params["sms"] = str(sms)
    latest = con.execute("SELECT max(ts) FROM read_parquet($calls)", {"calls": params["calls"]}).fetchone()
    end = until or (latest[0] if latest else None)
    if end is None:
        return []
    params["until"], params["since"] = end, end - timedelta(days=days)
    rows = con.execute(_SQL.format(sms=_SMS if "sms" in params else ""), params).fetchall()
    return [
        {"id_number": r[1], "phone": r[0], "calls": int(r[2]), "longest_call_s": int(r[3] or 0),
         "last_at": r[4].isoformat() if r[4] else None}
        for r in rows
    ]  # fmt: skip


def contact_list(directory: Path, number: str, days: int, scam_type: str = "other") -> dict[str, Any]:
    """The whole body for POST /api/v1/warnings/contacts."""
    return {"fraud_number": number, "scam_type": scam_type, "contacts": contacts_of(directory, number, days)}
