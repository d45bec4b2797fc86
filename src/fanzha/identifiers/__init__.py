"""The identifier core: normalisation per kind, keyed tokens, encryption at rest (Art 27)."""

from fanzha.identifiers.checks import imei_check_digit, luhn_check_digit, luhn_valid, resident_id_check_char
from fanzha.identifiers.domain import (
    KIND_LABELS,
    PLATFORM_ALIASES,
    Identifier,
    IdentifierKind,
    normalise,
    parse_kind,
)
from fanzha.identifiers.vault import IdentifierVault

__all__ = [
    "KIND_LABELS",
    "PLATFORM_ALIASES",
    "Identifier",
    "IdentifierKind",
    "IdentifierVault",
    "imei_check_digit",
    "luhn_check_digit",
    "luhn_valid",
    "normalise",
    "parse_kind",
    "resident_id_check_char",
]
