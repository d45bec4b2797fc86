"""The scam-text featuriser and classifier: deterministic, total on any unicode, explains itself."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.detect.text.features import N_BUCKETS, URL_MARK, grams, normalise
from fanzha.detect.text.model import CLASSES, TextModel, shipped
from fanzha.detect.text.train import evaluate, fit


def test_normalise_masks_links_and_digits_and_folds_width() -> None:
    assert normalise("请点击https://zhengxin.top/a?c=1申请，退款１２３元") == f"请点击{URL_MARK}申请,退款0元"


def test_grams_stay_inside_their_message() -> None:
    g = grams(["ab", "cd"])
    texts = sorted(g.gram(i) for i in range(len(g.row)))
    assert texts == ["a", "ab", "b", "c", "cd", "d"]  # no "bc" across the boundary
    assert g.bucket.min() >= 0 and g.bucket.max() < N_BUCKETS


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_any_unicode_classifies_deterministically(texts: list[str]) -> None:
    model = shipped()
    first, again = model.classify(texts), model.classify(list(texts))
    assert first == again and len(first) == len(texts)
    for v in first:
        assert v.label in CLASSES and 0.0 <= v.probability <= 1.0 and v.fraud == (v.label != "normal")
    assert model.labels(texts) == [v.label for v in first]  # batch fast path agrees


def test_batch_and_single_give_the_same_probabilities() -> None:
    model = shipped()
    texts = ["【征信中心】您的征信存在逾期记录，请点击链接申请修复", "晚上一起吃饭？", ""]
    _, batch = model.probabilities(texts)
    singles = np.vstack([model.probabilities([t])[1] for t in texts])
    assert np.allclose(batch, singles, atol=1e-5)


def test_shipped_model_reads_scams_and_cites_cues() -> None:
    model = shipped()
    credit, police, dinner = model.classify(
        [
            "【征信中心】您的个人征信存在逾期记录，将影响贷款买房，请点击链接申请修复",
            "【市公安局】您涉嫌一起洗钱案件，请登录网站查看通缉令并配合调查，不得向他人透露。",
            "妈，我今晚回家吃饭",
        ]
    )
    # genuine bank notices also say 征信 ("以免影响征信"), so the cue may be the script's other words
    assert credit.label == "fake_credit" and credit.cues
    assert any(w in c for c in credit.cues for w in ("征信", "逾期", "记录", "修复", "影响"))
    assert police.label == "fake_police" and police.fraud
    assert not dinner.fraud


def test_a_tiny_model_learns_and_round_trips_through_npz() -> None:
    texts = [
        "日结兼职点赞返佣金",
        "点赞关注日结佣金",
        "老师推荐牛股进群",
        "牛股涨停老师带单",
        "吃饭了吗",
        "明天开会",
    ]
    labels = ["order_brushing", "order_brushing", "fake_investment", "fake_investment", "normal", "normal"]
    model = fit(texts * 3, labels * 3)
    again = TextModel.from_bytes(model.to_bytes())
    assert again.labels(texts) == labels
    assert evaluate(again, texts, labels)["fraud_precision"] == 1.0


def test_batch_cues_equal_the_cues_found_message_by_message() -> None:
    # The batch finds every flagged message's cues at once; one message at a time must give the same.
    from fanzha.sim.grammar import corpus

    texts, _ = corpus(3, 40, 40)
    model = shipped()
    together = model.classify(texts)
    alone = [model.classify([text])[0] for text in texts]
    assert together == alone
    flagged = [v for v in together if v.fraud]
    assert len(flagged) > 50 and sum(bool(v.cues) for v in flagged) > 0.9 * len(flagged)


def test_batch_verdicts_equal_one_by_one_verdicts() -> None:
    from fanzha.sim.grammar import corpus

    texts, _ = corpus(11, 20, 60)
    model = shipped()
    batch = model.classify(texts)
    singles = [model.classify([t])[0] for t in texts]
    assert [(v.label, v.fraud, v.cues) for v in batch] == [(v.label, v.fraud, v.cues) for v in singles]
    assert np.allclose([v.probability for v in batch], [v.probability for v in singles], atol=2e-4)


def test_the_fraud_floor_decides_and_round_trips() -> None:
    from dataclasses import replace

    from fanzha.detect.text.train import FLOORS, choose_floor

    texts = ["日结兼职点赞返佣金", "点赞关注日结佣金", "吃饭了吗", "明天开会"]
    labels = ["order_brushing", "order_brushing", "normal", "normal"]
    model = fit(texts * 3, labels * 3)
    _, p = model.probabilities(texts)
    scam = 1.0 - p[:, CLASSES.index("normal")]
    strict, lax = replace(model, fraud_floor=0.999), replace(model, fraud_floor=0.001)
    assert strict.labels(texts) == ["normal"] * 4 or scam.max() >= 0.999
    assert lax.labels(texts)[:2] == ["order_brushing"] * 2
    assert all(
        v.probability == round(float(s), 4) for v, s in zip(lax.classify(texts)[:2], scam[:2], strict=True)
    )
    assert TextModel.from_bytes(lax.to_bytes()).fraud_floor == 0.001
    chosen = choose_floor(model, texts, labels)

    def precise(m: TextModel) -> bool:
        flagged = [y for y, g in zip(labels, m.labels(texts), strict=True) if g != "normal"]
        return bool(flagged) and all(y != "normal" for y in flagged)

    passing = [f for f in FLOORS if precise(replace(model, fraud_floor=f))]
    assert chosen.fraud_floor == (
        passing[0] if passing else FLOORS[-1]
    )  # the lowest floor that keeps precision
