"""National cryptography primitives (GB/T 32905 SM3, GB/T 32907 SM4) from `cryptography`."""

from __future__ import annotations

import functools
import os

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_NONCE = 12
_TAG = 16


def sm3_hex(data: bytes) -> str:
    """The SM3 digest of `data` as 64 hex characters."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 of `data` under `key` (32 bytes)."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


@functools.lru_cache(maxsize=16)
def _sm4(key: bytes) -> algorithms.SM4:
    """The SM4 algorithm object of a key, made once: a bulk import encrypts a million values under one key."""
    return algorithms.SM4(key)


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    """Encrypt with SM4-GCM; returns nonce ‖ ciphertext ‖ tag."""
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(_sm4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + body + encryptor.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, associated: bytes = b"") -> bytes:
    """Decrypt what `sm4_gcm_encrypt` produced; raises InvalidTag when tampered with."""
    nonce, body, tag = blob[:_NONCE], blob[_NONCE:-_TAG], blob[-_TAG:]
    decryptor = Cipher(_sm4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated)
    return decryptor.update(body) + decryptor.finalize()
