"""A decoded code (QR, barcode) from any source: serial scanner, keyboard-wedge scanner, camera.

`raw` keeps the payload's bytes as the symbol carried them, so binary payloads (signed e-ID
codes) survive; `text` is its UTF-8 reading for display and for text payloads.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.model import DeviceEvent


@dataclass(frozen=True)
class Code:
    text: str
    raw: bytes
    format: str  # "QRCode", "Code128", "EAN13"...; "" when the source does not say (a scanner)

    @classmethod
    def from_bytes(cls, raw: bytes, format: str = "") -> Code:
        return cls(raw.decode("utf-8", errors="replace"), raw, format)


@dataclass(frozen=True)
class CodeScanned(DeviceEvent):
    code: Code
