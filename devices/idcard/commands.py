"""The SAM command set (GA 467) and the payloads of its answers, both directions.

Read answers (`30 01`, `30 10`) carry big-endian lengths, then the parts in the same order:
text (256 bytes), WLT photo (1024) and, with fingerprint, the fingerprint data (0, 512 or
1024). The SAM ID (`12 FF`) is 16 bytes, shown as vendors' tools show it; the formula follows
HslCommunication's `SAMSerial.ExtractSafeModuleNumber` (bytes 0 and 2 as two digits, then
three little-endian 32-bit numbers), with the last two padded to all ten digits of a 32-bit
number, e.g. 05.01-20101010-0012345678-1234567890.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.idcard.frames import encode_command


@dataclass(frozen=True)
class Command:
    name: str
    code: int
    parameter: int
    success: int  # the SW3 that means it worked

    def encode(self) -> bytes:
        return encode_command(self.code, self.parameter)

    @property
    def key(self) -> bytes:
        return bytes([self.code, self.parameter])

    def __str__(self) -> str:
        return f"{self.name} ({self.code:02X} {self.parameter:02X})"


RESET_SAM = Command("reset SAM", 0x10, 0xFF, 0x90)
SAM_STATUS = Command("SAM status", 0x11, 0xFF, 0x90)
SAM_ID = Command("read SAM ID", 0x12, 0xFF, 0x90)
FIND_CARD = Command("find card", 0x20, 0x01, 0x9F)
SELECT_CARD = Command("select card", 0x20, 0x02, 0x90)
READ_CARD = Command("read card", 0x30, 0x01, 0x90)
READ_CARD_WITH_FINGERPRINT = Command("read card with fingerprint", 0x30, 0x10, 0x90)

SAM_ID_LENGTH = 16


class PayloadError(ValueError):
    """An answer whose data does not have the documented shape."""


@dataclass(frozen=True)
class CardData:
    text: bytes
    photo: bytes
    fingerprint: bytes


def encode_card_data(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The data of a read answer: `fingerprint=None` for `30 01`, bytes (maybe none) for `30 10`."""
    parts = [text, photo] if fingerprint is None else [text, photo, fingerprint]
    return b"".join(len(part).to_bytes(2, "big") for part in parts) + b"".join(parts)


def decode_card_data(data: bytes, with_fingerprint: bool) -> CardData:
    count = 3 if with_fingerprint else 2
    if len(data) < 2 * count:
        raise PayloadError(f"read answer of {len(data)} data bytes has no room for its lengths")
    lengths = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(count)]
    if 2 * count + sum(lengths) != len(data):
        raise PayloadError(
            f"read answer declares parts of {lengths} bytes but carries {len(data) - 2 * count}"
        )
    parts, offset = [], 2 * count
    for length in lengths:
        parts.append(data[offset : offset + length])
        offset += length
    return CardData(parts[0], parts[1], parts[2] if with_fingerprint else b"")


def format_sam_id(data: bytes) -> str:
    if len(data) != SAM_ID_LENGTH:
        raise PayloadError(f"SAM ID of {len(data)} bytes, expected {SAM_ID_LENGTH}")
    first, second, third = (int.from_bytes(data[i : i + 4], "little") for i in (4, 8, 12))
    return f"{data[0]:02d}.{data[2]:02d}-{first:08d}-{second:010d}-{third:010d}"
