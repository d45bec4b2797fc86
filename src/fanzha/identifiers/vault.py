"""Keyed tokens (HMAC-SM3) for sharing identifiers, SM4-GCM for keeping their raw values (Art 26, 27)."""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from fanzha_client.tokens import KeyedSM3

from fanzha.core.errors import ValidationFailed
from fanzha.core.sm import sm4_gcm_decrypt, sm4_gcm_encrypt
from fanzha.identifiers.domain import Identifier, IdentifierKind, normalise, parse_kind

_SEP = "\x1f"  # unit separator: cannot occur in a normalised value, so kind and value never run together
TOKEN_KEY_BYTES = 32
ENCRYPTION_KEY_BYTES = 16  # SM4 has a 128-bit key


class IdentifierVault:
    """Turns identifiers into tokens every node computes alike, and encrypts the raw values at rest."""

    def __init__(self, token_key: bytes, encryption_key: bytes) -> None:
        if len(token_key) != TOKEN_KEY_BYTES:
            raise ValueError(f"token key must be {TOKEN_KEY_BYTES} bytes, got {len(token_key)}")
        if len(encryption_key) != ENCRYPTION_KEY_BYTES:
            raise ValueError(
                f"SM4 encryption key must be {ENCRYPTION_KEY_BYTES} bytes, got {len(encryption_key)}"
            )
        self._mac = KeyedSM3(token_key)
        self._encryption_key = encryption_key

    @classmethod
    def from_settings_keys(cls, token_key_hex: str, encryption_key_hex: str) -> IdentifierVault:
        """Build from the hex keys in settings (64 and 32 hex characters)."""
        try:
            token_key = bytes.fromhex(token_key_hex)
        except ValueError:
            raise ValueError("token key is not valid hex") from None
        try:
            encryption_key = bytes.fromhex(encryption_key_hex)
        except ValueError:
            raise ValueError("encryption key is not valid hex") from None
        return cls(token_key, encryption_key)

    def token(self, identifier: Identifier) -> str:
        """HMAC-SM3 over kind and value as 64 hex digits: equal identifiers match, kinds never collide."""
        return self._mac.digest(f"{identifier.kind.value}{_SEP}{identifier.value}".encode()).hex()

    def derive(self, purpose: str, data: str) -> bytes:
        """A keyed secret for `purpose` (an appeal code from a notice's salt); never equal to a token.

        Tokens MAC "kind\x1fvalue"; this MACs "purpose\x1edata" with no \x1f, so the two never meet.
        """
        return self._mac.digest(f"{purpose}\x1e{data}".replace(_SEP, "").encode())

    def token_of(self, kind: IdentifierKind | str, raw: str, field: str = "value") -> tuple[Identifier, str]:
        """Normalise, then tokenise."""
        identifier = normalise(kind, raw, field=field)
        return identifier, self.token(identifier)

    def encrypt(self, identifier: Identifier, token: str | None = None) -> bytes:
        """SM4-GCM, bound to kind and token so a ciphertext cannot be moved to another row."""
        aad = self._aad(identifier.kind, token or self.token(identifier))
        return sm4_gcm_encrypt(self._encryption_key, identifier.value.encode(), aad)

    def decrypt(self, kind: IdentifierKind | str, token: str, blob: bytes) -> Identifier:
        """The identifier behind a stored ciphertext; raises when it was altered or moved."""
        parsed = parse_kind(kind)
        try:
            value = sm4_gcm_decrypt(self._encryption_key, blob, self._aad(parsed, token)).decode()
        except (InvalidTag, ValueError):  # ValueError: too short to hold nonce and tag
            raise ValidationFailed(
                "密文校验失败（被篡改或不属于该记录）",
                "Ciphertext failed authentication (altered, or belongs to another record)",
                field="ciphertext",
            ) from None
        return Identifier(parsed, value)

    @staticmethod
    def _aad(kind: IdentifierKind, token: str) -> bytes:
        return f"{kind.value}{_SEP}{token}".encode()

    @staticmethod
    def mask(identifier: Identifier) -> str:
        """What people without the right to see raw values are shown (Art 26: personal information)."""
        value, kind = identifier.value, identifier.kind
        if kind is IdentifierKind.PHONE:
            # Service numbers, hotlines and SMS ports (no +) are published by their owners.
            return value[:-8] + "****" + value[-4:] if value.startswith("+") else value
        if kind is IdentifierKind.BANK_CARD:
            return f"{value[:4]} **** **** {value[-4:]}"
        if kind is IdentifierKind.RESIDENT_ID:
            return value[:6] + "********" + value[-4:]
        if kind in (IdentifierKind.PAYMENT_ACCOUNT, IdentifierKind.INTERNET_ACCOUNT):
            platform, _, account = value.partition(":")
            shown = account[:2] + "***" + account[-2:] if len(account) > 4 else account[:1] + "***"
            return f"{platform}:{shown}"
        if kind is IdentifierKind.IMEI:
            return value[:8] + "*****" + value[-2:]  # the TAC (model) stays visible, the serial does not
        if kind is IdentifierKind.WALLET:
            return value[:6] + "…" + value[-4:]
        return value  # URLs, domains, apps and IPs are not personal information on their own
