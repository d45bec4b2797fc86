"""Warning rules: grading, episodes whatever the order, deadlines and escalation, the quiet period, texts."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.core.errors import Conflict, ValidationFailed
from fanzha.law import AFL, article
from fanzha.samples.domain import FraudType
from fanzha.warnings import domain as d
from fanzha.warnings import texts
from fanzha.warnings.domain import Channel, Contacted, Deadlines, Level, Outcome, Signal, SignalKind, Span

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
SHARED = Path("/work/shared/regulation/hunan-provisions.zh.txt")
TOKEN = "a" * 64


def test_cited_phrases_are_in_the_cited_paragraphs() -> None:
    for citation, phrase in d.CITATIONS:
        assert phrase in article(citation), citation
    assert d.BASIS_AFL_34[1] in article(d.BASIS_AFL_34[0], AFL)


@pytest.mark.skipif(not SHARED.exists(), reason="the shared regulation folder is not on this machine")
def test_cited_phrases_are_in_the_cited_paragraphs_of_the_shared_regulation_text() -> None:
    """Each citation (第N条第M款) found in /work/shared/regulation: the phrase is in that very paragraph."""
    lines = [ln.strip() for ln in SHARED.read_text(encoding="utf-8").splitlines() if ln.strip()]
    for citation, phrase in d.CITATIONS:
        match = re.fullmatch(r"(第[一二三四五六七八九十]+条)第([一二三四五六七八九十])款", citation)
        assert match is not None, citation
        head = next(i for i, ln in enumerate(lines) if ln.startswith(match.group(1) + "【"))
        end = next(
            (
                i
                for i in range(head + 1, len(lines))
                if re.match(r"^第[一二三四五六七八九十百]+条【", lines[i])
            ),
            len(lines),
        )
        paragraphs = lines[head + 1 : end]
        index = "一二三四五六七八九十".index(match.group(2))
        assert phrase in paragraphs[index], citation


def _sig(kind: SignalKind, **kw: object) -> Signal:
    return Signal(kind, TOKEN, T0, **kw)  # type: ignore[arg-type]


def test_grading_by_kind_with_reasons() -> None:
    assert d.grade(_sig(SignalKind.PAYEE_CHECK, contact_tail="1234")).level is Level.HIGH
    assert "第十八条第四款" in d.grade(_sig(SignalKind.PAYEE_CHECK)).reasons_zh[0]
    assert d.grade(_sig(SignalKind.SAMPLE_CONTACT)).level is Level.LOW
    assert d.grade(_sig(SignalKind.SAMPLE_CONTACT, longest_call_s=400)).level is Level.MEDIUM
    assert d.grade(_sig(SignalKind.SAMPLE_CONTACT, contacts=3)).level is Level.MEDIUM
    assert d.grade(_sig(SignalKind.INSTITUTION_REPORT, still_paying=True)).level is Level.HIGH
    assert d.grade(_sig(SignalKind.INSTITUTION_REPORT)).level is Level.MEDIUM
    assert d.grade(_sig(SignalKind.TIP, level_hint=Level.LOW)).level is Level.MEDIUM  # a hint never lowers
    assert d.grade(_sig(SignalKind.CALL_96110, level_hint=Level.HIGH)).level is Level.HIGH
    assert d.grade(_sig(SignalKind.PV_ALERT, level_hint=Level.LOW)).level is Level.LOW
    with pytest.raises(ValidationFailed):
        d.grade(_sig(SignalKind.PV_ALERT))


@settings(max_examples=200)
@given(
    st.lists(st.integers(0, 20 * 24 * 60), min_size=1, max_size=25),
    st.randoms(use_true_random=False),
    st.integers(1, 96),
)
def test_one_warning_per_episode_whatever_the_order(minutes: list[int], rnd: object, window_h: int) -> None:
    """Incremental placement (join, or merge when a signal bridges two) equals the sorted grouping."""
    window = timedelta(hours=window_h)
    times = [T0 + timedelta(minutes=m) for m in minutes]
    order = list(range(len(times)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    members: dict[int, list[int]] = {}
    spans: dict[int, Span] = {}
    next_id = 1
    for i in order:
        at = times[i]
        hit = d.place(list(spans.values()), at, window)
        if not hit:
            members[next_id], spans[next_id] = [i], Span(next_id, at, at)
            next_id += 1
            continue
        keep = hit[0]
        for other in hit[1:]:  # merged into the earliest
            members[keep] += members.pop(other)
            spans.pop(other)
        members[keep].append(i)
        ts = [times[j] for j in members[keep]]
        spans[keep] = Span(keep, min(ts), max(ts))
    got = sorted(sorted(m) for m in members.values())
    want = sorted(sorted(g) for g in d.episodes(times, window))
    assert got == want


@given(
    st.lists(
        st.tuples(st.integers(0, 120 * 24 * 60), st.sampled_from(list(Level))),
        min_size=1,
        max_size=40,
    ),
    st.integers(0, 60 * 24),
)
def test_no_sms_twice_within_the_quiet_period(signals: list[tuple[int, Level]], quiet_h: int) -> None:
    deadlines = Deadlines(quiet_period_h=quiet_h)
    state = Contacted()
    sms: list[datetime] = []
    contacts: list[tuple[datetime, Level]] = []
    for minute, level in sorted(signals, key=lambda s: s[0]):
        now = T0 + timedelta(minutes=minute)
        channel, state = d.decide(state, level, now, deadlines)
        if channel is Channel.SMS:
            sms.append(now)
        if channel is not None:
            contacts.append((now, level))
            assert channel is d.first_contact(level)
    assert all(b - a >= deadlines.quiet for a, b in itertools.pairwise(sms))
    # A repeat at the same or a lower level within the quiet period gets no contact; escalation always does.
    for (a, la), (b, lb) in itertools.pairwise(contacts):
        assert b - a >= deadlines.quiet or d.RANK[lb] > d.RANK[la]


def test_an_escalation_within_the_quiet_period_is_always_contacted() -> None:
    deadlines = Deadlines()
    ch, state = d.decide(Contacted(), Level.LOW, T0, deadlines)
    assert ch is Channel.SMS
    ch, state = d.decide(state, Level.LOW, T0 + timedelta(days=3), deadlines)
    assert ch is None
    ch, state = d.decide(state, Level.HIGH, T0 + timedelta(days=3), deadlines)
    assert ch is Channel.CALL
    ch, _ = d.decide(state, Level.LOW, T0 + timedelta(days=34), deadlines)
    assert ch is Channel.SMS  # the quiet period has run out


@given(
    st.sampled_from(list(Channel)),
    st.sampled_from(list(Level)),
    st.integers(1, 3600),
    st.integers(1, 7200),
    st.integers(1, 7200),
)
def test_escalation_deadlines(
    channel: Channel, level: Level, high_call: int, medium_call: int, visit: int
) -> None:
    dl = Deadlines(high_call_s=high_call, medium_call_s=medium_call, visit_s=visit)
    due = dl.due(channel, level)
    assert due > timedelta(0)
    high = level in (Level.HIGH, Level.EXTRA_HIGH)
    if channel is Channel.CALL:
        assert due == timedelta(seconds=high_call if high else medium_call)
    if channel is Channel.FAMILY:
        assert due == timedelta(seconds=high_call)
    if channel is Channel.VISIT:
        assert due == timedelta(seconds=visit)
    # A task not taken in time: a high call always becomes a visit with a bank delay; a visit widens.
    nxt = d.on_missed(channel, level)
    assert nxt.visit == nxt.bank_delay == (channel is Channel.CALL and high)
    assert nxt.widen == (channel is Channel.VISIT)
    created = T0
    assert not d.overdue(d.TaskStatus.NEW, created + due, created + due - timedelta(seconds=1))
    assert d.overdue(d.TaskStatus.NEW, created + due, created + due)
    assert not d.overdue(d.TaskStatus.ACCEPTED, created + due, created + due * 2)


def test_default_deadlines_are_the_issues() -> None:
    dl = Deadlines()
    assert dl.due(Channel.CALL, Level.HIGH) == timedelta(minutes=5)
    assert dl.due(Channel.VISIT, Level.HIGH) == timedelta(minutes=30)


@given(st.sampled_from(list(Channel)), st.sampled_from(list(Level)), st.sampled_from(list(Outcome)))
def test_outcomes(channel: Channel, level: Level, outcome: Outcome) -> None:
    nxt = d.after_outcome(channel, level, outcome)
    if outcome in (Outcome.DISSUADED, Outcome.FALSE_ALARM):
        assert nxt.close and nxt.release_delay and not nxt.bank_delay
    if outcome is Outcome.REFUSED:
        assert nxt.bank_delay  # refused to believe → the bank delays (Art 18¶4)
    if channel is Channel.CALL and outcome in (Outcome.UNREACHABLE, Outcome.REFUSED):
        assert nxt.visit and not nxt.close
    assert not (nxt.visit and nxt.close)


@given(st.lists(st.sampled_from(list(d.TaskStatus)), max_size=10))
def test_task_states_never_leave_a_final_state(path: list[d.TaskStatus]) -> None:
    state = d.TaskStatus.NEW
    for to in path:
        try:
            new = d.move(state, to)
        except Conflict:
            continue
        assert state not in (d.TaskStatus.DONE, d.TaskStatus.CANCELLED)
        state = new


def test_templates() -> None:
    assert set(texts.DEFAULT_TEMPLATES) == {t.value for t in FraudType}
    for scam, text in texts.DEFAULT_TEMPLATES.items():
        assert texts.check_template(scam, text)
        assert "尾号1234" in texts.render(text, "1234")
    bad = {
        "链接": "【反诈预警】您近期与尾号{tail}的涉诈号码有联系，详情见 http://x.cn 请勿转账谢谢",
        "域名": "【反诈预警】您近期与尾号{tail}的涉诈号码有联系，详情见 fz-help.com 请勿转账谢谢",
        "回拨": "【反诈预警】您近期与尾号{tail}的涉诈号码有联系，如有疑问请回拨 13800138000 谢谢",
        "96110": "【反诈预警】您近期与尾号{tail}的涉诈号码有联系，如有疑问请拨打96110咨询谢谢",
        "无尾号": "【反诈预警】您近期与涉诈号码有联系，可能正在遭遇电信网络诈骗，请勿转账谢谢",
        "英文": "Warning: number ending {tail} is a scam, do not pay anyone you do not know",
    }
    for name, text in bad.items():
        with pytest.raises(ValidationFailed) as refused:
            texts.check_template("fake_police", text)
        assert refused.value.field == "templates.fake_police", name
    with pytest.raises(ValidationFailed):
        texts.check_templates({"nonsense": texts.DEFAULT_TEMPLATES["other"]}, [t.value for t in FraudType])
    assert texts.tail_of("+86 138-0013-8000") == "8000" and texts.tail_of("12") == ""
    assert "****" in texts.render(texts.DEFAULT_TEMPLATES["other"], "")


def test_grid_codes() -> None:
    assert d.check_grid_code("430104001001") == "430104001001"
    assert d.county_of_grid("430104001001") == "430104" and d.township_of_grid("430104001001") == "430104001"
    for bad in ("430104001", "43010400100x", "430104001000"):
        with pytest.raises(ValidationFailed):
            d.check_grid_code(bad)


def test_extra_high_is_a_setting_with_its_citations() -> None:
    paying = Signal(SignalKind.PAYEE_CHECK, TOKEN, T0, still_paying=True)
    assert d.grade(paying).level is Level.HIGH  # off: maps onto high
    on = d.grade(paying, extra_high=True)
    assert on.level is Level.EXTRA_HIGH and "第十八条第四款" in on.reasons_zh[-1] and on.reasons_en[-1]
    hinted = Signal(SignalKind.CALL_96110, TOKEN, T0, level_hint=Level.EXTRA_HIGH)
    assert d.grade(hinted).level is Level.HIGH and d.grade(hinted, extra_high=True).level is Level.EXTRA_HIGH
    # Not paying: extra-high does not apply to a mere contact with a number.
    assert d.grade(Signal(SignalKind.SAMPLE_CONTACT, TOKEN, T0), extra_high=True).level is Level.LOW
    assert d.at_once(Level.EXTRA_HIGH) == d.Next(visit=True, bank_delay=True)
    assert d.at_once(Level.HIGH) == d.Next()
    assert all(basis in d.CITATIONS for basis in d.BASIS_EXTRA_HIGH)
    assert d.BASIS_FAMILY in d.CITATIONS
    dl = Deadlines()
    assert dl.due(Channel.CALL, Level.EXTRA_HIGH) == dl.due(Channel.CALL, Level.HIGH)
    assert d.on_missed(Channel.CALL, Level.EXTRA_HIGH).visit


def test_refused_to_believe_goes_to_the_family_once() -> None:
    assert d.after_outcome(Channel.CALL, Level.MEDIUM, Outcome.REFUSED).family
    assert d.after_outcome(Channel.VISIT, Level.HIGH, Outcome.REFUSED).family
    assert not d.after_outcome(Channel.FAMILY, Level.HIGH, Outcome.REFUSED).family  # no loop
    assert d.after_outcome(Channel.FAMILY, Level.HIGH, Outcome.REFUSED).close
    assert not d.after_outcome(Channel.CALL, Level.HIGH, Outcome.UNREACHABLE).family
