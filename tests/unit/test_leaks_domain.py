"""Leak-source ranking (Art 26): a party that explains victims beyond its size ranks first."""

from __future__ import annotations

import random

import pytest

from fanzha.leaks.domain import rank_sources


def _world(seed: int) -> tuple[list[tuple[int, str]], list[int], dict[str, tuple[str, str]]]:
    rng = random.Random(seed)
    n = 2_000
    deal: list[tuple[int, str]] = []
    for person in range(n):
        for shop in rng.sample(range(40), 3):
            deal.append((person, f"shop:{shop}"))
        deal.append((person, f"courier:{rng.randrange(5)}"))
    leaked = [p for p, party in deal if party == "shop:7"]
    victims = set(rng.sample(leaked, 30)) | set(rng.sample(range(n), 30))
    parties = {f"shop:{i}": ("merchant", f"店{i}") for i in range(40)} | {
        f"courier:{i}": ("courier", f"快递{i}") for i in range(5)
    }
    return deal, sorted(victims), parties


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_leaked_shop_ranks_first_with_its_share(seed: int) -> None:
    deal, victims, parties = _world(seed)
    ranked = rank_sources(deal, victims, parties, 2_000)
    top = ranked[0]
    assert top.party_id == "shop:7" and top.party_kind == "merchant"
    assert top.significant and not any(c.significant for c in ranked[1:] if c.party_id.startswith("courier"))
    assert top.victim_share >= 0.5 and 0.05 <= top.population_share <= 0.1 and top.lift > 4


def test_no_victims_no_candidates_and_bad_population_refused() -> None:
    deal, _, parties = _world(1)
    assert rank_sources(deal, [], parties, 2_000) == []
    with pytest.raises(ValueError):
        rank_sources(deal, [1], parties, 0)
