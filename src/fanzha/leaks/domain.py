"""Common-point analysis across victims (Art 26: personal information of fraud targets protected).

For every party that holds customer records (a shop, a courier branch, a platform), compare the
share of victims who dealt with it with its share of the population. A leaked party explains far
more victims than its size: lift = victims' share / population share. Ranked by how unlikely that
many victims would be if targets were drawn at random (binomial tail), so a tiny shop with one
victim does not outrank a courier branch that explains a third of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Art 26¶1: a processor who finds a leak traces its cause and remedies it (the report workflow's aim).
BASIS = ("第二十六条第一款", "发现个人信息泄露的，应当立即查明原因并采取补救措施")
MIN_VICTIMS = 3  # fewer shared victims is coincidence, not a lead


@dataclass(frozen=True)
class Candidate:
    """One party and how much of the victimisation it explains."""

    party_id: str
    party_kind: str
    party_name: str
    customers: int
    victims: int
    victim_share: float  # of all victims analysed
    population_share: float  # of everyone with dealings
    lift: float
    excess_victims: float  # victims beyond what its size predicts
    log10_p: float  # log10 of P(at least this many victims by chance); more negative is stronger
    # Beyond chance after testing every party (Bonferroni at 1 %): a lead worth a referral.
    significant: bool = False


def _log10_binom_tail(k: int, n: int, p: float) -> float:
    """log10 P(X ≥ k) for X ~ Binomial(n, p), summed in log space (exact, no scipy needed)."""
    if k <= 0:
        return 0.0
    if p <= 0:
        return -math.inf
    if p >= 1:
        return 0.0
    terms = [
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        + i * math.log(p)
        + (n - i) * math.log1p(-p)
        for i in range(k, n + 1)
    ]
    m = max(terms)
    return (m + math.log(sum(math.exp(t - m) for t in terms))) / math.log(10)


def rank_sources(
    dealings: Iterable[tuple[int, str]],
    victims: Iterable[int],
    parties: Mapping[str, tuple[str, str]],
    population: int,
    min_victims: int = MIN_VICTIMS,
) -> list[Candidate]:
    """Candidate leak sources, strongest first.

    `dealings` are (person, party id) pairs; `parties` maps a party id to (kind, name); `population`
    counts the people the dealings cover.
    """
    if population <= 0:
        raise ValueError("population must be positive")
    vset = set(victims)
    n_v = len(vset)
    customers: dict[str, set[int]] = {}
    for person, party in dealings:
        customers.setdefault(party, set()).add(person)
    out: list[Candidate] = []
    threshold = math.log10(0.01 / max(1, len(customers)))
    for party, who in customers.items():
        hit = len(who & vset)
        if hit < min_victims or n_v == 0:
            continue
        pop_share = len(who) / population
        vic_share = hit / n_v
        kind, name = parties.get(party, ("", party))
        out.append(
            Candidate(
                party_id=party,
                party_kind=kind,
                party_name=name,
                customers=len(who),
                victims=hit,
                victim_share=round(vic_share, 4),
                population_share=round(pop_share, 4),
                lift=round(vic_share / pop_share, 2),
                excess_victims=round(hit - n_v * pop_share, 1),
                log10_p=round(log_p := _log10_binom_tail(hit, n_v, pop_share), 2),
                significant=log_p < threshold,
            )
        )
    return sorted(out, key=lambda c: (c.log10_p, -c.lift, c.party_id))


# The leak-report workflow (Art 26¶1: the processor finds the cause and remedies; ¶2: the supervising
# department checks and refers unlawful processing to the police).
SUSPECTED, REFERRED, CONFIRMED, DISMISSED = "suspected", "referred", "confirmed", "dismissed"
STATUSES = (SUSPECTED, REFERRED, CONFIRMED, DISMISSED)
NEXT: dict[str, frozenset[str]] = {
    SUSPECTED: frozenset({REFERRED, DISMISSED}),
    REFERRED: frozenset({CONFIRMED, DISMISSED}),
    CONFIRMED: frozenset(),
    DISMISSED: frozenset(),
}
PARTY_KINDS = ("merchant", "courier", "platform", "school", "hospital", "other")


def can_move(current: str, to: str) -> bool:
    """Whether a report in `current` may move to `to` (no way back from confirmed or dismissed)."""
    return to in NEXT.get(current, frozenset())
