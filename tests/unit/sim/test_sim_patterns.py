"""Every scam type, mule pattern, telephony trick and hard negative occurs in a small province."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc

from fanzha.contracts import SCAM_CODES
from fanzha.sim.config import SimConfig


def _eq(t: pa.Table, col: str, value: object) -> pa.Table:
    return t.filter(pc.equal(t.column(col), value))


def _secs(col: pa.ChunkedArray) -> list[int]:
    out: list[int] = pc.divide(pc.cast(col, pa.int64()), 1000).to_pylist()
    return out


def test_each_scam_type_has_victims_scripts_and_payments(tables: dict[str, pa.Table]) -> None:
    cases = tables["label_cases"]
    victims = _eq(cases, "outcome", "victim")
    assert set(victims.column("scam_type").to_pylist()) == set(SCAM_CODES)
    scripted = _eq(tables["label_messages"], "category", "scam_script")
    assert set(scripted.column("label").to_pylist()) == set(SCAM_CODES)
    assert _eq(cases, "outcome", "engaged").num_rows > 0
    assert set(cases.column("first_channel").to_pylist()) == {"call", "sms", "chat"}


def test_each_layering_and_terminal_occurs(tables: dict[str, pa.Table]) -> None:
    money = tables["label_money"]
    assert set(money.column("layering").to_pylist()) == {"fan_out", "chain", "scatter_gather"}
    assert set(money.column("pattern").to_pylist()) == {
        "victim_payment",
        "fan_out",
        "chain",
        "scatter",
        "gather",
        "to_cashout_card",
        "atm_cashout",
        "crypto",
    }


def _fraud_txns(tables: dict[str, pa.Table]) -> list[dict[str, object]]:
    money = tables["label_money"]
    rows: list[dict[str, object]] = tables["transactions"].take(money.column("txn_id")).to_pylist()
    for r, m, t in zip(
        rows,
        money.to_pylist(),
        _secs(tables["transactions"].column("ts").take(money.column("txn_id"))),
        strict=True,
    ):
        r.update(m, t=t)
    return rows


def test_fan_in_collection_accounts(tables: dict[str, pa.Table]) -> None:
    victims_of: dict[str, set[int]] = defaultdict(set)
    for r in _fraud_txns(tables):
        if r["hop"] == 0:
            victims_of[str(r["dst_account"])].add(int(str(r["case_id"])))
    assert max(len(v) for v in victims_of.values()) >= 2


def test_fan_out_within_minutes(tables: dict[str, pa.Table]) -> None:
    out: dict[tuple[object, object], list[int]] = defaultdict(list)
    for r in _fraud_txns(tables):
        if r["pattern"] == "fan_out":
            out[(r["src_account"], r["case_id"])].append(int(str(r["t"])))
    assert any(len(ts) >= 3 and max(ts) - min(ts) <= 30 * 60 for ts in out.values())


def test_chains_of_two_to_five_hops_within_minutes_or_held(
    tables: dict[str, pa.Table], small_config: SimConfig
) -> None:
    chains: dict[tuple[object, object], list[dict[str, object]]] = defaultdict(list)
    for r in _fraud_txns(tables):
        if r["pattern"] == "chain":
            chains[(r["case_id"], r["payment_no"])].append(r)
    assert chains
    gaps = []
    for hops in chains.values():
        hops.sort(key=lambda r: int(str(r["hop"])))
        assert 2 <= len(hops) <= 5
        for a, b in itertools.pairwise(hops):
            assert a["dst_account"] == b["src_account"]
            gaps.append(int(str(b["t"])) - int(str(a["t"])))
    # Most hops follow within minutes; held hops wait up to layer_hold_max_h.
    assert min(gaps) >= 0
    assert max(gaps) <= small_config.layer_hold_max_h * 3600 + 10 * 60
    assert sum(g <= 10 * 60 for g in gaps) >= len(gaps) // 3


def test_some_layering_hops_hold_money_for_hours(tables: dict[str, pa.Table]) -> None:
    """Layering is not all minutes: some mules hold the money an hour or more before passing it on."""
    arrived: dict[object, list[int]] = defaultdict(list)
    rows = _fraud_txns(tables)
    for r in rows:
        arrived[r["dst_account"]].append(int(str(r["t"])))
    held = 0
    for r in rows:
        ins = [t for t in arrived.get(r["src_account"], []) if t <= int(str(r["t"]))]
        if r["hop"] and ins and int(str(r["t"])) - max(ins) >= 3600:
            held += 1
    assert held >= 3


def test_scatter_gather_reconverges(tables: dict[str, pa.Table]) -> None:
    gathers: dict[tuple[object, object], set[object]] = defaultdict(set)
    for r in _fraud_txns(tables):
        if r["pattern"] == "gather":
            gathers[(r["case_id"], r["dst_account"])].add(r["src_account"])
    assert any(len(srcs) >= 2 for srcs in gathers.values())


def test_atm_cash_out_with_many_cards(tables: dict[str, pa.Table]) -> None:
    atm = tables["atm_events"]
    fraud = pc.is_in(atm.column("txn_id"), value_set=tables["label_money"].column("txn_id"))
    rows = atm.filter(fraud)
    sessions: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for a, t, c in zip(
        rows.column("atm_id").to_pylist(),
        _secs(rows.column("ts")),
        rows.column("card_number").to_pylist(),
        strict=True,
    ):
        sessions[a].append((t, c))
    # Somewhere one person empties three or more cards at one ATM within two hours.
    best = 0
    for ev in sessions.values():
        ev.sort()
        for i, (t, _) in enumerate(ev):
            best = max(best, len({c for u, c in ev[i:] if u - t <= 7200}))
    assert best >= 3
    assert pc.any(rows.column("face_covered")).as_py()
    assert not pc.any(rows.column("face_matches_holder")).as_py()


def test_crypto_cash_out_reaches_labelled_wallets(tables: dict[str, pa.Table]) -> None:
    txn = tables["transactions"]
    to_wallet = _eq(txn, "dst_kind", "wallet")
    assert to_wallet.num_rows > 0
    assert set(to_wallet.column("channel").to_pylist()) == {"crypto_otc"}
    assert set(to_wallet.column("dst_account").to_pylist()) <= set(
        tables["wallets"].column("address").to_pylist()
    )


def test_sim_boxes_rotate_many_cards(tables: dict[str, pa.Table]) -> None:
    boxes = _eq(tables["label_objects"], "role", "sim_box").column("identifier")
    calls = tables["calls"].filter(pc.is_in(tables["calls"].column("caller_imei"), value_set=boxes))
    cards_per_box: dict[str, set[str]] = defaultdict(set)
    for imei, caller in zip(
        calls.column("caller_imei").to_pylist(), calls.column("caller").to_pylist(), strict=True
    ):
        cards_per_box[imei].add(caller)
    assert max(len(v) for v in cards_per_box.values()) >= 3


def test_overseas_and_spoofed_callers(tables: dict[str, pa.Table]) -> None:
    lc = tables["label_calls"]
    kinds = set(lc.column("caller_kind").to_pylist())
    assert {"sim_box", "roaming_card", "spoofed", "overseas", "police", "call_centre"} <= kinds
    spoofed = tables["calls"].take(_eq(lc, "caller_kind", "spoofed").column("call_id"))
    # A +86 number arriving through the international gateway: the mark of spoofing.
    assert all(c.startswith("+86") for c in spoofed.column("caller").to_pylist())
    assert set(spoofed.column("gateway").to_pylist()) == {"international"}
    overseas = tables["calls"].take(_eq(lc, "caller_kind", "overseas").column("call_id"))
    assert not any(c.startswith("+86") for c in overseas.column("caller").to_pylist())


def test_traders_open_many_cards(tables: dict[str, pa.Table]) -> None:
    traders = _eq(tables["label_objects"], "role", "trader").column("object_id")
    cards = tables["phone_cards"].filter(
        pc.is_in(tables["phone_cards"].column("holder_person_id"), value_set=traders)
    )
    counts = pc.value_counts(cards.column("holder_person_id"))
    assert max(c["counts"] for c in counts.to_pylist()) > 5  # over the per-operator limit of Art 10


def test_hard_negatives(tables: dict[str, pa.Table]) -> None:
    lm = tables["label_messages"]
    warnings = _eq(_eq(lm, "channel", "sms"), "category", "anti_fraud_warning")
    texts = tables["sms"].column("text").take(warnings.column("message_id")).to_pylist()
    assert set(_eq(lm, "category", "anti_fraud_warning").column("label").to_pylist()) == {"normal"}
    assert any("安全账户" in t for t in texts) and any("刷单" in t for t in texts)
    # Merchants with many payers.
    txn = tables["transactions"]
    qr = _eq(txn, "channel", "qr")
    payers: dict[str, set[str]] = defaultdict(set)
    for s, d in zip(qr.column("src_account").to_pylist(), qr.column("dst_account").to_pylist(), strict=True):
        payers[d].add(s)
    assert max(len(v) for v in payers.values()) >= 50
    # Call centres: many short calls from a few cards, none of them labelled fraud.
    cc = tables["calls"].take(_eq(tables["label_calls"], "category", "call_centre").column("call_id"))
    assert cc.num_rows >= 100
    assert pc.max(cc.column("duration_s")).as_py() <= 180
    fraud_phones = _eq(tables["label_objects"], "object_kind", "phone").column("identifier")
    assert not pc.any(pc.is_in(cc.column("caller"), value_set=fraud_phones)).as_py()


def test_fraud_cards_of_every_age_with_call_backs_and_cover(tables: dict[str, pa.Table]) -> None:
    """Some fraud cards were opened weeks before their first call, and some receive calls."""
    fraud = _eq(tables["label_objects"], "role", "fraud_card").column("identifier")
    cards = tables["phone_cards"].filter(pc.is_in(tables["phone_cards"].column("msisdn"), value_set=fraud))
    calls = tables["calls"]
    first: dict[str, int] = {}
    for c, t in zip(calls.column("caller").to_pylist(), _secs(calls.column("ts")), strict=True):
        first[c] = min(t, first.get(c, t))
    ages = [
        (first[m] - o) // 86_400
        for m, o in zip(cards.column("msisdn").to_pylist(), _secs(cards.column("opened_at")), strict=True)
        if m in first
    ]
    assert min(ages) <= 3 and max(ages) >= 15
    rung = pc.is_in(calls.column("callee"), value_set=fraud)
    assert pc.sum(rung).as_py() >= 2  # victims ringing back, cover calls in


def test_money_hard_negatives(tables: dict[str, pa.Table]) -> None:
    """Couriers' short calls, shops settling to suppliers, relatives gathering money for a bill."""
    people = tables["people"]
    couriers = _eq(people, "occupation", "courier").column("person_id")
    cards = tables["phone_cards"].filter(
        pc.is_in(tables["phone_cards"].column("holder_person_id"), value_set=couriers)
    )
    calls = tables["calls"].filter(
        pc.is_in(tables["calls"].column("caller"), value_set=cards.column("msisdn"))
    )
    assert cards.num_rows > 0 and calls.num_rows >= 7 * 10 * cards.num_rows  # ten or more a day each
    txn = tables["transactions"]
    shop_out = _eq(_eq(txn, "src_kind", "payment_account"), "channel", "transfer")
    assert shop_out.num_rows > 0
    # A payment account paid by two or more people and paying a merchant (QR) the same day.
    ins: dict[str, set[str]] = defaultdict(set)
    tr = _eq(txn, "channel", "transfer")
    for s, d in zip(tr.column("src_account").to_pylist(), tr.column("dst_account").to_pylist(), strict=True):
        ins[d].add(s)
    qr = _eq(txn, "channel", "qr")
    assert any(len(ins.get(s, ())) >= 2 for s in qr.column("src_account").to_pylist())


def test_some_mules_lend_their_everyday_card(tables: dict[str, pa.Table]) -> None:
    """Mules with ordinary lives: a mule card also pays rent, tops up a wallet or receives a salary."""
    lo = tables["label_objects"]
    mules = pc.is_in(
        lo.column("role"), value_set=pa.array(["collection_account", "layering_account", "cashout_card"])
    )
    cards = lo.filter(mules).column("identifier")
    txn = tables["transactions"]
    ordinary = pc.is_in(txn.column("channel"), value_set=pa.array(["salary", "rent", "topup", "atm"]))
    touches = pc.or_(
        pc.is_in(txn.column("src_account"), value_set=cards),
        pc.is_in(txn.column("dst_account"), value_set=cards),
    )
    money = set(tables["label_money"].column("txn_id").to_pylist())
    ids = txn.filter(pc.and_(ordinary, touches)).column("txn_id").to_pylist()
    assert any(i not in money for i in ids)
