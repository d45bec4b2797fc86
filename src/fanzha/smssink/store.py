"""The sink's inbox: one JSON line a message in the data directory, newest read first."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

INBOX_NAME = "sms-sink.jsonl"


@dataclass(frozen=True)
class Sms:
    """One message as the sink received it."""

    received_at: datetime
    phone: str
    text: str
    request_id: str


class Inbox:
    """Append-only JSON lines; a resend with the same request id is kept once."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / INBOX_NAME
        self._lock = threading.Lock()

    def add(self, sms: Sms) -> bool:
        """Keep `sms` unless its request id is already here; True when it was new."""
        with self._lock:
            if any(kept.request_id == sms.request_id for kept in self._read()):
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            line = {
                "received_at": sms.received_at.isoformat(),
                "phone": sms.phone,
                "text": sms.text,
                "request_id": sms.request_id,
            }
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
            return True

    def latest(self, limit: int = 200, phone: str | None = None) -> list[Sms]:
        """The newest messages first, optionally to one phone."""
        with self._lock:
            messages = [m for m in self._read() if phone is None or m.phone == phone]
        return messages[::-1][:limit]

    def _read(self) -> list[Sms]:
        if not self.path.exists():
            return []
        messages = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            messages.append(
                Sms(datetime.fromisoformat(row["received_at"]), row["phone"], row["text"], row["request_id"])
            )
        return messages
