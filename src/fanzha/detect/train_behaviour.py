"""Train the behavioural engines' models on simulated provinces and ship them in models/.

Run: `python -m fanzha.detect.train_behaviour ENGINE --data DIR [--data DIR ...] --calibrate DIR
--heldout DIR`. Features come from the engine's own Ibis frame (DuckDB here), so training and scoring
read the same definitions. scikit-learn is needed only here, never at run time.

Engines whose class sets `MONOTONE` get additive boosted trees (one feature a tree, each feature's
direction constrained where the law's reason fixes it; fanzha.detect.additive), recalibrated on a
province not trained on (Platt scaling of the log-odds, folded into the shipped steps); the others a
logistic model.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from fanzha.detect import additive, linear, modelcard
from fanzha.detect.backtest import backtest
from fanzha.detect.engines.telecom_v2 import ModelEngine
from fanzha.detect.province import Province
from fanzha.detect.registry import REGISTRY
from fanzha.detect.runner import run

C = 0.3  # L2 strength: a few strong, stable weights generalise better than many fitted ones


def _xy(engine: ModelEngine, data: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix and 0/1 labels of one province."""
    p = Province.open(data, "duckdb")
    f: pa.Table = engine.frame(p).to_pyarrow()
    truth = {r["identifier"] for r in engine.truth(p).to_pyarrow().to_pylist()}
    x = np.column_stack([np.nan_to_num(f[n].to_numpy(zero_copy_only=False).astype(float)) for n in names])
    y = np.array([i in truth for i in f["identifier"].to_pylist()], dtype=np.int64)
    return x, y


def fit(engine: ModelEngine, data: list[Path], names: list[str]) -> tuple[linear.Logistic, dict[str, object]]:
    """A logistic model over standardised features, at the provinces' natural prevalence (calibrated)."""
    from sklearn.linear_model import LogisticRegression  # training only

    parts = [_xy(engine, d, names) for d in data]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=C, max_iter=2000).fit((x - mean) / scale, y)
    terms = tuple(
        linear.Term(n, float(m), float(s), float(c))
        for n, m, s, c in zip(names, mean, scale, lr.coef_[0], strict=True)
    )
    return linear.Logistic(float(lr.intercept_[0]), terms), {"rows": len(y), "positives": int(y.sum())}


# Boosting: many shallow one-feature trees, slow learning, coarse bins (few cut points to ship).
TREES = {
    "max_iter": 300,
    "learning_rate": 0.05,
    "max_leaf_nodes": 6,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "max_bins": 48,
}


