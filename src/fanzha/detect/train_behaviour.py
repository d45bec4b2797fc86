"""Train the behavioural engines' logistic models on simulated provinces and ship them in models/.

Run: `python -m fanzha.detect.train_behaviour ENGINE --data DIR [--data DIR ...] --heldout DIR`.
Features come from the engine's own Ibis frame (DuckDB here), so training and scoring read the
same definitions. scikit-learn is needed only here, never at run time.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from fanzha.detect import linear, modelcard
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


def fit(engine: ModelEngine, data: list[Path], names: list[str]) -> tuple[linear.Logistic, dict[str, int]]:
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


def _manifest(data: Path) -> dict[str, object]:
    """Seed, people and days of a generated province (its manifest.json)."""
    m = json.loads((data / "manifest.json").read_text())
    return {k: m.get(k) for k in ("seed", "people", "days")}


def main(argv: list[str] | None = None) -> None:
    """Train, save under models/ENGINE with its card, and measure on the held-out province."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("engine")
    ap.add_argument("--data", type=Path, action="append", required=True)
    ap.add_argument("--heldout", type=Path, required=True)
    a = ap.parse_args(argv)
    engine = REGISTRY[a.engine]()
    assert isinstance(engine, ModelEngine)
    names = list(engine.REASONS)
    model, counts = fit(engine, a.data, names)
    card = modelcard.ModelCard(
        name=engine.name,
        version=engine.version,
        library=f"ibis expression (trained with scikit-learn LogisticRegression, C={C})",
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
