"""Calibrated logistic scorers shipped as JSON, applied as Ibis expressions (one definition, any backend).

A behavioural engine computes its features in Ibis; the model turns them into a probability with
the same Ibis expression on DuckDB and PySpark, so no frame leaves the backend. Levels are then
probability bands (frame.HIGH, frame.MEDIUM), the same meaning in every engine that uses a model.
Reasons are the features whose contribution to the log-odds is large, in plain Chinese.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from fanzha.detect import modelcard
from fanzha.detect.frame import REASON_SEP

WEIGHTS_FILE = "weights.json"
# A feature is named as a reason when it adds at least this much to the log-odds (e^0.7 ≈ 2×).
REASON_LOGIT = 0.7


@dataclass(frozen=True)
class Term:
    """One standardised feature: its centre, scale and weight."""

    name: str
    mean: float
    scale: float
    coef: float


@dataclass(frozen=True)
class Logistic:
    """p = 1 / (1 + exp(-(intercept + Σ coef · (x - mean) / scale)))."""

    intercept: float
    terms: tuple[Term, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The features the model reads."""
        return tuple(t.name for t in self.terms)

    def contribution(self, term: Term, x: ir.NumericValue) -> ir.FloatingValue:
        """What one feature adds to the log-odds."""
        return (x.cast("float64") - term.mean) / term.scale * term.coef

    def score(self, features: Mapping[str, ir.NumericValue]) -> ir.FloatingValue:
        """The calibrated probability, as an Ibis expression."""
        z: ir.FloatingValue = ibis.literal(self.intercept)
        for t in self.terms:
            z = z + self.contribution(t, features[t.name])
        # Clamp the log-odds so exp never overflows on any backend.
        z = ibis.greatest(ibis.least(z, 30.0), -30.0)
        return 1.0 / (1.0 + (-z).exp())

    def reasons(
        self, features: Mapping[str, ir.NumericValue], texts: Mapping[str, str | ir.StringValue]
    ) -> ir.StringValue:
        """Plain-Chinese reasons for the features that raised the odds most, strongest weight first."""
        out: ir.StringValue = ibis.literal("")
        for t in sorted(self.terms, key=lambda t: -abs(t.coef)):
            if t.name not in texts:
                continue
            text = texts[t.name]
            piece = ibis.literal(text) if isinstance(text, str) else text
            big = self.contribution(t, features[t.name]) >= REASON_LOGIT
            out = out + ibis.ifelse(big.fill_null(False), piece + REASON_SEP, ibis.literal(""))
        return out.re_replace(f"{REASON_SEP}$", "")

    def to_json(self) -> str:
        """The weights as JSON (the shipped artefact)."""
        return json.dumps(
            {"intercept": self.intercept, "terms": [t.__dict__ for t in self.terms]},
            ensure_ascii=False,
            indent=1,
        )


def parse(text: str) -> Logistic:
    """A model from its JSON."""
    d = json.loads(text)
    return Logistic(float(d["intercept"]), tuple(Term(**t) for t in d["terms"]))


def load(name: str) -> Logistic:
    """The model shipped in models/NAME (see fanzha.detect.modelcard)."""
    card = modelcard.load(name)
    return parse(card.path(WEIGHTS_FILE).read_text())
