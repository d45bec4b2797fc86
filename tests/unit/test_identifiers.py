"""Identifier normalisation, check digits, tokens and encryption, with property tests."""

from __future__ import annotations

import ipaddress
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import ValidationFailed
from fanzha.identifiers import (
    Identifier,
    IdentifierKind,
    IdentifierVault,
    imei_check_digit,
    luhn_check_digit,
    luhn_valid,
    normalise,
    resident_id_check_char,
)

VAULT = IdentifierVault(b"k" * 32, b"e" * 16)

VALID = [
    ("phone", "138 0013 8000", "+8613800138000"),
    ("phone", "+86 138-0013-8000", "+8613800138000"),
    ("phone", "008613800138000", "+8613800138000"),
    ("phone", "８６１３８００１３８０００", "+8613800138000"),  # full-width digits pasted from a document
    ("phone", "0731-8888 6666", "+8673188886666"),
    ("phone", "(010) 6552 8888", "+861065528888"),
    ("phone", "96110", "96110"),
    ("phone", "+44 20 7946 0958", "+442079460958"),
    ("bank_card", "4111-1111-1111-1111", "4111111111111111"),
    ("payment_account", " AliPay : 2088123456789012 ", "alipay:2088123456789012"),
    ("internet_account", "wechat:wxid_Abc123", "wechat:wxid_Abc123"),
    ("url", "Example.COM/Login?x=1#top", "http://example.com/Login?x=1"),
    ("url", "HTTPS://Bank-Verify.example.com:443/", "https://bank-verify.example.com/"),
    ("url", "http://203.0.113.5:8080/a", "http://203.0.113.5:8080/a"),
    ("url", "https://中国银行.网址/", "https://xn--fiqs8s856bruk.xn--ses554g/"),
    ("domain", "WWW.Example.COM.", "www.example.com"),
    ("app", "com.example.FakeBank", "com.example.FakeBank"),
    ("app", "SHA256:" + "AB" * 32, "sha256:" + "ab" * 32),
    ("imei", "49-015420-323751-8", "490154203237518"),
    ("imei", "49015420323751", "490154203237518"),
    ("ip", "2001:0DB8:0000::0001", "2001:db8::1"),
    ("ip", " 192.0.2.1 ", "192.0.2.1"),
    ("wallet", "0xAbCdEf0123456789abcdef0123456789ABCDEF01", "0xabcdef0123456789abcdef0123456789abcdef01"),
    ("wallet", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
    ("wallet", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
    ("resident_id", "11010519491231002x", "11010519491231002X"),
]

INVALID = [
    ("phone", "1234567"),
    ("phone", "1280013800"),
    ("phone", "12800138000"),
    ("phone", "138001380001"),
    ("phone", "13800l38000"),
    ("phone", "+0123456789"),
    ("phone", ""),
    ("bank_card", "4111111111111112"),
    ("bank_card", "411111111111"),
    ("bank_card", "4111x11111111111"),
    ("payment_account", "2088123456789012"),
    ("payment_account", "alipay:"),
    ("payment_account", "a:b c"),
    ("internet_account", "微信 号:abc"),
    ("url", "ftp://example.com/"),
    ("url", "http://"),
    ("url", "http://exa mple.com"),
    ("url", "http://a.com:99999/"),
    ("domain", "https://example.com/x"),
    ("domain", "localhost"),
    ("domain", "-bad-.com"),
    ("domain", "a.123"),
    ("app", "not a package"),
    ("app", "sha256:xyz"),
    ("imei", "490154203237519"),
    ("imei", "4901542032"),
    ("imei", "49015420323751A"),
    ("ip", "256.1.1.1"),
    ("ip", "10.0.0.0/8"),
    ("wallet", "0x123"),
    ("wallet", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"),
    ("wallet", "hello"),
    ("resident_id", "110105194912310021"),
    ("resident_id", "110105194913310028"),
    ("resident_id", "110105491231002"),
    ("resident_id", "910105194912310021"),
    ("nonsense", "x"),
]


@pytest.mark.parametrize(("kind", "raw", "canonical"), VALID)
def test_messy_valid_input_normalises_to_the_canonical_form(kind: str, raw: str, canonical: str) -> None:
    assert normalise(kind, raw).value == canonical


@pytest.mark.parametrize(("kind", "raw"), INVALID)
def test_malformed_input_of_every_kind_is_rejected_naming_the_field(kind: str, raw: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        normalise(kind, raw, field="items.3.value")
    assert error.value.field == ("kind" if kind == "nonsense" else "items.3.value")
    assert error.value.message_zh and error.value.message_en


def test_every_kind_has_a_valid_and_an_invalid_case() -> None:
    kinds = {k.value for k in IdentifierKind}
    assert {k for k, _, _ in VALID} == kinds
    assert {k for k, _ in INVALID} >= kinds


@pytest.mark.parametrize(("kind", "raw", "canonical"), VALID)
def test_normalising_is_idempotent(kind: str, raw: str, canonical: str) -> None:
    assert normalise(kind, canonical).value == canonical


def test_protected_service_numbers_are_not_confused_with_mobiles() -> None:
    assert normalise("phone", "110").value == "110" and normalise("phone", "95588").value == "95588"


@given(st.text(alphabet="0123456789", min_size=15, max_size=18))
def test_luhn_numbers_pass_and_any_single_digit_change_fails(body: str) -> None:
    number = body + luhn_check_digit(body)
    assert luhn_valid(number) and normalise("bank_card", number).value == number
    for position in range(len(number)):
        changed = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
        assert not luhn_valid(changed)


@given(
    region=st.integers(110000, 829999),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    sequence=st.integers(0, 999),
)
def test_resident_ids_with_the_right_check_character_pass_and_wrong_ones_fail(
    region: int, born: date, sequence: int
) -> None:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    good = first17 + resident_id_check_char(first17)
    assert normalise("resident_id", good.lower()).value == good
    for wrong in "0123456789X":
        if wrong != good[-1]:
            with pytest.raises(ValidationFailed):
                normalise("resident_id", first17 + wrong)


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_imeis_get_and_check_their_digit(first14: str) -> None:
    full = first14 + imei_check_digit(first14)
    assert normalise("imei", first14).value == full == normalise("imei", full).value


@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_ip_addresses_round_trip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    assert ipaddress.ip_address(normalise("ip", str(address.exploded)).value) == address


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "+86", "86", "0086", "+86 "]))
def test_mobile_numbers_in_any_dress_are_one_token(number: str, prefix: str) -> None:
    dressed = prefix + f"{number[:3]} {number[3:7]}-{number[7:]}"
    assert VAULT.token_of("phone", dressed)[1] == VAULT.token_of("phone", number)[1]


def test_tokens_are_deterministic_keyed_and_kind_separated() -> None:
    ident = normalise("phone", "13800138000")
    assert VAULT.token(ident) == VAULT.token(Identifier(IdentifierKind.PHONE, "+8613800138000"))
    assert len(VAULT.token(ident)) == 64
    other_key = IdentifierVault(b"x" * 32, b"e" * 16)
    assert other_key.token(ident) != VAULT.token(ident)
    same_text = Identifier(IdentifierKind.INTERNET_ACCOUNT, ident.value)
    assert VAULT.token(same_text) != VAULT.token(ident)


@given(st.sampled_from(VALID))
def test_encryption_round_trips_and_is_bound_to_its_row(case: tuple[str, str, str]) -> None:
    kind, raw, _ = case
    ident, token = VAULT.token_of(kind, raw)
    blob = VAULT.encrypt(ident)
    assert VAULT.decrypt(kind, token, blob) == ident
    assert ident.value.encode() not in blob
    with pytest.raises(ValidationFailed):
        VAULT.decrypt(kind, "0" * 64, blob)  # moved to another row
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(ValidationFailed):
        VAULT.decrypt(kind, token, tampered)


def test_masks_hide_the_middle() -> None:
    assert VAULT.mask(normalise("phone", "13800138000")) == "+86138****8000"
    assert VAULT.mask(normalise("bank_card", "4111111111111111")) == "4111 **** **** 1111"
    assert VAULT.mask(normalise("resident_id", "11010519491231002X")) == "110105********002X"
    assert VAULT.mask(normalise("payment_account", "alipay:2088123456")) == "alipay:20***56"


def test_keys_of_the_wrong_size_are_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        IdentifierVault(b"short", b"e" * 16)
    with pytest.raises(ValueError, match="16"):
        IdentifierVault(b"k" * 32, b"e" * 8)
