"""Train the scam-text model on simulated provinces' SMS and chats (labels from label_messages)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import numpy.typing as npt
import sklearn
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression

from fanzha.detect import modelcard
from fanzha.detect.province import Province
from fanzha.detect.text.features import MAX_N, N_BUCKETS, grams, normalise
from fanzha.detect.text.model import CLASSES, MODEL_NAME, NORMAL, TextModel

# A victim's reply ("好的，怎么付款？") is labelled with its case's scam type but is not fraud content:
# the classifier judges what the sender wrote, so replies count as normal.
FRAUD_CATEGORIES = ("scam_script", "scam_broadcast")


def _manifest(data_dir: Path | str) -> dict[str, Any] | str:
    """A province's seed, size and start (its manifest), or its path if it has none."""
    path = Path(data_dir) / "manifest.json"
    if not path.exists():
        return str(data_dir)
    m = json.loads(path.read_text())
    return {k: m[k] for k in ("seed", "people", "days", "start") if k in m}


def labelled_messages(data_dir: Path | str) -> tuple[list[str], list[str]]:
    """Every SMS and chat text of a province with its class (a scam type or normal)."""
    p = Province.open(data_dir, "duckdb")
    sms, chats, labels = p["sms"], p["chats"], p["label_messages"]
    texts = ibis.union(
        sms.select(channel=ibis.literal("sms"), id=sms.sms_id, text=sms.text),
        chats.select(channel=ibis.literal("chat"), id=chats.chat_id, text=chats.text),
    )
    y = ibis.ifelse(labels.category.isin(FRAUD_CATEGORIES), labels.label, ibis.literal(NORMAL))
    joined = labels.select(channel=labels.channel, id=labels.message_id, y=y).inner_join(
        texts, ["channel", "id"]
    )
    rows = joined.order_by(["channel", "id"]).select("text", "y").to_pyarrow().to_pydict()
    return [t or "" for t in rows["text"]], list(rows["y"])


def notices_flagged(model: TextModel, data_dir: Path | str) -> tuple[int, int]:
    """How many of a province's genuine anti-fraud warnings (category anti_fraud_warning) the model flags."""
    p = Province.open(data_dir, "duckdb")
    sms, chats, labels = p["sms"], p["chats"], p["label_messages"]
    texts = ibis.union(
        sms.select(channel=ibis.literal("sms"), id=sms.sms_id, text=sms.text),
        chats.select(channel=ibis.literal("chat"), id=chats.chat_id, text=chats.text),
    )
    warnings = labels.filter(labels.category == "anti_fraud_warning")
    warnings = warnings.select(channel=warnings.channel, id=warnings.message_id)
    rows = warnings.inner_join(texts, ["channel", "id"]).select("text").to_pyarrow().to_pydict()["text"]
    verdicts = model.labels([t or "" for t in rows]) if rows else []
    return sum(v != NORMAL for v in verdicts), len(rows)


def _class_weights(y: npt.NDArray[np.int64], normal_mass: float) -> dict[int, float]:
    """Scam types balanced among themselves; normal text weighs `normal_mass` times one scam type.

    With plain balancing (normal_mass 1) normal text is one class of eleven, and a word every sender
    uses (a greeting, an emoji) pulls toward the scam types merely because they are ten.
    """
    counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float64)
    present = counts > 0
    share = np.where(present, 1.0, 0.0)
    share[CLASSES.index(NORMAL)] *= normal_mass
    mass = counts.sum() / share.sum()  # a class's total weight
    return {int(k): float(mass * share[k] / counts[k]) for k in np.flatnonzero(present)}


