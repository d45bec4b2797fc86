"""Every identifier the simulator writes is already in its canonical, validated form."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fanzha.identifiers import normalise

# (table, column, identifier kind)
COLUMNS = [
    ("phone_cards", "msisdn", "phone"),
    ("bank_cards", "bound_phone", "phone"),
    ("payment_accounts", "bound_phone", "phone"),
    ("internet_accounts", "registered_phone", "phone"),
    ("calls", "caller", "phone"),
    ("calls", "callee", "phone"),
    ("sms", "sender", "phone"),
    ("sms", "receiver", "phone"),
    ("bank_cards", "card_number", "bank_card"),
    ("payment_accounts", "linked_card_number", "bank_card"),
    ("atm_events", "card_number", "bank_card"),
    ("payment_accounts", "account", "payment_account"),
    ("internet_accounts", "account", "internet_account"),
    ("chats", "sender", "internet_account"),
    ("chats", "receiver", "internet_account"),
    ("urls", "url", "url"),
    ("web_visits", "url", "url"),
    ("app_installs", "download_url", "url"),
    ("urls", "domain", "domain"),
    ("web_visits", "domain", "domain"),
    ("apps", "package", "app"),
    ("app_installs", "package", "app"),
    ("devices", "imei", "imei"),
    ("calls", "caller_imei", "imei"),
    ("sms", "sender_imei", "imei"),
    ("web_visits", "imei", "imei"),
    ("internet_accounts", "registered_ip", "ip"),
    ("chats", "sender_ip", "ip"),
    ("web_visits", "ip", "ip"),
    ("wallets", "address", "wallet"),
    ("people", "resident_id", "resident_id"),
    ("phone_cards", "holder_resident_id", "resident_id"),
    ("bank_cards", "holder_resident_id", "resident_id"),
]


@pytest.mark.parametrize(("table", "column", "kind"), COLUMNS)
def test_identifiers_are_canonical(tables: dict[str, pa.Table], table: str, column: str, kind: str) -> None:
    values = pc.unique(tables[table].column(column).drop_null()).to_pylist()
    assert values, f"{table}.{column} is empty"
    bad = [v for v in values if normalise(kind, v).value != v]
    assert not bad, f"{len(bad)} non-canonical {kind} values, e.g. {bad[:3]}"


def test_label_identifiers_are_canonical(tables: dict[str, pa.Table]) -> None:
    t = tables["label_objects"].to_pylist()
    assert all(normalise(r["object_kind"], r["identifier"]).value == r["identifier"] for r in t)


def test_phone_segments_route_every_card(tables: dict[str, pa.Table]) -> None:
    seg = {r["prefix"]: r["operator_code"] for r in tables["phone_segments"].to_pylist()}
    for r in tables["phone_cards"].select(["msisdn", "segment", "operator_code"]).to_pylist():
        national = r["msisdn"][3:]
        prefix = national[:4] if national[:4] in seg else national[:3]
        assert prefix == r["segment"] and seg[prefix] == r["operator_code"]


def test_bins_route_every_bank_card(tables: dict[str, pa.Table]) -> None:
    bins = {r["bin"]: r for r in tables["bank_bins"].to_pylist()}
    for r in tables["bank_cards"].select(["card_number", "bank_code", "bin"]).to_pylist():
        b = bins[r["card_number"][:6]]
        assert b["bin"] == r["bin"] and b["bank_code"] == r["bank_code"]
        assert len(r["card_number"]) == b["card_length"]


def test_resident_ids_match_birth_date_and_sex(tables: dict[str, pa.Table]) -> None:
    for r in tables["people"].select(["resident_id", "birth_date", "sex", "home_region_code"]).to_pylist():
        rid = r["resident_id"]
        assert rid[6:14] == r["birth_date"].strftime("%Y%m%d")
        assert (int(rid[16]) % 2 == 1) == (r["sex"] == "M")
        assert rid[:6] == r["home_region_code"][:6]


def test_holdings_identifiers_are_unique(tables: dict[str, pa.Table]) -> None:
    for table, column in [
        ("people", "resident_id"),
        ("phone_cards", "msisdn"),
        ("bank_cards", "card_number"),
        ("payment_accounts", "account"),
        ("internet_accounts", "account"),
        ("devices", "imei"),
    ]:
        col = tables[table].column(column)
        assert len(pc.unique(col)) == len(col), f"{table}.{column} has duplicates"
