"""AES-GCM sealing of queued payloads at rest (DESIGN.md §4).

A sealed blob is a random 12-byte nonce followed by the ciphertext and its 16-byte tag. The
associated data binds a blob to where it belongs, so a blob moved to another row fails to open
exactly as an altered one does.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES  # a sealed blob is this much longer than its plaintext

_KEY_CHECK_TEXT = b"offline-queue data key check"
_KEY_CHECK_AAD = b"key-check"


class SealError(Exception):
    """A blob that does not open: a wrong key, or data altered or damaged since it was sealed."""


class Sealer:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError(f"an AES-256 key has 32 bytes, not {len(key)}")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < OVERHEAD_BYTES:
            raise SealError(f"a sealed blob has at least {OVERHEAD_BYTES} bytes, not {len(blob)}")
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except InvalidTag:
            raise SealError("does not open: a different key, or altered since sealed") from None


def key_check(sealer: Sealer) -> bytes:
    """A small blob, stored next to sealed records, that only the same key opens.

    With it a store tells a wrong key (the check fails) from a damaged record (the check opens,
    the record does not).
    """
    return sealer.seal(_KEY_CHECK_TEXT, _KEY_CHECK_AAD)


def verify_key_check(sealer: Sealer, check: bytes) -> bool:
    try:
        return sealer.open(check, _KEY_CHECK_AAD) == _KEY_CHECK_TEXT
    except SealError:
        return False
