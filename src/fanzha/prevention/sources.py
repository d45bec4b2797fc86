"""What the checks read from the platform's records: configured lists (Art 10(三), 17(五)) and the
fraud-involved cards not re-verified, with their holders (Art 10(二), from the disposal records).

Both are loaded whole and swapped in at once, off the event loop, so a check reads memory only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.detect.tables import DetectAlert
from fanzha.disposal.domain import REVERIFY_MEASURES, Measure
from fanzha.disposal.tables import Holding, Order
from fanzha.prevention.domain import OrderFact, unverified_fraud_card
from fanzha.prevention.tables import ListedPerson

_CHUNK = 5_000


class ListCheck(Protocol):
    """The configured ground (Art 10(三), 17(五)): which named lists hold a person's ID token."""

    def lists_for(self, id_token: str, scope: str) -> list[str]:
        """Names of the lists `id_token` is on that apply to `scope` (card | account)."""
        ...

    def refresh(self) -> None:
        """Reload the lists."""
        ...


class StaticLists:
    """A fixed map of ID token → [(list name, scope)]: for tests and for feeding from elsewhere."""

    def __init__(self, entries: dict[str, list[tuple[str, str]]] | None = None) -> None:
        self.entries = entries or {}

    def lists_for(self, id_token: str, scope: str) -> list[str]:
        """Names of the lists that apply to `scope`."""
        return [name for name, applies in self.entries.get(id_token, ()) if applies in (scope, "both")]

    def refresh(self) -> None:
        """Nothing to reload."""


class TableLists(StaticLists):
    """The `prevention_listed` table, entries in force now (fanzha.credit can fill it later)."""

    def __init__(self, sessions: sessionmaker[Session], now: Callable[[], datetime]) -> None:
        super().__init__()
        self._sessions = sessions
        self._now = now

    def refresh(self) -> None:
        """Load every entry in force and swap the map in at once."""
        now = self._now()
        entries: dict[str, list[tuple[str, str]]] = {}
        with self._sessions() as session:
            rows = session.execute(
                select(ListedPerson.id_token, ListedPerson.list_name, ListedPerson.applies_to).where(
                    ListedPerson.listed_at <= now, (ListedPerson.until.is_(None)) | (ListedPerson.until > now)
                )
            )
            for token, name, applies in rows:
                entries.setdefault(token, []).append((name, applies))
        self.entries = entries


class FraudCards:
    """Phone-card tokens fraud-involved and not re-verified (Art 10(二)), and their holders' ID tokens."""

    def __init__(self, sessions: sessionmaker[Session] | None = None) -> None:
        self._sessions = sessions
        self.cards: frozenset[str] = frozenset()
        self.holders: dict[str, frozenset[str]] = {}

    def refresh(self) -> None:
        """Read the phone orders and the holdings register; swap both in at once."""
        if self._sessions is None:
            return
        reverify = {str(m) for m in REVERIFY_MEASURES}
        facts: dict[str, list[OrderFact]] = {}
        with self._sessions() as session:
            rows = session.execute(
                select(
                    Order.object_token, Order.created_at, Order.measure, Order.status, Order.verification
                ).where(Order.object_kind == "phone", Order.measure != str(Measure.RELEASE))
            )
            for token, created, measure, status, verification in rows:
                facts.setdefault(token, []).append(
                    OrderFact(created.timestamp(), measure in reverify, status, verification)
                )
            cards = [t for t, f in facts.items() if unverified_fraud_card(f)]
            holders: dict[str, set[str]] = {}
            for i in range(0, len(cards), _CHUNK):
                chunk = cards[i : i + _CHUNK]
                for holder, card in session.execute(
                    select(Holding.holder_token, Holding.object_token).where(
                        Holding.object_kind == "phone",
                        Holding.object_token.in_(chunk),
                        Holding.withdrawn_at.is_(None),
                    )
                ):
                    holders.setdefault(holder, set()).add(card)
        self.cards = frozenset(cards)
        self.holders = {h: frozenset(c) for h, c in holders.items()}

    def held_by(self, id_token: str, reported_cards: list[str]) -> int:
        """Fraud cards not re-verified the person holds, by the register or by the operators' reports."""
        return len(self.holders.get(id_token, frozenset()) | {c for c in reported_cards if c in self.cards})


class Alerts:
    """Monitoring alerts per resident-ID token (Art 17(四): 有明显理由怀疑, with the samples)."""

    def __init__(self, sessions: sessionmaker[Session] | None = None) -> None:
        self._sessions = sessions
        self.counts: dict[str, int] = {}

    def refresh(self) -> None:
        """Count the alerts on resident IDs; swap the map in at once."""
        if self._sessions is None:
            return
        counts: dict[str, int] = {}
        with self._sessions() as session:
            for (token,) in session.execute(
                select(DetectAlert.token).where(DetectAlert.kind == "resident_id")
            ):
                counts[token] = counts.get(token, 0) + 1
        self.counts = counts
