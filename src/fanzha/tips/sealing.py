"""Sealing a tip (Art 38¶1 对举报人信息予以保密): a key of its own, wrapped for the handling unit.

Each tip gets a random SM4 data key. The reporter's identity and contact, the payee of a reward and the
files are encrypted (SM4-GCM) under keys derived from it, each bound to the tip and its purpose. The data
key is stored only wrapped under the handling unit's key, which is derived from the platform's master key
(settings, never in the database). Whoever reads the database alone reads ciphertext; the service opens
the reporter only for the tip's handling officer, audited (fanzha.tips.service).
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag

from fanzha.core.errors import FanzhaError
from fanzha.core.sm import hmac_sm3, sm4_gcm_decrypt, sm4_gcm_encrypt

_SEP = "\x1f"
KEY_BYTES = 16


class SealBroken(FanzhaError):
    """A sealed field failed authentication: altered, moved to another tip, or wrapped for another unit."""

    code = "integrity_error"
    status = 500
    message_zh = "举报密文校验失败"
    message_en = "A sealed field of the tip failed authentication"


def new_data_key() -> bytes:
    """A fresh 128-bit SM4 key for one tip."""
    return os.urandom(KEY_BYTES)


def unit_key(master: bytes, org_id: int) -> bytes:
    """The handling unit's key-wrapping key (HMAC-SM3 of the master key, 128 bits)."""
    return hmac_sm3(master, f"fanzha/tips/unit-kek/v1{_SEP}{org_id}".encode())[:KEY_BYTES]


def wrap(master: bytes, org_id: int, seal_id: str, data_key: bytes) -> bytes:
    """The tip's data key encrypted for `org_id`, bound to the tip."""
    return sm4_gcm_encrypt(
        unit_key(master, org_id), data_key, f"tip-key{_SEP}{seal_id}{_SEP}{org_id}".encode()
    )


def unwrap(master: bytes, org_id: int, seal_id: str, wrapped: bytes) -> bytes:
    """The tip's data key, for the unit it was wrapped for."""
    try:
        return sm4_gcm_decrypt(
            unit_key(master, org_id), wrapped, f"tip-key{_SEP}{seal_id}{_SEP}{org_id}".encode()
        )
    except (InvalidTag, ValueError):
        raise SealBroken() from None


def _subkey(data_key: bytes, purpose: str) -> bytes:
    return hmac_sm3(data_key + bytes(16), f"fanzha/tips/{purpose}/v1".encode())[:KEY_BYTES]


def seal(data_key: bytes, seal_id: str, purpose: str, plaintext: bytes) -> bytes:
    """Encrypt one field of a tip (`reporter`, `payee`, `file:<sha256>`)."""
    aad = f"tip{_SEP}{seal_id}{_SEP}{purpose}".encode()
    return sm4_gcm_encrypt(_subkey(data_key, purpose.split(":")[0]), plaintext, aad)


def unseal(data_key: bytes, seal_id: str, purpose: str, blob: bytes) -> bytes:
    """Decrypt one field sealed by `seal`."""
    aad = f"tip{_SEP}{seal_id}{_SEP}{purpose}".encode()
    try:
        return sm4_gcm_decrypt(_subkey(data_key, purpose.split(":")[0]), blob, aad)
    except (InvalidTag, ValueError):
        raise SealBroken() from None