def fit(texts: Sequence[str], labels: Sequence[str], c: float = 20.0, normal_mass: float = 1.0) -> TextModel:
    """Fit the linear model on distinct (normalised text, class) pairs, weighted by log of their count."""
    counts = Counter(zip((normalise(t) for t in texts), labels, strict=True))
    distinct = sorted(counts)
    g = grams([t for t, _ in distinct])
    used, column = np.unique(g.bucket, return_inverse=True)  # only the buckets the data touches
    x = sparse.csr_matrix((g.value, (g.row, column)), shape=(len(distinct), len(used)), dtype=np.float32)
    y = np.array([CLASSES.index(label) for _, label in distinct])
    weight = np.log1p([counts[k] for k in distinct])  # a template sent 10,000 times is not 10,000 lessons
    clf = LogisticRegression(C=c, max_iter=2000, class_weight=_class_weights(y, normal_mass))
    clf.fit(x, y, sample_weight=weight)
    weights = np.zeros((N_BUCKETS, len(CLASSES)), dtype=np.float32)
    coef = np.zeros((len(CLASSES), len(used)), dtype=np.float32)
    coef[clf.classes_] = clf.coef_
    bias = np.full(len(CLASSES), -30.0, dtype=np.float32)  # a class never seen is never predicted
    bias[clf.classes_] = clf.intercept_
    weights[used] = coef.T
    return TextModel(weights, bias, CLASSES)


def calibrate(model: TextModel, texts: Sequence[str], labels: Sequence[str]) -> TextModel:
    """The model with the temperature that minimises log-loss on held-out messages (distinct texts)."""
    pairs = sorted(set(zip(texts, labels, strict=True)))
    g = grams([t for t, _ in pairs])
    z = model.logits(g).astype(np.float64)
    y = np.array([model.classes.index(label) for _, label in pairs])

    def loss(t: float) -> float:
        s: npt.NDArray[np.float64] = z / t
        s -= s.max(axis=1, keepdims=True)
        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(y)), y].mean())

    best = min(np.exp(np.linspace(np.log(0.05), np.log(20.0), 121)), key=loss)
    return TextModel(model.weights, model.bias, model.classes, round(float(best), 4), model.fraud_floor)


# The fraud floors tried. None below 0.3: on the development world alone 0.2 passed, and on evaluation
# seeds 201 and 202 (never 101, the reported one) it cost fraud precision 0.78 for two points of recall.
FLOORS = tuple(round(x, 2) for x in np.arange(0.30, 0.91, 0.05))
MIN_PRECISION = 0.995  # fraud precision the floor must keep on the development world's held-out messages
MAX_FALSE_ALARMS = 5e-5  # and the share of its genuine messages it may flag (the notices must stay unflagged)


def choose_floor(model: TextModel, texts: Sequence[str], labels: Sequence[str]) -> TextModel:
    """The model with the lowest fraud floor whose fraud precision and false alarms on held-out messages
    (development world) stay within MIN_PRECISION and MAX_FALSE_ALARMS: recall is bought
    only where precision allows."""
    _, p = model.probabilities(list(texts))  # every message as sent: a template sent often counts often
    truth = np.array([label != NORMAL for label in labels])
    normal = model.classes.index(NORMAL)
    for floor in FLOORS:
        flagged = (1.0 - p[:, normal]) >= floor
        precise = bool(flagged.any()) and (flagged & truth).sum() / flagged.sum() >= MIN_PRECISION
        if precise and (flagged & ~truth).sum() <= MAX_FALSE_ALARMS * max(int((~truth).sum()), 1):
            return replace(model, fraud_floor=float(floor))
    return replace(model, fraud_floor=FLOORS[-1])


