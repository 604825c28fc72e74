"""Checking a document a kiosk signed (`Outbox.sign_document`): the code names its kiosk, and
the key that kiosk enrolled with must have signed it."""

from __future__ import annotations

from collections.abc import Callable

from central import auth
from central.storage import KioskKey
from offline_queue.wire import DocumentFormatError, DocumentVerdict, parse_document


def check_document(payload: str, kiosk_key: Callable[[str], KioskKey | None]) -> DocumentVerdict:
    """The verdict on a document code or its URL; `kiosk_key` finds an enrolled kiosk."""
    try:
        kiosk_id, claims, signed, signature = parse_document(payload)
    except DocumentFormatError as e:
        return DocumentVerdict(valid=False, code=e.code)
    key = kiosk_key(kiosk_id)
    if key is None:
        return DocumentVerdict(valid=False, code="unknown_kiosk", kiosk_id=kiosk_id)
    if not auth.signed_by_raw(key.public_key, signature, signed):
        return DocumentVerdict(
            valid=False, code="bad_signature", kiosk_id=kiosk_id, site_id=key.site_id
        )
    return DocumentVerdict(valid=True, kiosk_id=kiosk_id, site_id=key.site_id, claims=claims)
