"""Trained models shipped in the package, each with a card of what it is: never downloaded at run time."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MODELS_DIR = Path(__file__).parent / "models"


@dataclass(frozen=True)
class ModelCard:
    """What a saved model is: its features, the data it was trained on, and how well it did."""

    name: str  # the engine (or component) it serves, e.g. "MuleAccountV1"
    version: int
    library: str  # "lightgbm 4.7.0", "scikit-learn 1.9.1", "numpy"
    features: list[str]
    training: dict[str, Any]  # e.g. {"people": 20000, "days": 30, "seed": 101, "rows": 123456}
    metrics: dict[str, Any]  # measured on a held-out province (other seed)
    trained_at: str  # ISO 8601 UTC
    files: list[str] = field(default_factory=list)  # artefacts beside the card

    def path(self, filename: str) -> Path:
        """Where one of the model's artefacts lies."""
        return MODELS_DIR / self.name / filename


def save(card: ModelCard, artefacts: dict[str, bytes]) -> Path:
    """Write the card and its artefacts under models/NAME/; returns the directory."""
    directory = MODELS_DIR / card.name
    directory.mkdir(parents=True, exist_ok=True)
    for filename, data in artefacts.items():
        (directory / filename).write_bytes(data)
    described = ModelCard(**{**asdict(card), "files": sorted(artefacts)})
    (directory / "card.json").write_text(json.dumps(asdict(described), ensure_ascii=False, indent=2) + "\n")
    return directory


def load(name: str) -> ModelCard:
    """The card of the model called `name`; its artefacts are at `card.path(filename)`."""
    path = MODELS_DIR / name / "card.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"no trained model {name!r} in {MODELS_DIR}: train it with `fanzha detect train`"
        )
    return ModelCard(**json.loads(path.read_text()))


def evaluation(name: str) -> dict[str, Any] | None:
    """Precision per level on the independent evaluation world, from the card; None without one.

    {"high": P, "all": P (medium and above), "world": "evalworld seed 101"}: what an institution may
    expect of a level (issue 19 item 4); rule engines without a card have none.
    """
    path = MODELS_DIR / name / "card.json"
    if not path.is_file():
        return None
    ev = json.loads(path.read_text()).get("metrics", {}).get("evaluation_world")
    if not ev or "high_only" not in ev or "all_levels" not in ev:
        return None
    return {
        "high": float(ev["high_only"]["precision"]),
        "all": float(ev["all_levels"]["precision"]),
        "world": str(ev.get("label", "evalworld")),
    }
