"""ScamTextV1: senders of scam SMS and chat messages, found by the scam-text classifier (Art 21, 22)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import ClassVar

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from fanzha.detect.frame import ALERT_SCHEMA, HIGH, MEDIUM, REASON_SEP, Engine
from fanzha.detect.province import Province
from fanzha.detect.text.model import TYPE_ZH, Verdict, shipped

# Which sender column names which kind of object: a phone number for SMS, a platform account for chats.
CHANNELS = (("sms", "phone"), ("chats", "internet_account"))
TRUTH_ROLES = frozenset({"fraud_card", "fraud_internet_account"})
# A sender with fewer flagged messages than MIN_HITS is alerted only if they are at least this share of
# all it sent: scam accounts and cards send scripts; people send one ambiguous line among many.
MIN_HITS = 2
ONE_OFF_SHARE = 0.5


def _senders(p: Province) -> ir.Table:
    """Every (kind, sender) that wrote at least one message."""
    parts = [
        p[table].select(object_kind=ibis.literal(kind), identifier=p[table].sender)
        for table, kind in CHANNELS
    ]
    return ibis.union(*parts).distinct()


def level_of_value(score: float) -> str:
    """Risk level of a Python score, the same cut points as frame.level_of."""
    return "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"


class ScamTextV1(Engine):
    """Senders whose messages the classifier reads as one of the ten scam types."""

    name: ClassVar[str] = "ScamTextV1"
    articles: ClassVar[str] = "21,22"
    title_zh: ClassVar[str] = "诈骗信息发送方识别"
    title_en: ClassVar[str] = "Senders of scam messages"
    inputs: ClassVar[tuple[str, ...]] = ("sms", "chats")
    truth_roles: ClassVar[frozenset[str]] = TRUTH_ROLES

    def alerts(self, p: Province) -> ir.Table:
        """Classify every distinct text once in Python, then one alert per sender of scam messages."""
        model = shipped()
        found: dict[tuple[str, str], list[tuple[Verdict, datetime]]] = defaultdict(list)
        sent: Counter[tuple[str, str]] = Counter()
        for table, kind in CHANNELS:
            rows = p[table].select("sender", "text", "ts").to_pyarrow().to_pydict()
            distinct = sorted({t or "" for t in rows["text"]})
            verdicts = dict(zip(distinct, model.classify(distinct), strict=True))
            for sender, text, ts in zip(rows["sender"], rows["text"], rows["ts"], strict=True):
                v = verdicts[text or ""]
                sent[(kind, sender)] += 1
                if v.fraud and sender is not None:
                    found[(kind, sender)].append((v, ts))
        out: dict[str, list[object]] = {c: [] for c in ALERT_SCHEMA.names}
        for (kind, sender), hits in sorted(found.items()):
            if len(hits) < MIN_HITS and len(hits) < ONE_OFF_SHARE * sent[(kind, sender)]:
                continue  # one odd message among a sender's ordinary ones (a victim's reply) is no sender
            types = Counter(v.label for v, _ in hits)
            label = min(types, key=lambda t: (-types[t], t))  # most frequent type, ties by code
            cues = Counter(c for v, _ in hits if v.label == label for c in v.cues)
            top = [c for c, _ in sorted(cues.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
            score = round(max(v.probability for v, _ in hits), 4)
            out["object_kind"].append(kind)
            out["identifier"].append(sender)
            out["score"].append(score)
            out["level"].append(level_of_value(score))
            out["reasons"].append(
                REASON_SEP.join(
                    [
                        f"发送{len(hits)}条疑似「{TYPE_ZH[label]}」诈骗信息",
                        f"线索词：{'、'.join(top)}" if top else "线索词：无",
                    ]
                )
            )
            out["last_seen"].append(max(ts for _, ts in hits))
        return ibis.memtable(pa.table(out, schema=ALERT_SCHEMA.to_pyarrow()))

    def truth(self, p: Province) -> ir.Table:
        """Fraud cards and fraud accounts that sent at least one message (the others wrote none)."""
        objects = p["label_objects"]
        labelled = objects.filter(objects.role.isin(sorted(TRUTH_ROLES))).select("object_kind", "identifier")
        return labelled.semi_join(_senders(p), ["object_kind", "identifier"]).distinct()

    def universe(self, p: Province) -> ir.Table | None:
        """Every sender of an SMS or chat message."""
        return _senders(p)
