"""Transfer-time rules and their state (Art 18, 18¶4): windows, pass-through, journal replay, by property."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.detect.realtime import rules
from fanzha.detect.realtime.state import MAX_EVENTS, Account, Accounts, DurableState

T0 = 1_764_400_000.0  # 2025-11-29 15:06:40 in Hunan: daytime
KEYS = [bytes([i]) * 16 for i in range(8)]

# (seconds after the previous transfer, payer index, payee index, yuan)
transfer = st.tuples(
    st.floats(min_value=0, max_value=900, allow_nan=False),
    st.integers(0, len(KEYS) - 1),
    st.integers(0, len(KEYS) - 1),
    st.floats(min_value=1, max_value=50_000, allow_nan=False),
)
Raw = list[tuple[float, bytes, bytes, float]]


def play(steps: list[tuple[float, int, int, float]], state: Accounts) -> Raw:
    """Apply the transfers (payer != payee) at growing times; returns them as (at, payer, payee, yuan)."""
    raw: Raw = []
    now = T0
    for gap, a, b, amount in steps:
        now += gap
        if a == b:
            continue
        state.apply(KEYS[a], KEYS[b], amount, now)
        raw.append((now, KEYS[a], KEYS[b], amount))
    return raw


def snapshot_of(state: Accounts) -> dict[bytes, tuple[object, ...]]:
    return {k: Account.__getstate__(a) for k, a in state.accounts.items()}


@given(st.lists(transfer, max_size=60), st.floats(min_value=0, max_value=4000, allow_nan=False))
def test_windows_count_exactly_what_brute_force_counts(
    steps: list[tuple[float, int, int, float]], later: float
) -> None:
    state = Accounts()
    raw = play(steps, state)
    now = (raw[-1][0] if raw else T0) + later
    for key in KEYS:
        account = state.accounts.get(key)
        inbound = account.inbound if account else []
        outbound = account.outbound if account else []
        for span in (rules.FAN_SPAN_S, rules.NIGHT_SPAN_S):
            expect_in = sum(1 for t, _, payee, _ in raw if payee == key and now - span < t <= now)
            expect_out = sum(1 for t, payer, _, _ in raw if payer == key and now - span < t <= now)
            assert rules.count_within(inbound, now, span) == expect_in >= 0
            assert rules.count_within(outbound, now, span) == expect_out >= 0
        payers = {payer for t, payer, payee, _ in raw if payee == key and now - rules.FAN_SPAN_S < t <= now}
        assert rules.distinct_within(inbound, now, rules.FAN_SPAN_S, b"new") == len(payers | {b"new"})


@given(st.lists(transfer, min_size=1, max_size=60))
def test_a_window_forgets_after_its_span(steps: list[tuple[float, int, int, float]]) -> None:
    state = Accounts()
    raw = play(steps, state)
    last = raw[-1][0] if raw else T0
    after = last + rules.SPAN_S + 1
    state.sweep(after)
    for account in state.accounts.values():
        assert account.inbound == [] and account.outbound == []
    for key in KEYS:
        assert rules.fan_in(state.accounts[key].inbound if key in state.accounts else [], after, b"x") is None
        decision = state.evaluate(b"payer".ljust(16, b"."), key, 1000.0, after, False)
        assert decision.outcome == "allow" and decision.score == 0


@given(st.lists(transfer, max_size=60), st.floats(min_value=1, max_value=60_000), st.floats(0, 3000))
def test_pass_through_is_found_exactly_when_brute_force_finds_it(
    steps: list[tuple[float, int, int, float]], amount: float, later: float
) -> None:
    state = Accounts()
    raw = play(steps, state)
    now = (raw[-1][0] if raw else T0) + later
    for key in KEYS:
        account = state.accounts.get(key)
        found = rules.pass_through(account.inbound if account else [], now, amount) is not None
        brute = any(
            payee == key
            and now - rules.PASS_SPAN_S <= t <= now
            and 0.8 * a <= amount <= 1.05 * a
            and a >= 1000
            for t, _, payee, a in raw
        )
        assert found == brute


@settings(max_examples=30)
@given(st.integers(MAX_EVENTS, 3 * MAX_EVENTS))
def test_counts_stay_bounded_and_never_negative_on_a_busy_account(n: int) -> None:
    state = Accounts()
    mule = KEYS[0]
    for i in range(n):
        state.apply(i.to_bytes(16, "big"), mule, 500.0, T0 + i * 0.01)
    inbound = state.accounts[mule].inbound
    assert len(inbound) == MAX_EVENTS
    assert 0 <= rules.count_within(inbound, T0 + n, rules.FAN_SPAN_S) <= MAX_EVENTS
    hit = rules.fan_in(inbound, T0 + n * 0.01, KEYS[1])
    assert hit is not None and hit.score == 85


@given(st.lists(st.sampled_from([None, 0, 35, 40, 50, 60, 85, 100]), max_size=6), st.booleans())
def test_outcome_follows_the_score_and_a_sample_always_delays(scores: list[int | None], sample: bool) -> None:
    hits = [None if s is None else rules.Hit(f"r{i}", s, "原因", "why") for i, s in enumerate(scores)]
    decision = rules.decide([*hits, rules.sample_payee(sample)])
    assert 0 <= decision.score <= 100
    if sample:
        assert decision.outcome == "delay" and "第十八条第四款" in decision.as_dict()["legal_basis"]  # type: ignore[operator]
    elif decision.score >= rules.DELAY_AT:
        assert decision.outcome == "delay"
    elif decision.score >= rules.REVIEW_AT:
        assert decision.outcome == "review"
    else:
        assert decision.outcome == "allow"
        if not decision.hits:
            assert decision.as_dict()["reasons_zh"] == ["未发现异常，可正常结算"]


def test_fan_in_reviews_at_five_payers_and_delays_at_ten() -> None:
    state = Accounts()
    mule = KEYS[0]
    for i in range(9):
        state.apply(bytes([100 + i]) * 16, mule, 2000.0, T0 + i * 30)
    assert state.evaluate(bytes([200]) * 16, mule, 2000.0, T0 + 300, False).outcome == "delay"
    few = Accounts()
    for i in range(4):
        few.apply(bytes([100 + i]) * 16, mule, 2000.0, T0 + i * 30)
    decision = few.evaluate(bytes([200]) * 16, mule, 2000.0, T0 + 300, False)
    assert decision.outcome == "review" and "快进" in decision.hits[0].reason_zh


def test_night_burst_and_dormant_accounts() -> None:
    state = Accounts()
    night = 1_764_349_200.0  # 2025-11-29 01:00 in Hunan (UTC+8)
    payer = KEYS[1]
    for i in range(2):
        state.apply(payer, bytes([50 + i]) * 16, 300.0, night + i * 60)
    decision = state.evaluate(payer, KEYS[2], 300.0, night + 600, False)
    assert [h.rule for h in decision.hits] == ["night_burst"]
    later = night + 100 * 86400
    dormant = state.evaluate(payer, KEYS[2], 9000.0, later, False)
    assert [h.rule for h in dormant.hits] == ["dormant_then_active"] and dormant.outcome == "review"


@settings(max_examples=25, deadline=None)
@given(st.lists(transfer, max_size=40), st.integers(0, 40), st.binary(max_size=47), st.booleans())
def test_the_journal_and_snapshot_bring_the_state_back(
    steps: list[tuple[float, int, int, float]], snap_at: int, torn: bytes, background: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        live = DurableState(directory)
        now = T0
        for i, (gap, a, b, amount) in enumerate(steps):
            now += gap
            if a != b:
                live.record(KEYS[a], KEYS[b], amount, now)
            if i == snap_at:
                live.snapshot(background=background)  # in a forked child when in the background
                assert live.reap(block=True) is (True if background else None)
        live.sync()
        journals = sorted(directory.glob("journal-*.bin"))
        with open(journals[-1], "ab") as f:
            f.write(torn)  # a record cut short by the kill: never answered, dropped on replay
        # No close(): the process is killed; what was written must come back.
        back = DurableState(directory)
        # A snapshot prunes the windows to its time; pruned alike, the states are the same.
        live.sweep(live.last_seen_at)
        back.sweep(live.last_seen_at)
        assert snapshot_of(back) == snapshot_of(live)
        assert back.recorded == live.recorded and back.last_seen_at == live.last_seen_at
        back.close()  # a clean stop: snapshot, new journal
        again = DurableState(directory)
        assert snapshot_of(again) == snapshot_of(live)
        again.close(snapshot=False)
        live.close(snapshot=False)


def test_sample_payees_from_the_platform_snapshot_or_the_local_filter() -> None:
    import httpx
    import numpy as np
    from fanzha_client import SampleFilter
    from fanzha_client.filters import FilterSnapshot

    from fanzha.detect.realtime.server import FilterSamples, PrefixSamples, Tokeniser

    key = bytes(range(32))
    tokeniser = Tokeniser(key)
    _, mule = tokeniser.token({"kind": "bank_card", "value": "6222 0212 3456 7890 128"}, "payee")
    _, clean = tokeniser.token({"kind": "bank_card", "value": "6228480012345678903"}, "payee")
    snapshot = FilterSnapshot.from_tokens("bank_card", 7, [mule.hex()])

    direct = PrefixSamples(
        lambda: {"bank_card": snapshot.prefixes, "payment_account": np.zeros(0, np.uint64)}
    )
    direct.refresh()
    assert direct.is_sample("bank_card", mule.hex()) and not direct.is_sample("bank_card", clean.hex())
    assert not direct.is_sample("payment_account", mule.hex()) and len(direct) == 1

    def serve(request: httpx.Request) -> httpx.Response:
        kind = request.url.path.split("/")[-2]
        body = snapshot if kind == "bank_card" else FilterSnapshot.from_tokens(kind, 7, [])
        return httpx.Response(200, content=body.to_bytes())

    http = httpx.Client(transport=httpx.MockTransport(serve), base_url="http://platform.local")
    synced = FilterSamples(SampleFilter(http, key, ["bank_card", "payment_account"]))
    synced.refresh()
    assert synced.is_sample("bank_card", mule.hex()) and not synced.is_sample("bank_card", clean.hex())
    assert len(synced) == 1