def evaluate(model: TextModel, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Macro-F1 over the scam types present (and with normal), per-class F1, fraud P/R, false alarms."""
    predicted = model.labels(texts)
    truth = np.array(labels)
    guess = np.array(predicted)
    per_class: dict[str, float] = {}
    for code in CLASSES:
        tp = int(((guess == code) & (truth == code)).sum())
        fp = int(((guess == code) & (truth != code)).sum())
        fn = int(((guess != code) & (truth == code)).sum())
        if tp + fn:
            per_class[code] = round(2 * tp / (2 * tp + fp + fn), 4)
    f1s = [f for code, f in per_class.items() if code != NORMAL]  # as cards v1-v3: the scam types
    fraud_t, fraud_g = truth != NORMAL, guess != NORMAL
    tp = int((fraud_t & fraud_g).sum())
    return {
        "messages": len(texts),
        "fraud_messages": int(fraud_t.sum()),
        "macro_f1": round(float(np.mean(f1s)), 4) if f1s else None,
        "macro_f1_eleven": round(float(np.mean(list(per_class.values()))), 4) if per_class else None,
        "fraud_precision": round(tp / max(int(fraud_g.sum()), 1), 4),
        "fraud_recall": round(tp / max(int(fraud_t.sum()), 1), 4),
        "false_alarm_rate": round(int((fraud_g & ~fraud_t).sum()) / max(int((~fraud_t).sum()), 1), 6),
        "per_class_f1": per_class,
    }


Corpus = tuple[list[str], list[str]]


def train_text(
    data_dirs: Sequence[Path | str],
    out: bool = True,
    heldout: Path | str | None = None,
    extra: Corpus | None = None,
    extra_heldout: Corpus | None = None,
    extra_note: str | None = None,
    c: float = 20.0,
    normal_mass: float = 1.0,
) -> tuple[TextModel, dict[str, Any]]:
    """Train on `data_dirs` (and `extra` labelled texts), calibrate and measure on `heldout` (another seed,
    plus `extra_heldout`); if `out`, save the model."""
    texts: list[str] = []
    labels: list[str] = []
    for d in data_dirs:
        t, y = labelled_messages(d)
        texts += t
        labels += y
    if extra:
        texts += extra[0]
        labels += extra[1]
    began = time.perf_counter()
    model = fit(texts, labels, c=c, normal_mass=normal_mass)
    seconds = round(time.perf_counter() - began, 2)
    metrics: dict[str, Any] = {}
    if heldout:
        held = labelled_messages(heldout)
        if extra_heldout:
            held = (held[0] + extra_heldout[0], held[1] + extra_heldout[1])
        model = choose_floor(calibrate(model, *held), *held)
        metrics = evaluate(model, *held) | {
            "temperature": model.temperature,
            "fraud_floor": model.fraud_floor,
        }
    if out:
        card = modelcard.ModelCard(
            name=MODEL_NAME,
            version=4,
            library=f"numpy {np.__version__} (trained with scikit-learn {sklearn.__version__})",
            features=[
                f"hashed character 1-{MAX_N}-grams ({N_BUCKETS} buckets) of normalised text",
                "normalisation: NFKC (full width to half), Cyrillic/Greek look-alikes and common traditional "
                "characters folded, emoji dropped, separators inside numbers and words removed, "
                "links and digit runs masked",
                "multinomial logistic regression, class-balanced, temperature-calibrated on a held-out seed",
                "decision: fraud when the calibrated P(any scam type) reaches the fraud floor, then the "
                "likeliest type; the floor is the lowest whose fraud precision on the development world's "
                f"held-out messages is at least {MIN_PRECISION} with false alarms at most {MAX_FALSE_ALARMS}",
                "training text: the simulated provinces' SMS and chats plus messages drawn straight from the "
                "simulator's slot and stage grammars (fanzha.sim.grammar, grammar_wide); nothing from the "
                "evaluation world",
            ],
            training={
                "provinces": [_manifest(d) for d in data_dirs],
                "messages": len(texts),
                "distinct": len(set(texts)),
                "fraud_messages": sum(y != NORMAL for y in labels),
                "fit_seconds": seconds,
                "heldout": _manifest(heldout) if heldout else None,
                "grammar_corpus": extra_note,
            },
            metrics=metrics,
            trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        modelcard.save(card, {"weights.npz": model.to_bytes()})
    return model, metrics
