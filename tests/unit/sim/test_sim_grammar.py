"""The slot grammar of scam scripts and genuine look-alikes (issue 19)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.contracts import SCAM_CODES
from fanzha.sim.grammar import corpus, normal_text, scam_template
from fanzha.sim.lookalikes import NORMAL
from fanzha.sim.scam_slots import SCAM


def test_every_scam_type_has_every_slot_and_a_large_phrase_space() -> None:
    assert set(SCAM) == set(SCAM_CODES)
    for code, slots in SCAM.items():
        assert {"who", "hook", "ask", "push", "go", "line"} <= set(slots), code
        assert all(isinstance(v, tuple) and all(isinstance(x, str) for x in v) for v in slots.values())
        space = math.prod(len(slots[s]) for s in ("who", "hook", "ask", "go"))
        assert space >= 1_000, (code, space)


def test_genuine_slots_are_tuples_of_strings() -> None:
    for kind, slots in NORMAL.items():
        assert slots, kind
        assert all(isinstance(v, tuple) and all(isinstance(x, str) for x in v) for v in slots.values())


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(SCAM_CODES))
def test_templates_leave_only_the_callers_fields(seed: int, code: str) -> None:
    rng = np.random.default_rng(seed)
    text = scam_template(code, rng, link=True)
    assert "{url}" in text
    filled = text.format(url="x.cc", amount="100", brand="B", code="1")
    assert "{" not in filled and "}" not in filled
    assert "{url}" not in scam_template(code, rng, link=False)
    genuine = normal_text(rng).format(url="https://m.tb.cn/1")
    assert "{" not in genuine


def test_corpus_is_labelled_deterministic_and_varied() -> None:
    texts, labels = corpus(3, 50, 200)
    assert (texts, labels) == corpus(3, 50, 200)
    assert len(texts) == 50 * len(SCAM_CODES) + 200
    assert set(labels) == {"normal", *SCAM_CODES}
    assert len(set(texts)) > 0.95 * len(texts)  # phrasings, not repeats
