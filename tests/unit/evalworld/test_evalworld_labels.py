"""The truth tables point at rows that exist and agree with them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ID_COLUMN = {
    "phone_cards": ("card_id", "msisdn"),
    "bank_cards": ("card_id", "card_number"),
    "payment_accounts": ("account_id", "account"),
    "internet_accounts": ("account_id", "account"),
    "urls": ("url_id", "url"),
    "apps": ("app_id", "package"),
    "devices": ("device_id", "imei"),
    "wallets": ("wallet_id", "address"),
    "people": ("person_id", "resident_id"),
}
VALUE_COLUMNS = {
    "calls": ["caller"],
    "chats": ["sender_ip"],
    "urls": ["domain"],
    "line_records": ["line_number"],
    "otc_trades": ["account"],
}


def _t(world: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(world / f"{name}.parquet")


def test_label_objects_exist(world: Path) -> None:
    objs = _t(world, "label_objects")
    assert len(objs) > 0
    groups = set(_t(world, "label_groups").group_id)
    for table, rows in objs.groupby("source_table"):
        src = _t(world, str(table))
        keyed = rows[rows.object_id.notna()]
        if len(keyed):
            key, col = ID_COLUMN[str(table)]
            ident = dict(zip(src[key], src[col], strict=True))
            for oid, value in zip(keyed.object_id.astype(int), keyed.identifier, strict=True):
                assert ident.get(oid) == value, (table, oid, value)
        by_value = rows[rows.object_id.isna()]
        if len(by_value):
            present = set().union(*(set(src[c]) for c in VALUE_COLUMNS[str(table)]))
            missing = set(by_value.identifier) - present
            assert not missing, (table, sorted(missing)[:5])
    assert set(objs.group_id.dropna().astype(int)) <= groups
    assert objs[objs.group_id.isna()].role.eq("trader").all()


def test_label_cases_point_at_people(world: Path) -> None:
    cases = _t(world, "label_cases")
    people = _t(world, "people").set_index("person_id")
    assert len(cases) > 0
    assert cases.person_id.is_unique
    for row in cases.itertuples():
        assert people.loc[row.person_id, "resident_id"] == row.resident_id
        assert people.loc[row.person_id, "age"] == row.age
    assert set(cases.group_id) <= set(_t(world, "label_groups").group_id)
    victims = cases[cases.outcome == "victim"]
    assert (
        (victims.n_payments > 0).all()
        and (victims.loss_fen > 0).all()
        and victims.first_payment_at.notna().all()
    )
    engaged = cases[cases.outcome == "engaged"]
    assert (engaged.n_payments == 0).all() and (engaged.loss_fen == 0).all()


def test_label_money_matches_transactions(world: Path) -> None:
    money = _t(world, "label_money")
    tx = _t(world, "transactions").set_index("txn_id")
    cases = _t(world, "label_cases").set_index("case_id")
    assert set(money.txn_id) <= set(tx.index)
    assert set(money.case_id) <= set(cases.index)
    hop0 = money[money.hop == 0]
    assert (hop0.pattern == "victim_payment").all()
    paid = hop0.merge(tx, left_on="txn_id", right_index=True).groupby("case_id").amount_fen.sum()
    for case_id, total in paid.items():
        assert cases.loc[case_id, "loss_fen"] == total
    atm = money[money.pattern == "atm_cashout"]
    assert (tx.loc[atm.txn_id, "channel"] == "atm").all()
    crypto = money[money.pattern == "crypto"]
    assert (tx.loc[crypto.txn_id, "dst_kind"] == "wallet").all()


def test_label_messages_cover_every_message_once(world: Path) -> None:
    lm = _t(world, "label_messages")
    for channel, table, key in (("sms", "sms", "sms_id"), ("chat", "chats", "chat_id")):
        ids = lm[lm.channel == channel].message_id
        assert ids.is_unique
        assert set(ids) == set(_t(world, table)[key])
    scripted = lm[lm.category.isin(["scam_script", "victim_reply"])]
    assert scripted.case_id.notna().all() and scripted.stage.notna().all()
    assert set(scripted.case_id.astype(int)) <= set(_t(world, "label_cases").case_id)
    assert (lm[lm.category.isin(["family", "work", "friend"])].label == "normal").all()


@pytest.mark.parametrize("category", ["scam_script", "scam_broadcast"])
def test_label_calls_point_at_calls(world: Path, category: str) -> None:
    lc = _t(world, "label_calls")
    calls = _t(world, "calls").set_index("call_id")
    assert set(lc.call_id) <= set(calls.index)
    rows = lc[lc.category == category]
    assert len(rows) > 0
    assert (rows.label != "normal").all()
    if category == "scam_script":
        assert rows.case_id.notna().all()
        assert set(rows.case_id.astype(int)) <= set(_t(world, "label_cases").case_id)
    assert (lc[lc.category.isin(["police_dissuasion", "call_centre"])].label == "normal").all()


def test_atm_events_match_transactions(world: Path) -> None:
    atm = _t(world, "atm_events")
    tx = _t(world, "transactions").set_index("txn_id")
    rows = tx.loc[atm.txn_id]
    assert (rows.channel == "atm").all()
    assert (rows.src_account.to_numpy() == atm.card_number.to_numpy()).all()
    assert (rows.amount_fen.to_numpy() == atm.amount_fen.to_numpy()).all()
    assert (rows.dst_account.to_numpy() == ("atm:" + atm.atm_id).to_numpy()).all()
