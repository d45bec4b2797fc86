"""Additive boosted trees shipped as JSON step functions, applied as Ibis CASE expressions.

A behavioural engine's model is trained with gradient-boosted trees that may split on one feature
each (scikit-learn's HistGradientBoostingClassifier with `interaction_cst="no_interactions"`): the
sum of such trees is, feature by feature, a step function of that feature alone. Merged and
exported, each becomes an Ibis CASE over its cut points, so DuckDB and PySpark compute the same
score from one definition, and each feature's step value is exactly its contribution to the
log-odds: the reasons are the features that raise it most, with no approximation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from fanzha.detect import linear, modelcard
from fanzha.detect.frame import REASON_SEP

KIND = "additive_trees"


@dataclass(frozen=True)
class Shape:
    """One feature's contribution: `values[i]` where x ≤ cuts[i] first holds, `values[-1]` above all."""

    name: str
    cuts: tuple[float, ...]
    values: tuple[float, ...]

    def contribution(self, x: ir.NumericValue) -> ir.FloatingValue:
        """What this feature adds to the log-odds, as a CASE expression (nulls count as 0)."""
        v = x.cast("float64").fill_null(0.0)
        if not self.cuts:
            return ibis.literal(self.values[0])
        branches = [(v <= c, ibis.literal(val)) for c, val in zip(self.cuts, self.values, strict=False)]
        return ibis.cases(*branches, else_=ibis.literal(self.values[-1]))

    def at(self, x: float) -> float:
        """The same step function on one number (tests, training)."""
        for c, val in zip(self.cuts, self.values, strict=False):
            if x <= c:
                return val
        return self.values[-1]


@dataclass(frozen=True)
class Additive:
    """p = 1 / (1 + exp(-(intercept + Σ shape_f(x_f)))): shapes centred on the training population."""

    intercept: float
    shapes: tuple[Shape, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The features the model reads."""
        return tuple(s.name for s in self.shapes)

    def score(self, features: Mapping[str, ir.NumericValue]) -> ir.FloatingValue:
        """The calibrated probability, as an Ibis expression."""
        z: ir.FloatingValue = ibis.literal(self.intercept)
        for s in self.shapes:
            z = z + s.contribution(features[s.name])
        z = ibis.greatest(ibis.least(z, 30.0), -30.0)
        return 1.0 / (1.0 + (-z).exp())

    def reasons(
        self, features: Mapping[str, ir.NumericValue], texts: Mapping[str, str | ir.StringValue]
    ) -> ir.StringValue:
        """Plain-Chinese reasons for the features that raise the odds by at least linear.REASON_LOGIT."""
        out: ir.StringValue = ibis.literal("")
        # Strongest possible contribution first, so the weightiest reasons lead.
        for s in sorted(self.shapes, key=lambda s: -max(s.values)):
            if s.name not in texts or max(s.values) < linear.REASON_LOGIT:
                continue
            text = texts[s.name]
            piece = ibis.literal(text) if isinstance(text, str) else text
            big = s.contribution(features[s.name]) >= linear.REASON_LOGIT
            out = out + ibis.ifelse(big, piece + REASON_SEP, ibis.literal(""))
        return out.re_replace(f"{REASON_SEP}$", "")

    def to_json(self) -> str:
        """The model as JSON (the shipped artefact)."""
        return json.dumps(
            {
                "kind": KIND,
                "intercept": self.intercept,
                "shapes": [
                    {"name": s.name, "cuts": list(s.cuts), "values": list(s.values)} for s in self.shapes
                ],
            },
            ensure_ascii=False,
            indent=1,
        )


def parse(text: str) -> Additive | linear.Logistic:
    """A model from its JSON: additive trees, or a logistic model (older cards)."""
    d = json.loads(text)
    if d.get("kind") != KIND:
        return linear.parse(text)
    shapes = tuple(
        Shape(s["name"], tuple(map(float, s["cuts"])), tuple(map(float, s["values"]))) for s in d["shapes"]
    )
    return Additive(float(d["intercept"]), shapes)


def load(name: str) -> Additive | linear.Logistic:
    """The model shipped in models/NAME."""
    return parse(modelcard.load(name).path(linear.WEIGHTS_FILE).read_text())