def _stack(engine: ModelEngine, data: list[Path], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    parts = [_xy(engine, d, names) for d in data]
    return np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _walk(nodes: np.ndarray, x: float) -> float:
    """One tree's value at x (every split is on the same feature: no interactions)."""
    i = 0
    while not nodes[i]["is_leaf"]:
        i = int(nodes[i]["left"] if x <= nodes[i]["num_threshold"] else nodes[i]["right"])
    return float(nodes[i]["value"])


def export(clf: object, names: list[str]) -> additive.Additive:
    """The fitted one-feature trees merged into one step function per feature."""
    intercept = float(np.ravel(clf._baseline_prediction)[0])  # type: ignore[attr-defined]
    by_feature: dict[int, list[np.ndarray]] = {}
    for (tree,) in clf._predictors:  # type: ignore[attr-defined]
        nodes = tree.nodes
        if nodes[0]["is_leaf"]:
            intercept += float(nodes[0]["value"])
            continue
        by_feature.setdefault(int(nodes[0]["feature_idx"]), []).append(nodes)
    shapes = []
    for j, name in enumerate(names):
        trees = by_feature.get(j, [])
        cuts = sorted({float(n["num_threshold"]) for t in trees for n in t if not n["is_leaf"]})
        points = [*cuts, (cuts[-1] + 1.0) if cuts else 0.0]
        values = [round(sum(_walk(t, x) for t in trees), 4) for x in points]
        keep_cuts: list[float] = []
        keep_values: list[float] = [values[0]]
        for c, v in zip(cuts, values[1:], strict=True):
            if v != keep_values[-1]:  # adjacent equal steps are one step
                keep_cuts.append(c)
                keep_values.append(v)
        shapes.append(additive.Shape(name, tuple(keep_cuts), tuple(keep_values)))
    return additive.Additive(intercept, tuple(shapes))


def _steps(shape: additive.Shape, x: np.ndarray) -> np.ndarray:
    """The shape on a column (searchsorted: the first cut x does not exceed)."""
    return np.asarray(shape.values)[np.searchsorted(np.asarray(shape.cuts), x, side="left")]


def _logit(model: additive.Additive, x: np.ndarray) -> np.ndarray:
    z = np.full(len(x), model.intercept)
    for j, s in enumerate(model.shapes):
        z = z + _steps(s, x[:, j])
    return z


def centre_and_scale(model: additive.Additive, x: np.ndarray, a: float, c: float) -> additive.Additive:
    """Shapes centred on the training rows' mean (a reason is what stands out), log-odds as a·z + c."""
    shapes, intercept = [], a * model.intercept + c
    for j, s in enumerate(model.shapes):
        mean = float(_steps(s, x[:, j]).mean())
        intercept += a * mean
        shapes.append(additive.Shape(s.name, s.cuts, tuple(round(a * (v - mean), 4) for v in s.values)))
    return additive.Additive(round(intercept, 4), tuple(shapes))


def fit_trees(
    engine: ModelEngine, data: list[Path], calibrate: Path, names: list[str]
) -> tuple[additive.Additive, dict[str, object]]:
    """Additive boosted trees with the engine's monotone directions, Platt-recalibrated on `calibrate`."""
    from sklearn.ensemble import HistGradientBoostingClassifier  # training only
    from sklearn.linear_model import LogisticRegression

    x, y = _stack(engine, data, names)
    mono = [(engine.MONOTONE or {}).get(n, 0) for n in names]
    clf = HistGradientBoostingClassifier(
        **TREES, interaction_cst="no_interactions", monotonic_cst=mono, early_stopping=False, random_state=0
    ).fit(x, y)
    raw = export(clf, names)
    drift = float(np.abs(_logit(raw, x) - clf.decision_function(x)).max())
    assert drift < 1e-3, f"exported steps differ from the trees by {drift}"
    xc, yc = _xy(engine, calibrate, names)
    platt = LogisticRegression(C=1e6).fit(_logit(raw, xc).reshape(-1, 1), yc)
    a, c = float(platt.coef_[0][0]), float(platt.intercept_[0])
    model = centre_and_scale(raw, x, a, c)
    counts = {"rows": len(y), "positives": int(y.sum()), "calibration": {"a": round(a, 4), "c": round(c, 4)}}
    return model, counts


def _manifest(data: Path) -> dict[str, object]:
    """Seed, people and days of a generated province (its manifest.json)."""
    m = json.loads((data / "manifest.json").read_text())
    return {k: m.get(k) for k in ("seed", "people", "days")}


def main(argv: list[str] | None = None) -> None:
    """Train, save under models/ENGINE with its card, and measure on the held-out province."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("engine")
    ap.add_argument("--data", type=Path, action="append", required=True)
    ap.add_argument("--calibrate", type=Path, help="a province for Platt recalibration (trees only)")
    ap.add_argument("--heldout", type=Path, required=True)
    a = ap.parse_args(argv)
    engine = REGISTRY[a.engine]()
    assert isinstance(engine, ModelEngine)
    names = list(engine.FEATURES or engine.REASONS)
    model: additive.Additive | linear.Logistic
    if engine.MONOTONE is not None:
        model, counts = fit_trees(engine, a.data, a.calibrate or a.heldout, names)
        library = (
            f"ibis CASE expressions (additive trees: scikit-learn HistGradientBoostingClassifier {TREES})"
        )
        counts["calibrated_on"] = _manifest(a.calibrate or a.heldout)
    else:
        model, counts = fit(engine, a.data, names)
        library = f"ibis expression (trained with scikit-learn LogisticRegression, C={C})"
    card = modelcard.ModelCard(
        name=engine.name,
        version=engine.version,
        library=library,
        features=names,
        training={
            "provinces": [d.name for d in a.data],
            "manifests": [_manifest(d) for d in a.data],
            **counts,
            "simulator": "fanzha.sim (harder settings)",
        },
        metrics={},
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    modelcard.save(card, {linear.WEIGHTS_FILE: model.to_json().encode()})
    p = Province.open(a.heldout, "duckdb")
    bt = backtest(engine, p, run(engine, p))
    metrics = {"heldout": a.heldout.name, **bt.as_dict()}
    card = modelcard.ModelCard(**{**card.__dict__, "metrics": metrics})
    modelcard.save(card, {linear.WEIGHTS_FILE: model.to_json().encode()})
    print(model.to_json())
    print(metrics)


if __name__ == "__main__":
    main()
