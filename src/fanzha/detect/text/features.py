"""Hashed character 1-4-grams of normalised text, computed for a whole batch at once in numpy."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

N_BUCKETS = 1 << 18  # hashing trick: no vocabulary file, collisions are rare at this size
MAX_N = 4
MAX_CHARS = 2_000  # a longer message adds nothing for the classifier and would slow the batch
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9._~:/?#@!$&'*+,;=%-]*", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
# Filter-evasion undone before reading: separators inside digit runs ("1 2 3", "2.6.0.0") and inside
# Chinese words ("刷*单", "贷 款"), emoji and pictographs, Cyrillic/Greek letters that look Latin, and
# traditional characters (the common ones) folded to simplified.
_SPLIT_DIGITS = re.compile(r"(?<=\d)[\s\-.·_*/|,]+(?=\d)")
_SPLIT_HAN = re.compile(r"(?<=[\u4e00-\u9fff])[\s\-.·_*/|~]+(?=[\u4e00-\u9fff])")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200b-\u200d\u2060]+")
_LOOKALIKE = dict(zip("аоесрхуіјѕԁһкмтвнαορτκημχβνιε", "aoecpxyijsdhkmtbhaoptkhmxbvie", strict=True))
_T2S = dict(
    zip(
        "賬轉錢貸單銀號碼資險證認驗擊鏈關聯係員費務戶發時間對為們個這說請會過還現進後讓給從來與應開經無長門問題"
        "頭車見語讀書寫學習電話帳網絡購買賣價優惠動態積幣賺賠償處理騙詐詢報區縣鄉鎮園機構華國聽記識愛親額遞"
        "億萬歲幾點擔體運營當產條將興節費結紅絕網線標準辦認訂詳細誠聘戲裝備號團導師幫軟載",
        "账转钱贷单银号码资险证认验击链关联系员费务户发时间对为们个这说请会过还现进后让给从来与应开经无长门问题"
        "头车见语读书写学习电话帐网络购买卖价优惠动态积币赚赔偿处理骗诈询报区县乡镇园机构华国听记识爱亲额递"
        "亿万岁几点担体运营当产条将兴节费结红绝网线标准办认订详细诚聘戏装备号团导师帮软载",
        strict=True,
    )
)
_FOLD_MAP = _LOOKALIKE | _T2S
_FOLD = re.compile("[" + "".join(_FOLD_MAP) + "]")  # a scan, then a look-up only where one matched
# NFKC changes nothing in ASCII, CJK ideographs and the common Chinese punctuation: it runs only on the
# other stretches (with the character before each, so a combining mark still composes with its base).
_STABLE = "\x00-\x7f\u4e00-\u9fff\u3001\u3002\u3008-\u3011\u2018-\u201d\u2026"
_UNSTABLE = re.compile(f".?[^{_STABLE}]+", re.DOTALL)


def _nfkc(text: str) -> str:
    """unicodedata NFKC, applied only to the stretches it can change."""
    return _UNSTABLE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


URL_MARK = "㊀"  # links become one mark: the model must read the words, not a campaign's domain
_P1, _P2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)


def normalise(text: str, limit: int | None = MAX_CHARS) -> str:
    """NFKC (full width → half), lower case, look-alikes and traditional folded, emoji dropped, links → one
    mark, separators inside numbers and words removed, digit runs → "0" (amounts and case numbers vary)."""
    folded = _FOLD.sub(lambda m: _FOLD_MAP[m.group()], _nfkc(text[:limit]).lower())
    marked = _URL.sub(URL_MARK, _EMOJI.sub("", folded))
    return _DIGITS.sub("0", _SPLIT_HAN.sub("", _SPLIT_DIGITS.sub("", marked)))


_JOIN = "\x00"  # no rule matches across it: a batch is normalised as one string, then split


def normalise_batch(raw: Sequence[str]) -> list[str]:
    """`normalise` of every text, done on the joined batch (one pass of each rule instead of one a text)."""
    if not raw:
        return []
    out = normalise(_JOIN.join(t[:MAX_CHARS] for t in raw), limit=None).split(_JOIN)
    return out if len(out) == len(raw) else [normalise(t) for t in raw]  # a text held the joiner


@dataclass(frozen=True)
class Grams:
    """The n-grams of a batch: message row, bucket, length and start of each, plus the texts."""

    row: npt.NDArray[np.int64]
    bucket: npt.NDArray[np.int64]
    n: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]  # offset of the n-gram in its normalised text
    value: npt.NDArray[np.float32]  # 1/sqrt(number of n-grams of the message): length-neutral
    texts: list[str]  # normalised

    def gram(self, i: int) -> str:
        """The text of n-gram `i`."""
        s = int(self.start[i])
        return self.texts[int(self.row[i])][s : s + int(self.n[i])]


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit finaliser (splitmix64): spreads near-identical code-point sums over the buckets."""
    h = (h ^ (h >> np.uint64(30))) * _P1
    h = (h ^ (h >> np.uint64(27))) * _P2
    return h ^ (h >> np.uint64(31))


def grams(raw: Sequence[str]) -> Grams:
    """Hashed 1..MAX_N-grams of every text; deterministic across processes and platforms."""
    texts = normalise_batch(raw)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    total = int(ends[-1]) if len(ends) else 0
    row_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    rows, buckets, ns, offs = [], [], [], []
    h = np.zeros(total, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in range(1, MAX_N + 1):
            valid = total - n + 1
            if valid <= 0:
                break
            h = h[:valid] * np.uint64(1_000_003) + codes[n - 1 : n - 1 + valid] + np.uint64(n)
            pos = np.arange(valid, dtype=np.int64)
            keep = pos + n <= ends[row_of[:valid]]  # the n-gram stays inside its own message
            rows.append(row_of[:valid][keep])
            buckets.append((_mix(h[keep]) % np.uint64(N_BUCKETS)).astype(np.int64))
            ns.append(np.full(int(keep.sum()), n, dtype=np.int64))
            offs.append(pos[keep] - starts[row_of[:valid][keep]])
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    count = np.bincount(row, minlength=len(texts)).astype(np.float32)
    value = (1.0 / np.sqrt(np.maximum(count, 1.0)))[row].astype(np.float32)
    return Grams(
        row=row,
        bucket=np.concatenate(buckets) if buckets else row.copy(),
        n=np.concatenate(ns) if ns else row.copy(),
        start=np.concatenate(offs) if offs else row.copy(),
        value=value,
        texts=texts,
    )
