"""Identifier core speed: keyed tokens (HMAC-SM3) and normalisation per kind.

Baselines in the same run: what a user would otherwise reach for to hash identifiers, plain SHA-256
(unkeyed, so anyone can reverse a phone number by enumeration) and keyed BLAKE2b, both from hashlib.

    python bench/identifiers.py --quick     # 50 k identifiers, a few seconds
    python bench/identifiers.py             # 200 k identifiers
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable

from fanzha.identifiers import (
    Identifier,
    IdentifierKind,
    IdentifierVault,
    luhn_check_digit,
    normalise,
    resident_id_check_char,
)

TOKEN_KEY = bytes(range(32))
ENCRYPTION_KEY = bytes(range(16))
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def best_rate(n: int, run: Callable[[], object], repeats: int) -> float:
    """Items per second of the fastest of `repeats` runs over n items."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return n / best


def slowed(function: Callable[[Identifier], str], micros: int) -> Callable[[Identifier], str]:
    """The same function, made slower by a busy wait of `micros` per call."""

    def slow(identifier: Identifier) -> str:
        until = time.perf_counter() + micros / 1e6
        while time.perf_counter() < until:
            pass
        return function(identifier)

    return slow


def base58check(version: int, payload: bytes) -> str:
    """A Base58Check address (Bitcoin 0x00 / 0x05, TRON 0x41)."""
    body = bytes([version]) + payload
    number = int.from_bytes(body + hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4], "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = B58[digit] + out
    return "1" * (len(body) - len(body.lstrip(b"\0"))) + out


