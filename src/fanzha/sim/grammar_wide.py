"""A wider generative grammar: stage patterns with nested alternations, registers and writing noise.

Each scam type's script is told in stages (contact, trust, request, pressure, where next), as police
releases describe them (sources in docs/sim.md, "Message text"); a stage is a pattern such as
"(我是|这里是)(市|区)(公安局|刑侦支队)(民警|办案人员)", so one pattern holds tens to thousands of
phrasings and a type's stages hold 10^5 or more before the noise. Genuine look-alikes (job boards, shops,
banks, couriers, verification codes, 96110 / 12381 notices) are written the same way with the same words.
"""

from __future__ import annotations

import math
from typing import TypeAlias

import numpy as np

from fanzha.sim.grammar_wide_normal import WIDE_NORMAL, WIDE_NORMAL_WEIGHT
from fanzha.sim.grammar_wide_scam import STAGES, WIDE_SCAM

Rng = np.random.Generator
Pieces: TypeAlias = "list[str | tuple[Pieces, ...]]"  # characters and groups; a group's alternatives
WIDE_SHARE = 0.5  # share of grammar scam messages (and genuine grammar messages) drawn from these patterns
SCRIPT_ORDER = 0.8  # share of wide scam messages whose stages keep the script's order (else shuffled)
STAGES_RANGE = (1, 4)  # a message tells one to four stages (inclusive)


def _alternatives(pattern: str, i: int) -> tuple[list[Pieces], int]:
    """Parse from `i` (just after "(") to the matching ")": the alternatives as piece lists."""
    alts: list[Pieces] = [[]]
    while i < len(pattern):
        ch = pattern[i]
        if ch == "(":
            inner, i = _alternatives(pattern, i + 1)
            alts[-1].append(tuple(inner))
            continue
        if ch == "|":
            alts.append([])
        elif ch == ")":
            return alts, i + 1
        else:
            alts[-1].append(ch)
        i += 1
    raise ValueError("unbalanced pattern: a group is never closed")


def parse(pattern: str) -> Pieces:
    """A pattern as pieces: plain characters and tuples of alternatives (each a piece list)."""
    pieces, end = _alternatives(pattern + ")", 0)
    if end != len(pattern) + 1 or len(pieces) != 1:  # closed early: a stray ")" or a top-level "|"
        raise ValueError(f"unbalanced pattern: {pattern}")
    return pieces[0]


def _render(pieces: Pieces, rng: Rng) -> str:
    out = []
    for p in pieces:
        if isinstance(p, str):
            out.append(p)
        else:
            out.append(_render(p[int(rng.integers(len(p)))], rng))
    return "".join(out)


def expand(pattern: str, rng: Rng) -> str:
    """One phrasing of a pattern: each "(a|b|c)" group (nested allowed, "(|x)" optional) picks one."""
    return _render(parse(pattern), rng)


def _count(pieces: Pieces) -> int:
    total = 1
    for p in pieces:
        if isinstance(p, tuple):
            total *= sum(_count(a) for a in p)
    return total


def phrasings(pattern: str) -> int:
    """How many phrasings a pattern holds (alternatives multiplied out)."""
    return _count(parse(pattern))


def stage_space(code: str) -> int:
    """Distinct one-stage-each messages of a scam type: the product over its stages of their phrasings."""
    return math.prod(sum(phrasings(p) for p in WIDE_SCAM[code][s]) for s in STAGES if WIDE_SCAM[code].get(s))


_JOIN = ("，", "。", "！", " ", "；", "，", "。", "~", "\n", "…")
_END = ("", "", "。", "！", "～", "？", "!!", "…")


def wide_scam(code: str, rng: Rng) -> str:
    """A scam message of type `code` from one to four stages of its script (fields left as {name})."""
    slots = WIDE_SCAM[code]
    present = [s for s in STAGES if slots.get(s)]
    k = min(int(rng.integers(STAGES_RANGE[0], STAGES_RANGE[1] + 1)), len(present))
    chosen = sorted(rng.choice(len(present), size=k, replace=False).tolist())
    if rng.random() >= SCRIPT_ORDER:
        rng.shuffle(chosen)
    parts = [expand(_pick(rng, slots[present[i]]), rng) for i in chosen]
    out = parts[0]
    for p in parts[1:]:
        out += _pick(rng, _JOIN) + p
    return out + _pick(rng, _END)


def wide_normal(rng: Rng, kind: str | None = None) -> str:
    """A genuine message from the wide patterns (fields left as {name})."""
    if kind is None:
        kinds = tuple(WIDE_NORMAL_WEIGHT)
        w = np.array([WIDE_NORMAL_WEIGHT[k] for k in kinds], dtype=float)
        kind = kinds[int(rng.choice(len(kinds), p=w / w.sum()))]
    return expand(_pick(rng, WIDE_NORMAL[kind]), rng)


def _pick(rng: Rng, items: tuple[str, ...] | list[str]) -> str:
    return items[int(rng.integers(len(items)))]
