"""Leak-source analysis over a simulated province's dealings and cases (`fanzha sim generate --extras`)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from fanzha.leaks.domain import Candidate, rank_sources


class MissingDealings(ValueError):
    """The province was generated without dealings (`fanzha sim generate --extras`)."""


def analyse(directory: Path, outcome: str = "") -> list[Candidate]:
    """Rank candidate sources by the targets of the province's cases (`outcome` 'victim' to narrow)."""
    path = directory / "dealings.parquet"
    if not path.exists():
        raise MissingDealings(
            f"{directory} has no dealings.parquet: generate it with `fanzha sim generate --extras`"
        )
    d = pq.read_table(path, columns=["person_id", "party_kind", "party_id", "party_name"])
    cases = pq.read_table(directory / "label_cases.parquet", columns=["person_id", "outcome"]).to_pylist()
    victims = [c["person_id"] for c in cases if not outcome or c["outcome"] == outcome]
    persons = d["person_id"].to_pylist()
    ids = d["party_id"].to_pylist()
    parties = dict(
        zip(ids, zip(d["party_kind"].to_pylist(), d["party_name"].to_pylist(), strict=True), strict=True)
    )
    return rank_sources(zip(persons, ids, strict=True), victims, parties, len(set(persons)))


def planted(directory: Path) -> dict[str, object] | None:
    """The leak the simulator planted (label_leaks), or None."""
    path = directory / "label_leaks.parquet"
    if not path.exists():
        return None
    rows = pq.read_table(path).to_pylist()
    return rows[0] if rows else None
