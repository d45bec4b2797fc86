"""Identifier normalisation and check digits: every kind valid and malformed, with property tests."""

from __future__ import annotations

import ast
import hashlib
import ipaddress
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import ValidationFailed
from fanzha.identifiers import (
    KIND_LABELS,
    IdentifierKind,
    imei_check_digit,
    luhn_check_digit,
    luhn_valid,
    normalise,
    parse_kind,
    resident_id_check_char,
)
from fanzha.identifiers.checks import B58, segwit_address_valid

GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # Bitcoin P2PKH
P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"  # BIP 13 example
TRON_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
SEGWIT_V0 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP 173 test vector
TAPROOT = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"  # BIP 350 test vector

VALID = [
    ("phone", "138 0013 8000", "+8613800138000"),
    ("phone", "+86 138-0013-8000", "+8613800138000"),
    ("phone", "008613800138000", "+8613800138000"),
    ("phone", "86 13800138000", "+8613800138000"),
    ("phone", "013800138000", "+8613800138000"),  # long-distance 0 in front of a mobile
    ("phone", "８６１３８００１３８０００", "+8613800138000"),  # full-width digits pasted from a document
    ("phone", "138\u200b0013\u200b8000", "+8613800138000"),  # zero-width spaces from a chat app
    ("phone", "0731-8888 6666", "+8673188886666"),
    ("phone", "+86 (0731) 8888-6666", "+8673188886666"),
    ("phone", "86 731 8888 6666", "+8673188886666"),
    ("phone", "(010) 6552 8888", "+861065528888"),
    ("phone", "110", "110"),
    ("phone", "96110", "96110"),
    ("phone", "+86 95588", "95588"),
    ("phone", "400-820-8820", "4008208820"),
    ("phone", "1069 0000 1234", "106900001234"),
    ("phone", "+44 20 7946 0958", "+442079460958"),
    ("phone", "00855 12 345 678", "+85512345678"),
    ("bank_card", "4111-1111-1111-1111", "4111111111111111"),
    ("bank_card", " 6222 0212 3456 7890 128 ", "6222021234567890128"),
    ("payment_account", " AliPay : 2088123456789012 ", "alipay:2088123456789012"),
    ("payment_account", "支付宝：2088123456789012", "alipay:2088123456789012"),
    ("payment_account", "new-pay_2:ABC", "new-pay_2:ABC"),
    ("internet_account", "wechat:wxid_Abc123", "wechat:wxid_Abc123"),
    ("internet_account", "QQ:12345678", "qq:12345678"),
    ("internet_account", "抖音:dy123456", "douyin:dy123456"),
    ("url", "Example.COM/Login?x=1#top", "http://example.com/Login?x=1"),
    ("url", "HTTPS://Bank-Verify.example.com:443/", "https://bank-verify.example.com/"),
    ("url", "http://203.0.113.5:8080/a", "http://203.0.113.5:8080/a"),
    ("url", "http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
    ("url", "https://中国银行.网址/", "https://xn--fiqs8s856bruk.xn--ses554g/"),
    ("url", "https://中国银行。网址", "https://xn--fiqs8s856bruk.xn--ses554g/"),
    ("url", "hxxps://evil[.]example[.]com/login", "https://evil.example.com/login"),
    ("url", "example.com/?next=http://x.com", "http://example.com/?next=http://x.com"),
    ("url", "//example.com/a", "http://example.com/a"),
    ("url", "http://bank.com@evil.example/x", "http://evil.example/x"),
    ("url", "https://example.com/登录?q=中", "https://example.com/%E7%99%BB%E5%BD%95?q=%E4%B8%AD"),
    ("url", "https://example.com/%7euser/%2f?a=%4a", "https://example.com/~user/%2F?a=J"),
    ("url", "example.com:8080", "http://example.com:8080/"),
    ("domain", "WWW.Example.COM.", "www.example.com"),
    ("domain", "evil[.]example(.)com", "evil.example.com"),
    ("domain", "中国银行。网址", "xn--fiqs8s856bruk.xn--ses554g"),
    ("app", "com.example.FakeBank", "com.example.FakeBank"),
    ("app", "com.my-company.Wallet", "com.my-company.Wallet"),
    ("app", "SHA256:" + "AB" * 32, "sha256:" + "ab" * 32),
    ("app", "sha-256: " + "0f" * 32, "sha256:" + "0f" * 32),
    ("app", "CD" * 32, "sha256:" + "cd" * 32),
    ("imei", "49-015420-323751-8", "490154203237518"),
    ("imei", "IMEI: 49 015420 323751 8", "490154203237518"),
    ("imei", "49015420323751", "490154203237518"),
    ("ip", "2001:0DB8:0000::0001", "2001:db8::1"),
    ("ip", " 192.0.2.1 ", "192.0.2.1"),
    ("ip", "[2001:db8::1]", "2001:db8::1"),
    ("ip", "::ffff:192.0.2.1", "192.0.2.1"),
    ("ip", "198[.]51[.]100[.]7", "198.51.100.7"),
    ("wallet", "0xAbCdEf0123456789abcdef0123456789ABCDEF01", "0xabcdef0123456789abcdef0123456789abcdef01"),
    ("wallet", "0XABCDEF0123456789ABCDEF0123456789ABCDEF01", "0xabcdef0123456789abcdef0123456789abcdef01"),
    ("wallet", f" {GENESIS} ", GENESIS),
    ("wallet", P2SH, P2SH),
    ("wallet", TRON_USDT, TRON_USDT),
    ("wallet", SEGWIT_V0.upper(), SEGWIT_V0),
    ("wallet", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
    ("wallet", TAPROOT, TAPROOT),
    ("resident_id", "11010519491231002x", "11010519491231002X"),
    ("resident_id", "430102 19900307 5155", "430102199003075155"),
]

INVALID = [
    ("phone", "1234567"),
    ("phone", "1280013800"),
    ("phone", "12800138000"),  # 12x is not a mobile segment
    ("phone", "138001380001"),
    ("phone", "13800l38000"),  # a letter l for a 1
    ("phone", "+0123456789"),
    ("phone", "+12345"),
    ("phone", "+86 12345678901234"),
    ("phone", "0731-1888666"),  # local numbers never start with 0 or 1
    ("phone", ""),
    ("phone", "   "),
    ("phone", "138\t0013\t8000"),
    ("bank_card", "4111111111111112"),
    ("bank_card", "411111111111"),
    ("bank_card", "41111111111111111111"),
    ("bank_card", "4111x11111111111"),
    ("payment_account", "2088123456789012"),
    ("payment_account", "alipay:"),
    ("payment_account", "a:b"),
    ("payment_account", "alipay:b c"),
    ("payment_account", "alipay:" + "x" * 129),
    ("payment_account", "_pay:123"),
    ("internet_account", "微信 号:abc"),
    ("url", "ftp://example.com/"),
    ("url", "mailto:a@example.com"),
    ("url", "javascript:alert(1)"),
    ("url", "user@example.com"),
    ("url", "http://"),
    ("url", "http://exa mple.com"),
    ("url", "http://a.com:99999/"),
    ("url", "http://a.com:0/"),
    ("url", "http://a.com:8o/"),
    ("url", "localhost:8080"),
    ("url", "http://-bad.example/"),
    ("domain", "https://example.com/x"),
    ("domain", "example.com:8080"),
    ("domain", "user@example.com"),
    ("domain", "localhost"),
    ("domain", "-bad-.com"),
    ("domain", "a..com"),
    ("domain", "a.123"),
    ("domain", "192.0.2.1"),
    ("domain", "under_score.com"),
    ("domain", "a" * 64 + ".com"),
    ("domain", ".".join(["abcdefghi"] * 26) + ".com"),  # 263 characters
    ("app", "not a package"),
    ("app", "single"),
    ("app", "1com.example"),
    ("app", "sha256:xyz"),
    ("app", "sha256:" + "a" * 63),
    ("imei", "490154203237519"),
    ("imei", "4901542032"),
    ("imei", "49015420323751A"),
    ("imei", "4901542032375186"),  # a 16-digit IMEISV
    ("ip", "256.1.1.1"),
    ("ip", "10.0.0.0/8"),
    ("ip", "1.2.3.4:80"),
    ("ip", "192.168.001.1"),
    ("ip", "fe80::1%eth0"),
    ("ip", "example.com"),
    ("wallet", "0x123"),
    ("wallet", "0x" + "g" * 40),
    ("wallet", GENESIS[:-1] + "b"),  # checksum
    ("wallet", "T" + TRON_USDT[1:-1] + "u"),
    ("wallet", SEGWIT_V0[:-1] + "5"),
    ("wallet", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdqx"),
    ("wallet", "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9"),  # Litecoin is not supported
    ("wallet", "hello"),
    ("resident_id", "110105194912310021"),  # check character
    ("resident_id", "110105194913310028"),  # month 13
    ("resident_id", "110105189912310025"),  # born before 1900
    ("resident_id", "110105491231002"),  # old 15-digit number
    ("resident_id", "910105194912310021"),  # region code 9
    ("resident_id", "11010519491231002Y"),
    ("resident_id", "1101051949123100"),
]


@pytest.mark.parametrize(("kind", "raw", "canonical"), VALID)
def test_messy_valid_input_normalises_to_the_canonical_form(kind: str, raw: str, canonical: str) -> None:
    identifier = normalise(kind, raw)
    assert identifier.value == canonical
    assert identifier.kind is IdentifierKind(kind)


@pytest.mark.parametrize(("kind", "raw", "canonical"), VALID)
def test_normalising_the_canonical_form_changes_nothing(kind: str, raw: str, canonical: str) -> None:
    assert normalise(kind, canonical).value == canonical


@pytest.mark.parametrize(("kind", "raw"), INVALID)
def test_malformed_input_of_every_kind_is_rejected_naming_the_field(kind: str, raw: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        normalise(kind, raw, field="items.3.value")
    assert error.value.field == "items.3.value"
    # A specific message in both languages, not the generic "invalid input".
    assert error.value.message_zh != ValidationFailed.message_zh
    assert error.value.message_en != ValidationFailed.message_en
    assert any("\u4e00" <= c <= "\u9fff" for c in error.value.message_zh)


@pytest.mark.parametrize(("kind", "raw"), INVALID[::7])
def test_the_field_defaults_to_value(kind: str, raw: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        normalise(kind, raw)
    assert error.value.field == "value"


def test_every_kind_has_valid_and_invalid_cases_and_labels() -> None:
    kinds = {k.value for k in IdentifierKind}
    assert {k for k, _, _ in VALID} == kinds
    assert {k for k, _ in INVALID} == kinds
    assert set(KIND_LABELS) == set(IdentifierKind)
    for kind in IdentifierKind:
        assert any("\u4e00" <= c <= "\u9fff" for c in kind.label_zh)
        assert kind.label_en.isascii() and kind.label_en


def test_kinds_are_parsed_leniently_and_unknown_ones_name_the_kind_field() -> None:
    assert parse_kind(" PHONE ") is IdentifierKind.PHONE
    assert normalise(IdentifierKind.IMEI, "49015420323751").kind is IdentifierKind.IMEI
    with pytest.raises(ValidationFailed) as error:
        normalise("nonsense", "x", field="items.0.value")
    assert error.value.field == "kind" and "phone" in error.value.message_en


def test_text_is_required() -> None:
    with pytest.raises(ValidationFailed) as error:
        normalise("phone", 13800138000, field="tel")  # type: ignore[arg-type]
    assert error.value.field == "tel"


def test_specific_messages_tell_what_is_wrong() -> None:
    cases = {
        ("phone", "12800138000"): "mobile prefix",
        ("bank_card", "4111111111111112"): "Luhn",
        ("bank_card", "411111111111"): "16-19",
        ("domain", "https://example.com/"): "use kind url",
        ("domain", "192.0.2.1"): "use kind ip",
        ("resident_id", "110105491231002"): "18-digit",
        ("resident_id", "110105194912310021"): "check character",
        ("imei", "490154203237519"): "check digit",
        ("wallet", GENESIS[:-1] + "b"): "checksum",
    }
    for (kind, raw), words in cases.items():
        with pytest.raises(ValidationFailed, match=words):
            normalise(kind, raw)


@given(st.text(alphabet="0123456789", min_size=15, max_size=18))
def test_luhn_numbers_pass_and_every_single_digit_change_fails(body: str) -> None:
    number = body + luhn_check_digit(body)
    assert luhn_valid(number) and normalise("bank_card", number).value == number
    for position in range(len(number)):
        for step in range(1, 10):
            changed = number[:position] + str((int(number[position]) + step) % 10) + number[position + 1 :]
            assert not luhn_valid(changed)
            with pytest.raises(ValidationFailed):
                normalise("bank_card", changed)


def test_luhn_helpers_match_known_numbers() -> None:
    assert luhn_check_digit("7992739871") == "3"  # the textbook example
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    assert not luhn_valid("4") and not luhn_valid("4111-1111")
    assert imei_check_digit("49015420323751") == "8"
    assert resident_id_check_char("11010519491231002") == "X"


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
            with pytest.raises(ValidationFailed, match="check character"):
                normalise("resident_id", first17 + wrong)


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_imeis_get_and_check_their_digit(first14: str) -> None:
    full = first14 + imei_check_digit(first14)
    assert (
        normalise("imei", first14).value
        == full
        == normalise("imei", f"{full[:2]}-{full[2:8]}-{full[8:]}").value
    )
    wrong = full[:-1] + str((int(full[-1]) + 1) % 10)
    with pytest.raises(ValidationFailed):
        normalise("imei", wrong)


@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_ip_addresses_round_trip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    value = normalise("ip", address.exploded).value
    mapped = getattr(address, "ipv4_mapped", None)
    assert ipaddress.ip_address(value) == (mapped or address)
    assert value == str(mapped or address) == normalise("ip", value).value


def _dress_phone(number: str, style: int) -> str:
    """The ways people write a mainland mobile number."""
    return [
        number,
        f"{number[:3]} {number[3:7]} {number[7:]}",
        f"+86 {number[:3]}-{number[3:7]}-{number[7:]}",
        f"0086{number}",
        f"86({number[:3]}){number[3:]}",
        f"  +86{number}\u3000",
    ][style]


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.integers(0, 5))
def test_mobile_numbers_in_any_dress_normalise_alike(number: str, style: int) -> None:
    assert normalise("phone", _dress_phone(number, style)).value == "+86" + number


def _b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _base58check(version: int, payload: bytes) -> str:
    body = bytes([version]) + payload
    return _b58encode(body + hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4])


@given(st.sampled_from([0x00, 0x05, 0x41]), st.binary(min_size=20, max_size=20), st.data())
def test_generated_base58_wallets_pass_and_a_changed_character_fails(
    version: int, payload: bytes, data: st.DataObject
) -> None:
    address = _base58check(version, payload)
    assert address[0] == {0x00: "1", 0x05: "3", 0x41: "T"}[version]
    assert normalise("wallet", address).value == address
    position = data.draw(st.integers(1, len(address) - 1))
    replacement = data.draw(st.sampled_from([c for c in B58 if c != address[position]]))
    with pytest.raises(ValidationFailed):
        normalise("wallet", address[:position] + replacement + address[position + 1 :])


@pytest.mark.parametrize("address", [SEGWIT_V0, TAPROOT])
def test_any_single_character_change_of_a_segwit_address_fails(address: str) -> None:
    assert segwit_address_valid(address)
    for position in range(4, len(address)):
        for replacement in "qpzry9x8gf2tvdw0s3jn54khce6mua7l":
            if replacement != address[position]:
                assert not segwit_address_valid(address[:position] + replacement + address[position + 1 :])


_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_DOMAIN = st.lists(_LABEL, min_size=1, max_size=3).map(lambda labels: ".".join([*labels, "com"]))
_PATH = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,8}){0,3}", fullmatch=True)


@given(
    kind_raw=st.one_of(
        st.tuples(st.just("phone"), st.from_regex(r"\+?(86)?1[3-9][0-9]{9}", fullmatch=True)),
        st.tuples(
            st.just("phone"), st.from_regex(r"0(10|2[0-9]|[3-9][0-9]{2})-?[2-9][0-9]{7}", fullmatch=True)
        ),
        st.tuples(st.just("phone"), st.from_regex(r"\+[1-7][0-9]{6,14}", fullmatch=True)),
        st.tuples(st.just("domain"), _DOMAIN.map(str.upper)),
        st.tuples(
            st.just("url"),
            st.tuples(st.sampled_from(["", "http://", "HTTPS://"]), _DOMAIN, _PATH).map("".join),
        ),
        st.tuples(
            st.just("internet_account"), st.from_regex(r"[A-Za-z0-9]{2,8}:[!-~]{1,20}", fullmatch=True)
        ),
        st.tuples(
            st.just("app"),
            st.from_regex(r"[a-z][a-z0-9_]{0,6}(\.[A-Za-z][A-Za-z0-9_]{0,6}){1,3}", fullmatch=True),
        ),
        st.tuples(st.just("ip"), st.ip_addresses().map(str)),
    )
)
def test_normalise_is_idempotent(kind_raw: tuple[str, str]) -> None:
    kind, raw = kind_raw
    once = normalise(kind, raw)  # every generated input is valid, so this must not raise
    assert normalise(kind, once.value) == once


def test_the_pure_modules_import_only_the_standard_library_and_the_error_types() -> None:
    package = Path(__file__).resolve().parents[2] / "src" / "fanzha" / "identifiers"
    allowed_fanzha = {"fanzha.core.errors", "fanzha.identifiers.checks", "fanzha.identifiers.text"}
    allowed_fanzha.add("fanzha.identifiers.hosts")
    for name in ("domain.py", "checks.py", "text.py", "hosts.py"):
        tree = ast.parse((package / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for module in modules:
                top = module.split(".")[0]
                assert top in sys.stdlib_module_names or module in allowed_fanzha, (name, module)
