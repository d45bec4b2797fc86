"""Tips and rewards (Art 30-32, 38): citations, forms, states, the reward standard, codes, the seal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import Conflict, FanzhaError, ValidationFailed
from fanzha.law import article
from fanzha.tips import sealing
from fanzha.tips.domain import (
    BASIS,
    FORM_BASIS,
    FORM_FIELDS,
    MOVES,
    OPEN,
    RECEIPT_ALPHABET,
    REWARD_MOVES,
    RewardStandard,
    RewardStatus,
    TipForm,
    TipOutcome,
    TipStatus,
    TipVerdict,
    check_details,
    check_move,
    check_reward,
    check_reward_move,
    check_verdict,
    clean_receipt,
    new_receipt_code,
)
from fanzha.tips.files import check_file, sniff

REGULATION = Path("/work/shared/regulation/hunan-provisions.zh.txt")
STANDARD = RewardStandard()


def _paragraph(citation: str) -> str:
    """The cited paragraph read straight from the shared regulation file (not the packaged copy)."""
    match = re.fullmatch(r"(第[一二三四五六七八九十]+条)第([一二三四五六七八九十]+)款", citation)
    assert match, citation
    text = REGULATION.read_text(encoding="utf-8")
    start = text.index(match.group(1) + "【")
    following = re.search(r"\n第[一二三四五六七八九十]+条【", text[start + 1 :])
    body = text[start : start + 1 + following.start()] if following else text[start:]
    lines = [ln.strip() for ln in body.splitlines()[1:] if ln.strip()]
    return lines["一二三四五六七八九十".index(match.group(2))]


@pytest.mark.parametrize("name", sorted(BASIS))
def test_every_quote_is_in_the_cited_paragraph(name: str) -> None:
    citation, phrase = BASIS[name]
    assert phrase in article(citation), (name, citation)
    if REGULATION.exists():
        assert phrase in _paragraph(citation), (name, citation)


def test_every_form_cites_its_article_and_the_forms_match_the_provisions() -> None:
    assert set(FORM_BASIS) == set(TipForm)
    assert {BASIS[n][0] for n in FORM_BASIS[TipForm.SCHOOL]} == {"第三十条第一款", "第三十条第二款"}
    assert {BASIS[n][0] for n in FORM_BASIS[TipForm.PREMISES]} == {"第三十一条第一款", "第三十一条第二款"}
    assert BASIS[FORM_BASIS[TipForm.COURIER][0]][0] == "第三十二条第二款"
    # The goods Art 32¶2 names are the courier form's choices.
    goods = next(s for s in FORM_FIELDS[TipForm.COURIER] if s.name == "goods")
    for _, zh, _ in goods.choices:
        assert zh.removeprefix("批量") in article("第三十二条第二款"), zh


def test_structured_forms_refuse_missing_unknown_and_off_list_answers() -> None:
    good = {"role": "express", "goods": "sim_cards", "quantity": "200 张"}
    assert check_details(TipForm.COURIER, good) == good
    for bad, field in (
        ({k: v for k, v in good.items() if k != "quantity"}, "details.quantity"),
        (good | {"goods": "drugs"}, "details.goods"),
        (good | {"colour": "red"}, "details.colour"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            check_details(TipForm.COURIER, bad)
        assert caught.value.field == field
    assert check_details(TipForm.PUBLIC, {}) == {}


@given(st.lists(st.sampled_from(list(TipStatus)), max_size=10))
def test_a_closed_tip_stays_closed(path: list[TipStatus]) -> None:
    state = TipStatus.RECEIVED
    for to in path:
        try:
            check_move(state, to)
        except Conflict:
            assert to not in MOVES[state]
            continue
        assert state in OPEN  # only open tips move
        state = to
    for closed in set(TipStatus) - OPEN:
        assert not MOVES[closed]


@given(st.sampled_from(list(TipVerdict)), st.sampled_from(list(TipOutcome)), st.text(max_size=8))
def test_only_a_verified_tip_leads_to_something_and_always_with_a_reason(
    verdict: TipVerdict, outcome: TipOutcome, reason: str
) -> None:
    try:
        status = check_verdict(verdict, outcome, reason)
    except ValidationFailed:
        return
    assert len(reason.strip()) >= 4
    assert (status is TipStatus.VERIFIED) == (outcome is not TipOutcome.NONE)


@given(st.sampled_from(list(TipStatus)), st.sampled_from(list(TipOutcome)), st.integers(-10, 200_000))
def test_rewards_only_for_verified_tips_and_within_the_standard(
    status: TipStatus, outcome: TipOutcome, amount: int
) -> None:
    """Art 38¶2: 对查证属实的举报给予奖励, by the published standard."""
    try:
        tier = check_reward(STANDARD, status, outcome, amount)
    except FanzhaError as refused:
        verified_band = STANDARD.tier(outcome)
        ok = status is TipStatus.VERIFIED and verified_band is not None
        assert not ok or not verified_band.low <= amount <= verified_band.high, refused
        if status is TipStatus.VERIFIED and verified_band is not None and amount > verified_band.high:
            assert refused.code == "reward_above_standard" and refused.field == "amount"
        return
    assert status is TipStatus.VERIFIED and outcome is not TipOutcome.NONE
    assert tier.outcome is outcome and tier.low <= amount <= tier.high


@given(st.lists(st.sampled_from(list(RewardStatus)), max_size=8))
def test_a_reward_is_paid_only_after_approval_and_claim(path: list[RewardStatus]) -> None:
    state, seen = RewardStatus.DECIDED, [RewardStatus.DECIDED]
    for to in path:
        try:
            check_reward_move(state, to)
        except Conflict:
            assert to not in REWARD_MOVES[state]
            continue
        state = to
        seen.append(to)
    if RewardStatus.PAID in seen:
        assert seen[: seen.index(RewardStatus.PAID)] == [
            RewardStatus.DECIDED,
            RewardStatus.APPROVED,
            RewardStatus.CLAIMED,
        ]
    assert RewardStatus.REFUSED not in seen or RewardStatus.PAID not in seen


def test_the_standard_is_ordered_and_rewards_nothing_for_nothing() -> None:
    assert STANDARD.tier(TipOutcome.NONE) is None
    for tier in STANDARD.tiers:
        assert 0 < tier.low <= tier.high


def test_receipt_codes_are_long_random_and_read_back_in_any_case() -> None:
    codes = {new_receipt_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = codes.pop()
    assert re.fullmatch(r"([23456789A-HJKMNP-TV-Z]{4}-){4}[23456789A-HJKMNP-TV-Z]{4}", code)
    assert clean_receipt(code.lower().replace("-", " ")) == code.replace("-", "")
    assert len(RECEIPT_ALPHABET) ** 20 > 2**90  # guessing is hopeless within any rate limit
    for bad in ("", "1234", code + "A", code.replace(code[0], "O")):
        with pytest.raises(ValidationFailed):
            clean_receipt(bad)


def test_files_are_told_by_their_content_not_their_name() -> None:
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") == "audio/wav"
    assert sniff(b"ID3\x03\x00") == "audio/mpeg"
    assert sniff(b"\x00\x00\x00\x20ftypM4A \x00") == "audio/mp4"
    assert sniff(b"#!AMR\n\x00") == "audio/amr"
    assert check_file("x.exe", b"%PDF-1.7 ...").name == "x.pdf"
    for name, data in (("a.jpg", b"MZ\x90\x00"), ("b.mp3", b"<script>"), ("c.pdf", b"")):
        with pytest.raises(ValidationFailed):
            check_file(name, data)


def test_the_seal_opens_only_for_its_unit_tip_and_purpose() -> None:
    master = bytes(range(16))
    key = sealing.new_data_key()
    wrapped = sealing.wrap(master, 7, "seal-a", key)
    assert sealing.unwrap(master, 7, "seal-a", wrapped) == key
    blob = sealing.seal(key, "seal-a", "reporter", b'{"name": "x"}')
    assert sealing.unseal(key, "seal-a", "reporter", blob) == b'{"name": "x"}'
    for attempt in (
        lambda: sealing.unwrap(master, 8, "seal-a", wrapped),  # another unit
        lambda: sealing.unwrap(master, 7, "seal-b", wrapped),  # moved to another tip
        lambda: sealing.unwrap(bytes(16), 7, "seal-a", wrapped),  # the database without the master key
        lambda: sealing.unseal(key, "seal-b", "reporter", blob),
        lambda: sealing.unseal(key, "seal-a", "payee", blob),
        lambda: sealing.unseal(sealing.new_data_key(), "seal-a", "reporter", blob),
    ):
        with pytest.raises(sealing.SealBroken):
            attempt()
