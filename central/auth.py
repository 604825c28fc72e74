"""Kiosk signatures: batch heads, signed requests and documents (Ed25519, keys from enrolment)."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from offline_queue.wire import (
    MAX_CLOCK_SKEW_S,
    SIGNATURE_HEADER,
    TIME_HEADER,
    BatchHead,
    b64decode,
    head_message,
    request_message,
)

ED25519_KEY_BYTES = 32


class AuthError(Exception):
    """A request the platform cannot attribute to an enrolled kiosk; `code` is stable."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def public_key(text: str) -> Ed25519PublicKey:
    """The key from its base64 text; ValueError saying what is wrong with it."""
    raw = b64decode(text)
    if len(raw) != ED25519_KEY_BYTES:
        raise ValueError(
            f"public_key must be a raw Ed25519 public key of {ED25519_KEY_BYTES} bytes "
            f"in base64, got {len(raw)} bytes"
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def signed_by(key: str, signature: str, message: bytes) -> bool:
    """Whether the base64 `signature` is the kiosk key's (base64) over `message`."""
    try:
        raw = b64decode(signature)
    except ValueError:
        return False
    return signed_by_raw(key, raw, message)


def signed_by_raw(key: str, signature: bytes, message: bytes) -> bool:
    try:
        public_key(key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def check_batch_signature(key: str, head: BatchHead, signature: str) -> None:
    if not signed_by(key, signature, head_message(head)):
        raise AuthError(
            "bad_signature",
            f"the batch head is not signed with the key enrolled for {head.kiosk_id}",
        )


def check_request_signature(
    key: str, method: str, path: str, timestamp: int, signature: str, body: bytes, now: float
) -> None:
    """`path` as sent, percent-encoded, with `?query` if there is one."""
    if abs(now - timestamp) > MAX_CLOCK_SKEW_S:
        raise AuthError(
            "stale_request",
            f"{TIME_HEADER} is {int(timestamp - now):+d} s from the platform's clock, more than "
            f"{MAX_CLOCK_SKEW_S} s: check the kiosk's clock (NTP)",
        )
    if not signed_by(key, signature, request_message(method, path, timestamp, body)):
        raise AuthError(
            "bad_signature",
            f"{SIGNATURE_HEADER} is not a signature of this request with the kiosk's enrolled key",
        )
