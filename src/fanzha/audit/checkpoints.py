"""Signed audit checkpoints kept outside the database: a JSON-lines file, and events on the stream."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from fanzha.audit.domain import ChainBreak, Checkpoint, Signer

TOPIC = "audit.checkpoint"


def to_record(checkpoint: Checkpoint, signer: Signer) -> dict[str, Any]:
    """The checkpoint with its signature, as written to the file and published."""
    return {
        "seq": checkpoint.seq,
        "mac": checkpoint.mac,
        "legacy": checkpoint.legacy,
        "at": checkpoint.stamp(),
        "sig": signer.sign(checkpoint),
    }


def from_record(record: Any, signer: Signer) -> Checkpoint | None:
    """The checkpoint a record holds when it is well formed and its signature holds; else None."""
    try:
        checkpoint = Checkpoint(
            seq=int(record["seq"]),
            mac=str(record["mac"]),
            legacy=int(record["legacy"]),
            at=datetime.fromisoformat(str(record["at"])),
        )
        signature = str(record["sig"])
    except (KeyError, TypeError, ValueError):
        return None
    # The stamp is what was signed: a time written differently is a different checkpoint.
    if checkpoint.stamp() != record["at"] or not signer.holds(checkpoint, signature):
        return None
    return checkpoint


def check_all(
    sources: Iterable[tuple[str, Any]], signer: Signer
) -> tuple[list[Checkpoint], ChainBreak | None]:
    """Checkpoints from (which, record) pairs; the first forged or damaged one is a break."""
    found: list[Checkpoint] = []
    for which, record in sources:
        checkpoint = from_record(record, signer)
        if checkpoint is None:
            return found, ChainBreak(
                0,
                f"检查点（{which}）签名无效：被篡改或伪造",
                f"checkpoint ({which}) has no valid signature: altered or forged",
            )
        found.append(checkpoint)
    return found, None


class CheckpointFile:
    """Appends checkpoints as JSON lines and reads them back; each line is flushed to disk."""

    def __init__(self, path: Path, signer: Signer) -> None:
        self.path = path
        self._signer = signer

    def append(self, checkpoint: Checkpoint) -> None:
        """Add one line, synced, so an acknowledged checkpoint survives a crash."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = orjson.dumps(to_record(checkpoint, self._signer), option=orjson.OPT_SORT_KEYS) + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def records(self) -> list[tuple[str, Any]]:
        """Every line as (which, parsed record); a line that does not parse is kept as None."""
        if not self.path.exists():
            return []
        found: list[tuple[str, Any]] = []
        with self.path.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    record: Any = orjson.loads(line)
                except orjson.JSONDecodeError:
                    record = None
                found.append((f"{self.path}:{number}", record))
        return found
