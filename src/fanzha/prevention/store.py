"""The store of what operators and banks report (Art 10, 16, 17, 18¶2), in memory, journaled to disk.

Who holds which phone cards at which operator (openings and closings), which device, contact and
address new accounts used, recent ATM withdrawals, customer risk scores, tier tables and the daily
sums paid per account. Every change is one JSON line appended to `prevention.jsonl` before it is
answered; opening the store replays the journal (a torn last line is dropped). Persons, cards and
accounts appear only as keyed tokens (Art 9).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from fanzha.prevention.domain import DAY_S, LinkCounts, Withdrawal
from fanzha.prevention.tiers import Tier, parse_table

JOURNAL = "prevention.jsonl"
AUDIT = "audit-{day}.jsonl"  # checks and outcomes: a day's file each, kept, never replayed
MAX_OPENINGS = 64  # openings remembered per person for the age-band rule
LINK_KINDS = ("device", "contact", "address")
ATM_KEEP_S = 4 * 3600  # withdrawals older than this never count as "in a row"


@dataclass
class Person:
    """One person's open cards (card token → operator) and recent opening times."""

    cards: dict[str, str] = field(default_factory=dict)
    openings: deque[float] = field(default_factory=lambda: deque(maxlen=MAX_OPENINGS))

    def per_operator(self) -> dict[str, int]:
        """Open cards counted per operator."""
        counts: dict[str, int] = {}
        for op in self.cards.values():
            counts[op] = counts.get(op, 0) + 1
        return counts


class PreventionStore:
    """The reports, applied in memory; `path` None keeps no journal (tests, the property check)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.persons: dict[str, Person] = {}
        self.card_holder: dict[str, str] = {}
        self.links: dict[tuple[str, str], list[tuple[float, str]]] = {}
        self.atm: dict[str, deque[Withdrawal]] = {}
        self.grades: dict[tuple[int, str], int] = {}
        self.tiers: dict[int, tuple[Tier, ...]] = {}
        self.spent: dict[tuple[str, int], int] = {}
        self.audited = 0
        self._fd: int | None = None
        self._audit: tuple[str, int] | None = None  # (day, descriptor) of the open audit file
        self.directory = directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / JOURNAL
            if path.exists():
                self._replay(path)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    # --- journal -----------------------------------------------------------------------------------

    def _replay(self, path: Path) -> None:
        data = path.read_bytes()
        whole = data.rfind(b"\n") + 1  # a torn last line was never answered
        for line in data[:whole].splitlines():
            self._apply(orjson.loads(line))
        if whole != len(data):
            with open(path, "r+b") as f:
                f.truncate(whole)

    def record(self, entry: dict[str, Any]) -> None:
        """Journal one change (one write, before the caller answers), then apply it."""
        if self._fd is not None:
            os.write(self._fd, orjson.dumps(entry) + b"\n")
        self._apply(entry)

    def audit(self, entry: dict[str, Any], at: float) -> None:
        """Append a check or an outcome to the day's audit file (who asked, about whom, what was answered).

        Kept apart from the journal: it changes no state, so a restart need not replay it, and it can be
        archived by day.
        """
        self.audited += 1
        if self.directory is None:
            return
        day = time.strftime("%Y%m%d", time.gmtime(at))
        if self._audit is None or self._audit[0] != day:
            if self._audit is not None:
                os.fsync(self._audit[1])
                os.close(self._audit[1])
            path = self.directory / AUDIT.format(day=day)
            self._audit = (day, os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
        os.write(self._audit[1], orjson.dumps(entry) + b"\n")

    def sync(self) -> None:
        """fsync the journal and the audit file (called off the event loop, now and then)."""
        audit = self._audit
        for fd in (self._fd, audit[1] if audit else None):
            if fd is not None:
                with contextlib.suppress(OSError):  # the audit file rotated and closed meanwhile
                    os.fsync(fd)

    def close(self) -> None:
        """fsync and close the journal and the audit file."""
        for fd in (self._fd, self._audit[1] if self._audit else None):
            if fd is not None:
                os.fsync(fd)
                os.close(fd)
        self._fd, self._audit = None, None

    def _apply(self, e: dict[str, Any]) -> None:
        kind = e["t"]
        if kind == "card_opened":
            self._open_card(e["person"], e["card"], e["op"], e["at"])
        elif kind == "card_closed":
            self._close_card(e["card"])
        elif kind == "account_opened":
            for link in LINK_KINDS:
                if e.get(link):
                    self.links.setdefault((link, e[link]), []).append((e["at"], e["person"]))
        elif kind == "atm":
            w = Withdrawal(e["at"], e["atm"], e["card"], e["face"], e["covered"], e["matches"])
            recent = self.atm.setdefault(w.atm, deque())
            recent.append(w)
            while recent and recent[0].at < w.at - ATM_KEEP_S:
                recent.popleft()
        elif kind == "grade":
            self.grades[(e["org"], e["account"])] = e["score"]
        elif kind == "tiers":
            self.tiers[e["org"]] = parse_table(e["table"])
        elif kind == "paid":
            key = (e["account"], local_day(e["at"]))
            self.spent[key] = self.spent.get(key, 0) + e["fen"]

    # --- cards (Art 10) ----------------------------------------------------------------------------

    def _open_card(self, person: str, card: str, operator: str, at: float) -> None:
        self._close_card(card)  # a number re-issued to someone else leaves its former holder
        p = self.persons.setdefault(person, Person())
        p.cards[card] = operator
        p.openings.append(at)
        self.card_holder[card] = person

    def _close_card(self, card: str) -> None:
        holder = self.card_holder.pop(card, None)
        if holder is not None:
            self.persons[holder].cards.pop(card, None)

    def person(self, token: str) -> Person:
        """The person's cards (an empty record when none reported)."""
        return self.persons.get(token) or Person()

    # --- accounts (Art 17) -------------------------------------------------------------------------

    def link_counts(
        self, device: str | None, contact: str | None, address: str | None, person: str, now: float, days: int
    ) -> LinkCounts:
        """New accounts of other persons sharing each link within `days` (Art 17(二) 组织他人开户)."""

        def count(kind: str, token: str | None) -> int:
            if token is None:
                return 0
            return sum(
                1
                for at, who in self.links.get((kind, token), ())
                if now - days * DAY_S < at <= now and who != person
            )

        return LinkCounts(count("device", device), count("contact", contact), count("address", address))

    # --- tiers (Art 16) ----------------------------------------------------------------------------

    def spent_today(self, account: str, now: float) -> int:
        """Fen paid from the account on the Asia/Shanghai day of `now`."""
        return self.spent.get((account, local_day(now)), 0)


def local_day(at: float) -> int:
    """The Asia/Shanghai calendar day (UTC+8, no daylight saving) a daily limit counts in."""
    return int((at + 8 * 3600) // DAY_S)
