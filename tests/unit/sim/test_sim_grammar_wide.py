"""The wider stage grammar of scam scripts and genuine look-alikes (issue 19)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.contracts import SCAM_CODES
from fanzha.sim.grammar_wide import expand, parse, phrasings, stage_space, wide_normal, wide_scam
from fanzha.sim.grammar_wide_normal import WIDE_NORMAL
from fanzha.sim.grammar_wide_scam import STAGES, WIDE_SCAM
from fanzha.sim.phrasing import roughen

# The fields a template may leave: the caller's and the grammar's own (grammar._own_fields).
ALLOWED = {"url", "amount", "brand", "code", "nm", "city", "shop", "m", "M", "pct", "k", "d", "t", "c"}
ALLOWED |= {"qq", "wx", "tel"}
_FIELD = re.compile(r"\{([^{}]*)\}")


def test_expand_picks_one_alternative_per_group_nested_and_optional() -> None:
    rng = np.random.default_rng(0)
    seen = {expand("a(b|c(d|e))(|f)", rng) for _ in range(400)}
    assert seen == {"ab", "abf", "acd", "acdf", "ace", "acef"}
    assert phrasings("a(b|c(d|e))(|f)") == 6


@pytest.mark.parametrize("bad", ["(a|b", "a)b", "((a)"])
def test_unbalanced_patterns_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        parse(bad)


def test_every_scam_type_has_its_stages_and_a_vast_space() -> None:
    assert set(WIDE_SCAM) == set(SCAM_CODES)
    for code, stages in WIDE_SCAM.items():
        assert set(stages) <= set(STAGES), code
        assert {"open", "trust", "ask", "go"} <= set(stages), code
        assert stage_space(code) >= 10**9, code  # thousands of phrasings per stage


def test_every_pattern_parses_and_leaves_only_known_fields() -> None:
    patterns = [p for s in WIDE_SCAM.values() for ps in s.values() for p in ps]
    patterns += [p for ps in WIDE_NORMAL.values() for p in ps]
    for p in patterns:
        parse(p)
        assert set(_FIELD.findall(p)) <= ALLOWED, p
        assert "?" not in p and "\\" not in p, p  # no regex syntax leaked into a pattern


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(SCAM_CODES))
def test_messages_are_varied_and_well_formed(seed: int, code: str) -> None:
    rng = np.random.default_rng(seed)
    texts = {wide_scam(code, rng) for _ in range(30)}
    assert len(texts) >= 25  # a draw of 30 hardly repeats
    assert all(text and "(" not in text and "|" not in text for text in texts)
    assert all("(" not in wide_normal(rng) for _ in range(5))


def test_genuine_warnings_name_the_scripts_they_warn_about() -> None:
    rng = np.random.default_rng(1)
    warnings = [wide_normal(rng, "warning") for _ in range(200)]
    assert sum(any(w in t for w in ("诈骗", "骗局", "骗子")) for t in warnings) > 120


def test_roughen_keeps_links_intact_and_changes_some_messages() -> None:
    rng = np.random.default_rng(2)
    text = "请马上下载软件，已经冻结，联系客服，https://abc.cc/xyz 验证码给我"
    out = [roughen(text, rng, evade=True) for _ in range(300)]
    assert all("https://abc.cc/xyz" in t for t in out)
    assert sum(t != text for t in out) > 50
