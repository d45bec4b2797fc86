"""A small evaluation world shared by the evalworld tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalworld.generate import generate
from evalworld.params import Params

SMALL = Params(people=600, days=5, seed=7, cases_per_10k_person_days=60.0)  # more cases to check


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory of a 600-person, 5-day world."""
    out = tmp_path_factory.mktemp("evalworld")
    generate(SMALL, out)
    return out
