"""The audit chain (Art 26): each entry's SM3 hash covers its content and the previous hash."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fanzha.core.clock import as_utc
from fanzha.core.sm import sm3_hex

GENESIS = "0" * 64


class Outcome(StrEnum):
    """How an audited action ended."""

    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditEntry:
    """What is recorded: who, organisation, action, object, result, time, source address."""

    seq: int
    at: datetime
    actor: str
    actor_user_id: int | None
    org_id: int | None
    action: str
    object_type: str
    object_id: str
    result: str
    source_ip: str
    detail: str
    prev_hash: str

    def canonical(self) -> bytes:
        """The bytes the hash covers: sorted-key JSON with the time in UTC."""
        fields = dict(self.__dict__)  # shallow: every field is a scalar (asdict deep-copies, slowly)
        fields["at"] = as_utc(self.at).isoformat(timespec="microseconds")
        return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def digest(self) -> str:
        """SM3 over the canonical bytes."""
        return sm3_hex(self.canonical())


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain does not hold, and why."""

    seq: int
    reason_zh: str
    reason_en: str


def verify_chain(rows: Iterable[tuple[AuditEntry, str]], head_seq: int, head_hash: str) -> ChainBreak | None:
    """Walk (entry, stored hash) in sequence order; return the first break, or None."""
    expected_seq, expected_prev = 1, GENESIS
    for entry, stored_hash in rows:
        if entry.seq != expected_seq:
            return ChainBreak(
                expected_seq,
                f"第 {expected_seq} 条记录缺失（被删除）",
                f"record {expected_seq} is missing (removed)",
            )
        if entry.prev_hash != expected_prev:
            return ChainBreak(entry.seq, "前序哈希不符", "previous-hash link does not match")
        if entry.digest() != stored_hash:
            return ChainBreak(entry.seq, "记录内容被篡改", "record content was altered")
        expected_seq, expected_prev = entry.seq + 1, stored_hash
    if expected_seq - 1 != head_seq or expected_prev != head_hash:
        # The tail was cut off: the head remembers more than the table holds.
        return ChainBreak(expected_seq, "链尾记录被删除", "records at the end were removed")
    return None
