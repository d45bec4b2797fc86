"""The audit chain (Art 26): each entry's MAC covers its content and the previous entry's MAC.

Entries written since migration 0010 carry HMAC-SM3 under a key the database never holds (version
`KEYED`), so whoever controls the database cannot forge or re-chain them. Entries from before carry
the plain SM3 hash (version `LEGACY`); they stay bound into the chain by the first keyed entry, which
covers the last legacy hash. Signed checkpoints kept outside the database (count and head MAC) pin what
existed when each was written, so a truncated or rewritten log is found even though every row is gone.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from fanzha_client.tokens import KeyedSM3

from fanzha.core.clock import as_utc
from fanzha.core.sm import sm3_hex

GENESIS = "0" * 64
LEGACY = 1  # plain SM3, entries written before the keyed chain
KEYED = 2  # HMAC-SM3 under the audit key
_KEYED_DOMAIN = b"fanzha-audit-entry-v2\x00"
_CHECKPOINT_DOMAIN = b"fanzha-audit-checkpoint-v1\x00"


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
        """SM3 over the canonical bytes: the legacy, unkeyed hash."""
        return sm3_hex(self.canonical())


class Sealer:
    """Computes entry MACs (HMAC-SM3 under the audit key); one HMAC per entry."""

    def __init__(self, key: bytes) -> None:
        self._mac = KeyedSM3(key)

    def seal(self, entry: AuditEntry) -> str:
        """The keyed MAC of an entry, as 64 hex characters."""
        return self._mac.digest(_KEYED_DOMAIN + entry.canonical()).hex()

    def holds(self, entry: AuditEntry, version: int, stored: str) -> bool:
        """Whether `stored` is the entry's hash under its version."""
        if version == KEYED:
            return hmac.compare_digest(self.seal(entry), stored)
        return version == LEGACY and entry.digest() == stored


@dataclass(frozen=True)
class Checkpoint:
    """The log as it stood: `seq` entries, the last one's MAC, how many of them are legacy, and when."""

    seq: int
    mac: str
    legacy: int
    at: datetime

    def body(self) -> bytes:
        """The bytes the signature covers."""
        fields = {"seq": self.seq, "mac": self.mac, "legacy": self.legacy, "at": self.stamp()}
        return _CHECKPOINT_DOMAIN + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def stamp(self) -> str:
        """The time in UTC, as written."""
        return as_utc(self.at).isoformat(timespec="seconds")


ORIGIN = Checkpoint(0, GENESIS, 0, datetime(1970, 1, 1, tzinfo=UTC))


class Signer:
    """Signs and checks checkpoints with HMAC-SM3 under the checkpoint key."""

    def __init__(self, key: bytes) -> None:
        self._mac = KeyedSM3(key)

    def sign(self, checkpoint: Checkpoint) -> str:
        """The signature, as 64 hex characters."""
        return self._mac.digest(checkpoint.body()).hex()

    def holds(self, checkpoint: Checkpoint, signature: str) -> bool:
        """Whether `signature` is the checkpoint's."""
        return hmac.compare_digest(self.sign(checkpoint), signature)


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain does not hold, and why; `seq` 0 when a checkpoint itself is bad."""

    seq: int
    reason_zh: str
    reason_en: str


@dataclass
class Walk:
    """Checks entries in sequence order from a trusted starting point (the origin or a checkpoint)."""

    sealer: Sealer
    checkpoints: Sequence[Checkpoint] = ()
    start: Checkpoint = ORIGIN
    _pins: dict[int, list[Checkpoint]] = field(init=False, default_factory=dict)
    seq: int = field(init=False, default=0)  # the last entry checked
    last: str = field(init=False, default=GENESIS)  # its MAC
    legacy: int = field(init=False, default=0)  # legacy entries so far
    _legacy_bound: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        for checkpoint in self.checkpoints:
            self._pins.setdefault(checkpoint.seq, []).append(checkpoint)
        if self.checkpoints:
            # Legacy entries are only those that existed at the migration: every checkpoint counts them.
            self._legacy_bound = min(c.legacy for c in self.checkpoints)
        self.seq, self.last, self.legacy = self.start.seq, self.start.mac, self.start.legacy

    def step(self, entry: AuditEntry, version: int, stored: str) -> ChainBreak | None:
        """Check one entry; the first break, or None."""
        expected = self.seq + 1
        if entry.seq != expected:
            return ChainBreak(
                expected, f"第 {expected} 条记录缺失（被删除）", f"record {expected} is missing (removed)"
            )
        if entry.prev_hash != self.last:
            return ChainBreak(entry.seq, "前序哈希不符", "previous-hash link does not match")
        if version == LEGACY and (
            self.legacy != entry.seq - 1
            or (self._legacy_bound is not None and entry.seq > self._legacy_bound)
        ):
            # An unkeyed hash after the keyed chain began: someone re-hashed entries without the key.
            return ChainBreak(
                entry.seq,
                "记录被改为无密钥的旧版哈希（被伪造）",
                "record downgraded to the unkeyed legacy hash (forged)",
            )
        if not self.sealer.holds(entry, version, stored):
            return ChainBreak(
                entry.seq, "记录内容被篡改（MAC 不符）", "record content was altered (MAC mismatch)"
            )
        for pin in self._pins.get(entry.seq, ()):
            if not hmac.compare_digest(pin.mac, stored):
                return ChainBreak(
                    entry.seq,
                    f"记录与 {pin.stamp()} 的签名检查点不符（被改写）",
                    f"record differs from the signed checkpoint of {pin.stamp()} (rewritten)",
                )
        self.seq, self.last = entry.seq, stored
        if version == LEGACY:
            self.legacy = entry.seq
        return None

    def finish(self, head_seq: int, head_hash: str) -> ChainBreak | None:
        """After the last entry: every checkpoint reached, legacy entries as counted, the head matching."""
        beyond = [c for c in self.checkpoints if c.seq > self.seq]
        if beyond:
            top = max(beyond, key=lambda c: c.seq)
            return ChainBreak(
                self.seq + 1,
                f"{top.stamp()} 的签名检查点记录了 {top.seq} 条，日志只有 {self.seq} 条：记录被删除或清空",
                f"the signed checkpoint of {top.stamp()} counted {top.seq} entries but the log holds "
                f"{self.seq}: records were removed (truncated)",
            )
        if self._legacy_bound is not None and self.legacy < self._legacy_bound:
            return ChainBreak(
                self.legacy + 1,
                "旧版记录数与签名检查点不符",
                "legacy entries differ from the signed checkpoints",
            )
        if head_seq > self.seq:
            # The tail was cut off: the head remembers more than the table holds.
            return ChainBreak(self.seq + 1, "链尾记录被删除", "records at the end were removed")
        if head_seq != self.seq or not hmac.compare_digest(head_hash, self.last):
            return ChainBreak(
                min(head_seq, self.seq) + 1,
                "链头被回退或改写，与日志末条不符",
                "the chain head was rewound or altered: it does not match the log's last entry",
            )
        return None


def verify_chain(
    rows: Iterable[tuple[AuditEntry, int, str]],
    head_seq: int,
    head_hash: str,
    sealer: Sealer,
    checkpoints: Sequence[Checkpoint] = (),
) -> ChainBreak | None:
    """Walk (entry, version, stored MAC) in sequence order from the start; return the first break."""
    walk = Walk(sealer, checkpoints)
    for entry, version, stored in rows:
        if (broken := walk.step(entry, version, stored)) is not None:
            return broken
    return walk.finish(head_seq, head_hash)
