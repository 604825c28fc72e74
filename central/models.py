"""Models only the platform speaks: its read endpoint for integrators and tests.

Everything a kiosk sends or reads is in `offline_queue/wire.py`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from offline_queue.wire import ChainHead, FaceVerdict, KioskId, Record, Timestamp, WireModel


class StoredRecord(Record):
    """A record of a kiosk's chain as the platform holds it."""

    status: Literal["accepted", "rejected"] = Field(
        description="rejected: refused content, kept as a link so the chain goes on"
    )
    code: str | None = None
    reason: str | None = None
    received: Timestamp
    face_verdict: FaceVerdict | None = Field(
        default=None,
        description="a face photo the kiosk could not have compared (offline: `face.match` "
        "null): the platform's comparison, made when the record arrived",
    )


class KioskRecords(WireModel):
    kiosk_id: KioskId
    head: ChainHead
    records: list[StoredRecord] = Field(description="in seq order")
