"""Every label points at an existing object, and every message has a label."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from fanzha.contracts import SCAM_CODES

# The column that holds each kind of object in each source table.
_VALUE_COLUMN = {
    ("phone", "phone_cards"): "msisdn",
    ("phone", "calls"): "caller",
    ("imei", "devices"): "imei",
    ("internet_account", "internet_accounts"): "account",
    ("ip", "internet_accounts"): "registered_ip",
    ("url", "urls"): "url",
    ("domain", "urls"): "domain",
    ("app", "apps"): "package",
    ("wallet", "wallets"): "address",
    ("bank_card", "bank_cards"): "card_number",
    ("payment_account", "payment_accounts"): "account",
    ("resident_id", "people"): "resident_id",
    ("phone", "line_records"): "line_number",  # Art 11 leased lines
    ("bank_card", "otc_trades"): "account",  # Art 33 accounts that bought crypto with fraud money
    ("payment_account", "otc_trades"): "account",
}
# Fraud money reaches the wallets from bank cards in the simulator: no payment account buys crypto.
_MAY_BE_ABSENT = {("payment_account", "otc_trades")}


def test_label_objects_point_at_rows(tables: dict[str, pa.Table]) -> None:
    labels = tables["label_objects"].to_pylist()
    assert len(labels) > 100
    by_kind: dict[tuple[str, str], list[dict[str, object]]] = {}
    for r in labels:
        by_kind.setdefault((str(r["object_kind"]), str(r["source_table"])), []).append(r)
    assert set(by_kind) <= set(_VALUE_COLUMN) and set(_VALUE_COLUMN) - set(by_kind) <= _MAY_BE_ABSENT
    for (kind, table), rows in by_kind.items():
        col = tables[table].column(_VALUE_COLUMN[(kind, table)])
        keyed = [r for r in rows if r["object_id"] is not None]
        if keyed:
            # The row at object_id holds exactly the labelled identifier.
            got = col.take(pa.array([r["object_id"] for r in keyed])).to_pylist()
            assert got == [r["identifier"] for r in keyed], (kind, table)
        loose = [r["identifier"] for r in rows if r["object_id"] is None]
        if loose:
            assert pc.all(pc.is_in(pa.array(loose), value_set=pc.unique(col))).as_py(), (kind, table)


def test_label_objects_name_real_groups(tables: dict[str, pa.Table]) -> None:
    groups = set(tables["label_groups"].column("group_id").to_pylist())
    used = set(tables["label_objects"].column("group_id").drop_null().to_pylist())
    assert used == groups


def test_cases_point_at_people_and_groups(tables: dict[str, pa.Table]) -> None:
    people = tables["people"]
    cases = tables["label_cases"]
    rid = people.column("resident_id").take(cases.column("person_id")).to_pylist()
    assert rid == cases.column("resident_id").to_pylist()
    ages = people.column("age").take(cases.column("person_id")).to_pylist()
    assert ages == cases.column("age").to_pylist()
    assert set(cases.column("group_id").to_pylist()) <= set(
        tables["label_groups"].column("group_id").to_pylist()
    )
    victims = cases.filter(pc.equal(cases.column("outcome"), "victim"))
    assert pc.all(pc.greater(victims.column("loss_fen"), 0)).as_py()
    assert pc.all(pc.greater(victims.column("n_payments"), 0)).as_py()


def test_money_labels_point_at_transactions(tables: dict[str, pa.Table]) -> None:
    money = tables["label_money"]
    n = tables["transactions"].num_rows
    assert pc.max(money.column("txn_id")).as_py() < n
    assert len(pc.unique(money.column("txn_id"))) == money.num_rows
    # Each victim's payments sum to the loss reported in label_cases.
    hop0 = money.filter(pc.equal(money.column("hop"), 0))
    amounts = tables["transactions"].column("amount_fen").take(hop0.column("txn_id")).to_pylist()
    paid: dict[int, int] = {}
    for case, amount in zip(hop0.column("case_id").to_pylist(), amounts, strict=True):
        paid[case] = paid.get(case, 0) + amount
    cases = tables["label_cases"].to_pylist()
    assert {c["case_id"]: c["loss_fen"] for c in cases if c["loss_fen"]} == paid


def test_every_message_is_labelled(tables: dict[str, pa.Table]) -> None:
    lm = tables["label_messages"]
    for channel, table, key in (("sms", "sms", "sms_id"), ("chat", "chats", "chat_id")):
        ids = lm.filter(pc.equal(lm.column("channel"), channel)).column("message_id")
        assert sorted(ids.to_pylist()) == sorted(tables[table].column(key).to_pylist())
    assert set(lm.column("label").to_pylist()) == {"normal", *SCAM_CODES}


def test_call_labels_point_at_calls(tables: dict[str, pa.Table]) -> None:
    lc = tables["label_calls"]
    assert pc.max(lc.column("call_id")).as_py() < tables["calls"].num_rows
    scam = lc.filter(pc.not_equal(lc.column("label"), "normal"))
    callers = tables["calls"].column("caller").take(scam.column("call_id"))
    fraud_phones = tables["label_objects"].filter(
        pc.equal(tables["label_objects"].column("object_kind"), "phone")
    )
    # Every scam call comes from a labelled fraud number.
    assert pc.all(pc.is_in(callers, value_set=fraud_phones.column("identifier"))).as_py()


def test_atm_events_point_at_their_transactions(tables: dict[str, pa.Table]) -> None:
    atm, txn = tables["atm_events"], tables["transactions"]
    rows = txn.take(atm.column("txn_id"))
    assert rows.column("src_account").to_pylist() == atm.column("card_number").to_pylist()
    assert rows.column("amount_fen").to_pylist() == atm.column("amount_fen").to_pylist()
    assert rows.column("ts").to_pylist() == atm.column("ts").to_pylist()
    assert set(rows.column("dst_kind").to_pylist()) == {"cash"}