def messy_inputs(kind: IdentifierKind, n: int) -> list[str]:
    """n distinct valid inputs of `kind` written the way analysts paste them."""
    out: list[str] = []
    for i in range(n):
        if kind is IdentifierKind.PHONE:
            digits = f"139{i:08d}"
            out.append(f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}")
        elif kind is IdentifierKind.BANK_CARD:
            body = f"622202{i:012d}"
            card = body + luhn_check_digit(body)
            out.append(" ".join(card[j : j + 4] for j in range(0, len(card), 4)))
        elif kind in (IdentifierKind.PAYMENT_ACCOUNT, IdentifierKind.INTERNET_ACCOUNT):
            out.append(f" AliPay : 2088{i:012d}")
        elif kind is IdentifierKind.URL:
            out.append(f"HTTPS://Pay-{i}.Example.COM:443/login?id={i}#top")
        elif kind is IdentifierKind.DOMAIN:
            out.append(f"WWW.Fake-Bank-{i}.COM.")
        elif kind is IdentifierKind.APP:
            out.append(f"com.fake{i}.Wallet")
        elif kind is IdentifierKind.IMEI:
            out.append(f"35-{i:06d}-{i % 1000000:06d}")  # 14 digits: the check digit is computed
        elif kind is IdentifierKind.IP:
            out.append(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" if i % 2 else f"2001:DB8::{i:X}")
        elif kind is IdentifierKind.WALLET:
            payload = i.to_bytes(20, "big")
            out.append(f"0x{i:040X}" if i % 2 else base58check((0x00, 0x41)[i // 2 % 2], payload))
        else:
            day = i // 1000  # 1000 sequence numbers per birth date
            first17 = f"430102{1950 + day // 336}{1 + day // 28 % 12:02d}{1 + day % 28:02d}{i % 1000:03d}"
            out.append(first17 + resident_id_check_char(first17))
    return out


def main() -> None:
    """Run the benchmark and print the figures, then one line of JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50 k identifiers instead of 200 k")
    parser.add_argument("-n", type=int, default=0, help="number of phone identifiers to tokenise")
    args = parser.parse_args()
    n = args.n or (50_000 if args.quick else 200_000)
    repeats = 3
    per_kind = n // 10

    vault = IdentifierVault(TOKEN_KEY, ENCRYPTION_KEY)
    slow_us = int(os.environ.get("FANZHA_BENCH_SLOW_TOKEN_US", "0"))
    if slow_us:  # bench-only: the guard's own test slows this path on purpose (bench/check.py)
        vault.token = slowed(vault.token, slow_us)  # type: ignore[method-assign]
    phones = [Identifier(IdentifierKind.PHONE, f"+86139{i:08d}") for i in range(n)]
    # The baselines hash exactly the bytes the vault feeds HMAC-SM3.
    payloads = [f"{p.kind.value}\x1f{p.value}".encode() for p in phones]

    token_rate = best_rate(n, lambda: [vault.token(p) for p in phones], repeats)
    sha_rate = best_rate(n, lambda: [hashlib.sha256(b).hexdigest() for b in payloads], repeats)
    blake_rate = best_rate(
        n, lambda: [hashlib.blake2b(b, key=TOKEN_KEY, digest_size=32).hexdigest() for b in payloads], repeats
    )
    hmac_sha_rate = best_rate(
        n, lambda: [hmac.digest(TOKEN_KEY, b, "sha256").hex() for b in payloads], repeats
    )
    assert len({vault.token(p) for p in phones[:1000]}) == 1000  # tokens really differ per number

    sample = phones[:per_kind]
    blobs = [vault.encrypt(p) for p in sample]
    tokens = [vault.token(p) for p in sample]
    encrypt_rate = best_rate(
        per_kind, lambda: [vault.encrypt(p, t) for p, t in zip(sample, tokens, strict=True)], repeats
    )
    decrypt_rate = best_rate(
        per_kind, lambda: [vault.decrypt("phone", t, b) for t, b in zip(tokens, blobs, strict=True)], repeats
    )

    normalise_rates: dict[str, float] = {}
    for kind in IdentifierKind:
        inputs = messy_inputs(kind, per_kind)
        assert len({normalise(kind, raw).value for raw in inputs}) == per_kind  # all valid and distinct
        normalise_rates[kind.value] = best_rate(
            per_kind, lambda k=kind, i=inputs: [normalise(k, r) for r in i], repeats
        )
    phone_inputs = messy_inputs(IdentifierKind.PHONE, per_kind)
    end_to_end = best_rate(per_kind, lambda: [vault.token_of("phone", r) for r in phone_inputs], repeats)

    print(f"identifiers: {n:,} phone tokens, {per_kind:,} per kind for normalisation, best of {repeats}")
    print(f"  HMAC-SM3 token (fanzha)   {token_rate:>12,.0f} /s")
    print(f"  SHA-256 hexdigest         {sha_rate:>12,.0f} /s   fanzha at {token_rate / sha_rate:.2f}x")
    print(f"  keyed BLAKE2b-256         {blake_rate:>12,.0f} /s   fanzha at {token_rate / blake_rate:.2f}x")
    print(
        f"  HMAC-SHA-256 (stdlib)     {hmac_sha_rate:>12,.0f} /s   "
        f"fanzha at {token_rate / hmac_sha_rate:.2f}x"
    )
    print(f"  SM4-GCM encrypt           {encrypt_rate:>12,.0f} /s")
    print(f"  SM4-GCM decrypt           {decrypt_rate:>12,.0f} /s")
    print(f"  normalise + token (phone) {end_to_end:>12,.0f} /s")
    print("  normalise per kind (messy input):")
    for kind, rate in normalise_rates.items():
        print(f"    {kind:<18} {rate:>12,.0f} /s")
    print(
        json.dumps(
            {
                "bench": "identifiers",
                "n": n,
                "tokens_per_s": round(token_rate),
                "sha256_per_s": round(sha_rate),
                "blake2b_keyed_per_s": round(blake_rate),
                "ratio_vs_sha256": round(token_rate / sha_rate, 3),
                "ratio_vs_blake2b_keyed": round(token_rate / blake_rate, 3),
                "encrypt_per_s": round(encrypt_rate),
                "decrypt_per_s": round(decrypt_rate),
                "normalise_and_token_phone_per_s": round(end_to_end),
                "normalise_phone_per_s": round(normalise_rates["phone"]),
                "normalise_per_s": {k: round(v) for k, v in normalise_rates.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
