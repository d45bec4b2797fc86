"""Additive boosted trees: exported steps equal the trees, and the Ibis CASE equals the steps."""

from __future__ import annotations

import ibis
import numpy as np
import pytest

from fanzha.detect import additive, linear
from fanzha.detect.train_behaviour import _logit, centre_and_scale, export


def test_a_shape_is_a_step_function() -> None:
    s = additive.Shape("x", (1.0, 2.0), (-1.0, 0.5, 2.0))
    assert [s.at(v) for v in (0.0, 1.0, 1.5, 2.0, 9.0)] == [-1.0, -1.0, 0.5, 0.5, 2.0]


def test_one_feature_trees_export_exactly_and_score_the_same_in_ibis() -> None:
    pytest.importorskip("sklearn")
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.random((2000, 3))
    y = ((x[:, 0] > 0.6) ^ (rng.random(2000) < 0.1)).astype(int)
    clf = HistGradientBoostingClassifier(
        max_iter=30,
        max_leaf_nodes=4,
        interaction_cst="no_interactions",
        monotonic_cst=[1, 0, 0],
        random_state=0,
    ).fit(x, y)
    model = export(clf, ["a", "b", "c"])
    assert np.abs(_logit(model, x) - clf.decision_function(x)).max() < 1e-3
    # Monotone: the first feature's steps never fall.
    assert list(model.shapes[0].values) == sorted(model.shapes[0].values)
    model = centre_and_scale(model, x, 1.0, 0.0)
    parsed = additive.parse(model.to_json())
    assert isinstance(parsed, additive.Additive) and parsed == model
    rows = x[:50]
    t = ibis.memtable({"a": rows[:, 0], "b": rows[:, 1], "c": rows[:, 2]})
    cols = {n: t[n] for n in model.names}
    out = t.select(p=model.score(cols), why=model.reasons(cols, {"a": "甲高"})).to_pyarrow()
    want = 1.0 / (1.0 + np.exp(-_logit(model, rows)))
    assert np.allclose(out["p"].to_numpy(), want, atol=1e-9)
    why = out["why"].to_pylist()
    big = [model.shapes[0].at(v) >= linear.REASON_LOGIT for v in rows[:, 0]]
    assert [w == "甲高" for w in why] == big and any(big)


def test_an_old_logistic_card_still_loads() -> None:
    m = linear.Logistic(0.5, (linear.Term("x", 0.0, 1.0, 2.0),))
    assert additive.parse(m.to_json()) == m
