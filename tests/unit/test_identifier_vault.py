"""Keyed tokens, SM4-GCM encryption bound to its row, and display masks."""

from __future__ import annotations

import hmac as std_hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import ValidationFailed
from fanzha.core.sm import hmac_sm3
from fanzha.identifiers import Identifier, IdentifierKind, IdentifierVault, normalise

TOKEN_KEY = bytes(range(32))
ENCRYPTION_KEY = bytes(range(100, 116))
VAULT = IdentifierVault(TOKEN_KEY, ENCRYPTION_KEY)

SAMPLES = [
    ("phone", "138 0013 8000"),
    ("phone", "0731-8888 6666"),
    ("bank_card", "6222021234567890128"),
    ("payment_account", "alipay:2088123456789012"),
    ("internet_account", "wechat:wxid_Abc123"),
    ("url", "https://中国银行.网址/登录"),
    ("domain", "www.example.com"),
    ("app", "com.example.FakeBank"),
    ("imei", "490154203237518"),
    ("ip", "2001:db8::1"),
    ("wallet", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    ("resident_id", "11010519491231002X"),
]


def test_the_token_is_hmac_sm3_over_kind_and_value() -> None:
    identifier = normalise("phone", "13800138000")
    expected = hmac_sm3(TOKEN_KEY, b"phone\x1f+8613800138000").hex()
    token = VAULT.token(identifier)
    assert token == expected
    assert len(token) == 64 and token == token.lower() and int(token, 16) >= 0


def test_tokens_are_deterministic_keyed_and_kind_separated() -> None:
    identifier = normalise("phone", "13800138000")
    assert VAULT.token(identifier) == VAULT.token(Identifier(IdentifierKind.PHONE, "+8613800138000"))
    assert IdentifierVault(TOKEN_KEY, b"\0" * 16).token(identifier) == VAULT.token(identifier)
    assert IdentifierVault(b"x" * 32, ENCRYPTION_KEY).token(identifier) != VAULT.token(identifier)
    assert VAULT.token(Identifier(IdentifierKind.INTERNET_ACCOUNT, identifier.value)) != VAULT.token(
        identifier
    )


@given(
    st.text(min_size=1, max_size=40),
    st.sampled_from(list(IdentifierKind)),
    st.sampled_from(list(IdentifierKind)),
)
def test_the_same_text_under_two_kinds_never_shares_a_token(
    value: str, first: IdentifierKind, second: IdentifierKind
) -> None:
    one, two = Identifier(first, value), Identifier(second, value)
    assert VAULT.token(one) == VAULT.token(Identifier(first, value))  # deterministic
    assert (VAULT.token(one) == VAULT.token(two)) == (first is second)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_token_of_normalises_first(number: str) -> None:
    dressed = f"+86 {number[:3]}-{number[3:7]} {number[7:]}"
    identifier, token = VAULT.token_of("phone", dressed)
    assert identifier == Identifier(IdentifierKind.PHONE, "+86" + number)
    assert token == VAULT.token(identifier) == VAULT.token_of(IdentifierKind.PHONE, number)[1]


def test_token_of_reports_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        VAULT.token_of("phone", "not a number", field="rows.7.value")
    assert error.value.field == "rows.7.value"


@given(st.sampled_from(SAMPLES))
def test_encryption_round_trips_and_hides_the_value(case: tuple[str, str]) -> None:
    identifier, token = VAULT.token_of(*case)
    blob = VAULT.encrypt(identifier)
    assert VAULT.decrypt(identifier.kind.value, token, blob) == identifier
    assert VAULT.decrypt(identifier.kind, token, VAULT.encrypt(identifier, token)) == identifier
    assert identifier.value.encode() not in blob
    assert VAULT.encrypt(identifier) != blob  # a fresh nonce every time


@given(st.sampled_from(SAMPLES), st.data())
def test_any_altered_byte_is_detected(case: tuple[str, str], data: st.DataObject) -> None:
    identifier, token = VAULT.token_of(*case)
    blob = VAULT.encrypt(identifier)
    position = data.draw(st.integers(0, len(blob) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = blob[:position] + bytes([blob[position] ^ flip]) + blob[position + 1 :]
    with pytest.raises(ValidationFailed) as error:
        VAULT.decrypt(identifier.kind, token, tampered)
    assert error.value.field == "ciphertext"


def test_a_ciphertext_cannot_be_moved_to_another_row_kind_or_key() -> None:
    identifier, token = VAULT.token_of("phone", "13800138000")
    other_token = VAULT.token_of("phone", "13900139000")[1]
    blob = VAULT.encrypt(identifier)
    for kind, row_token in [("phone", other_token), ("internet_account", token), ("phone", token.upper())]:
        with pytest.raises(ValidationFailed):
            VAULT.decrypt(kind, row_token, blob)
    with pytest.raises(ValidationFailed):
        IdentifierVault(TOKEN_KEY, b"\1" * 16).decrypt("phone", token, blob)
    for short in (b"", blob[:20], blob[:-1]):
        with pytest.raises(ValidationFailed):
            VAULT.decrypt("phone", token, short)
    with pytest.raises(ValidationFailed) as error:
        VAULT.decrypt("nonsense", token, blob)
    assert error.value.field == "kind"


MASKS = [
    ("phone", "13812345678", "+86138****5678"),
    ("phone", "0731-8888 6666", "+86731****6666"),
    ("phone", "+44 20 7946 0958", "+4420****0958"),
    ("phone", "95588", "95588"),  # a bank's published service number
    ("bank_card", "6222021234567890128", "6222 **** **** 0128"),
    ("resident_id", "430102199003075155", "430102********5155"),
    ("payment_account", "alipay:2088123456", "alipay:20***56"),
    ("internet_account", "qq:1234", "qq:1***"),
    ("imei", "490154203237518", "49015420*****18"),
    ("wallet", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "TR7NHq…Lj6t"),
    ("domain", "www.example.com", "www.example.com"),
]


@pytest.mark.parametrize(("kind", "raw", "masked"), MASKS)
def test_masks_hide_the_personal_part(kind: str, raw: str, masked: str) -> None:
    identifier = normalise(kind, raw)
    assert VAULT.mask(identifier) == masked


@pytest.mark.parametrize(("kind", "raw", "masked"), [m for m in MASKS if "*" in m[2]])
def test_masks_never_show_the_whole_value(kind: str, raw: str, masked: str) -> None:
    value = normalise(kind, raw).value
    personal = value.partition(":")[2] if ":" in value else value  # the platform key is not personal
    shown = masked.partition(":")[2] if ":" in value else masked
    assert personal not in shown
    assert sum(c.isalnum() for c in shown) <= 0.75 * len(personal)


def test_keys_of_the_wrong_size_are_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        IdentifierVault(b"short", ENCRYPTION_KEY)
    with pytest.raises(ValueError, match="16"):
        IdentifierVault(TOKEN_KEY, b"e" * 8)


def test_the_vault_is_built_from_the_hex_keys_in_settings() -> None:
    vault = IdentifierVault.from_settings_keys(TOKEN_KEY.hex(), ENCRYPTION_KEY.hex())
    identifier = normalise("imei", "49015420323751")
    assert std_hmac.compare_digest(vault.token(identifier), VAULT.token(identifier))
    assert VAULT.decrypt("imei", VAULT.token(identifier), vault.encrypt(identifier)) == identifier
    with pytest.raises(ValueError, match="token key is not valid hex"):
        IdentifierVault.from_settings_keys("zz" * 32, ENCRYPTION_KEY.hex())
    with pytest.raises(ValueError, match="encryption key is not valid hex"):
        IdentifierVault.from_settings_keys(TOKEN_KEY.hex(), "not hex")
    with pytest.raises(ValueError, match="16 bytes"):
        IdentifierVault.from_settings_keys(TOKEN_KEY.hex(), ENCRYPTION_KEY.hex()[:-2])
