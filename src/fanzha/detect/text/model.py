"""The scam-text model: numpy weights over hashed n-grams, softmax over the ten scam types plus normal."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from fanzha.contracts.reference import SCAM_TYPES
from fanzha.detect import modelcard
from fanzha.detect.text.features import MAX_N, N_BUCKETS, Grams, grams

MODEL_NAME = "ScamTextV1"
NORMAL = "normal"
CLASSES: tuple[str, ...] = (NORMAL, *(code for code, *_ in SCAM_TYPES))
TYPE_ZH = {code: zh for code, zh, *_ in SCAM_TYPES} | {NORMAL: "正常"}
N_CUES = 3
_WORDLIKE = re.compile(r"[\u4e00-\u9fffa-z]{2,}")  # a cue is a word: Han characters or letters only


@dataclass(frozen=True)
class Verdict:
    """One message's class, its probability, whether it is fraud, and the phrases that said so."""

    label: str
    probability: float
    fraud: bool
    cues: tuple[str, ...]


@dataclass(frozen=True)
class TextModel:
    """Weights (buckets × classes) and biases of a linear model over hashed character n-grams."""

    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    classes: tuple[str, ...]
    temperature: float = 1.0  # calibration: softmax(logits / T), T fitted on a held-out province
    # A message is fraud when its calibrated probability of being any scam type (1 - P(normal)) reaches
    # this floor; its type is then the likeliest scam type. The floor is chosen on the development world's
    # held-out messages (train.choose_floor); 0.5 is the plain "more likely scam than not".
    fraud_floor: float = 0.5

    def to_bytes(self) -> bytes:
        """The model as .npz bytes (no pickle)."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            weights=self.weights,
            bias=self.bias,
            classes=np.array(self.classes),
            meta=np.array([N_BUCKETS, MAX_N]),
            temperature=np.array([self.temperature], dtype=np.float64),
            fraud_floor=np.array([self.fraud_floor], dtype=np.float64),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TextModel:
        """A model from .npz bytes, refusing one built for another featuriser."""
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            if tuple(int(x) for x in z["meta"]) != (N_BUCKETS, MAX_N):
                raise ValueError("text model was trained with another featuriser")
            return cls(
                z["weights"].astype(np.float32),
                z["bias"].astype(np.float32),
                tuple(str(c) for c in z["classes"]),
                float(z["temperature"][0]) if "temperature" in z.files else 1.0,
                float(z["fraud_floor"][0]) if "fraud_floor" in z.files else 0.5,
            )

    def logits(self, g: Grams) -> npt.NDArray[np.float32]:
        """Class scores of every message of the batch."""
        gathered = self.weights[g.bucket] * g.value[:, None]
        n = len(g.texts)
        columns = [np.bincount(g.row, weights=gathered[:, k], minlength=n) for k in range(len(self.classes))]
        out: npt.NDArray[np.float32] = (np.stack(columns, axis=1) + self.bias).astype(np.float32)
        return out

    def probabilities(self, texts: Sequence[str]) -> tuple[Grams, npt.NDArray[np.float32]]:
        """The n-grams and class probabilities (softmax) of a batch."""
        g = grams(texts)
        z = self.logits(g) / np.float32(self.temperature)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return g, e / e.sum(axis=1, keepdims=True)

    def decide(self, p: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Each message's class and its probability: a scam type when P(any scam) reaches the floor
        (the probability reported is then P(any scam), the calibrated chance that it is fraud)."""
        normal = self.classes.index(NORMAL)
        scam = 1.0 - p[:, normal]
        others = p.copy()
        others[:, normal] = -1.0
        best = np.where(scam >= self.fraud_floor, others.argmax(axis=1), normal)
        prob = np.where(best == normal, p[:, normal], scam).astype(np.float32)
        return best.astype(np.int64), prob

    def labels(self, texts: Sequence[str]) -> list[str]:
        """The class of each text (the fast path: no cue phrases)."""
        _, p = self.probabilities(texts)
        best, _ = self.decide(p)
        return [self.classes[i] for i in best]

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        """Class, probability, fraud flag and (for fraud) the cue phrases of each text."""
        g, p = self.probabilities(texts)
        best, prob = self.decide(p)
        probability = [round(x, 4) for x in prob.tolist()]
        normal = self.classes.index(NORMAL)
        # Only a flag needs reasons: the n-grams of flagged messages, each message's strongest push first
        # (ties keep text order, as a stable sort would), found for the whole batch at once.
        grams_of_flagged = np.flatnonzero(best[g.row] != normal)
        rows = g.row[grams_of_flagged]
        push = self._push(g.bucket[grams_of_flagged], best[rows])
        order = np.lexsort((-push, rows))
        ranked, ranked_push = grams_of_flagged[order], push[order]
        bounds = np.searchsorted(rows[order], np.arange(len(texts) + 1)).tolist()
        verdicts = []
        for i, k in enumerate(best.tolist()):
            fraud = k != normal
            span = slice(bounds[i], bounds[i + 1])
            cues = self._cues(g, ranked[span], ranked_push[span]) if fraud else ()
            verdicts.append(Verdict(self.classes[k], probability[i], fraud, cues))
        return verdicts

    def _push(self, buckets: npt.NDArray[np.int64], toward: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """How hard each n-gram pushes toward a class versus the mean of the others."""
        w = self.weights[buckets].astype(np.float64)
        own = w[np.arange(len(w)), toward]
        push: npt.NDArray[np.float64] = own - (w.sum(axis=1) - own) / (len(self.classes) - 1)
        return push

    @staticmethod
    def _cues(g: Grams, ranked: npt.NDArray[np.int64], push: npt.NDArray[np.float64]) -> tuple[str, ...]:
        """The strongest positive n-grams of one message that read as words, with no overlaps."""
        chosen: list[str] = []
        for j, strength in zip(ranked.tolist(), push.tolist(), strict=True):
            if strength <= 0 or len(chosen) == N_CUES:
                break
            text = g.gram(j).strip()
            if not _WORDLIKE.fullmatch(text) or any(text in c or c in text for c in chosen):
                continue  # single characters, punctuation and overlaps explain nothing
            chosen.append(text)
        return tuple(chosen)


@lru_cache(maxsize=1)
def shipped() -> TextModel:
    """The trained model shipped in the package (models/ScamTextV1)."""
    card = modelcard.load(MODEL_NAME)
    return TextModel.from_bytes(card.path("weights.npz").read_bytes())
