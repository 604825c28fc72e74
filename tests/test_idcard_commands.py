"""The SAM command set and the shapes of its answers (DESIGN.md §3)."""

from __future__ import annotations

import pytest

from devices.idcard.commands import (
    FIND_CARD,
    READ_CARD,
    SAM_ID,
    PayloadError,
    decode_card_data,
    encode_card_data,
    format_sam_id,
)
from devices.idcard.frames import encode_response


def test_commands_carry_the_documented_bytes() -> None:
    assert FIND_CARD.encode() == bytes.fromhex("AAAAAA9669 0003 2001 22")
    assert READ_CARD.encode() == bytes.fromhex("AAAAAA9669 0003 3001 32")
    assert str(SAM_ID) == "read SAM ID (12 FF)"


def test_a_read_answer_is_1295_bytes_with_text_and_photo_in_order() -> None:
    data = encode_card_data(b"t" * 256, b"p" * 1024)
    assert len(encode_response(0x90, data)) == 1295
    assert data[:4] == bytes.fromhex("0100 0400")  # text length 256, photo length 1024
    parts = decode_card_data(data, with_fingerprint=False)
    assert (parts.text, parts.photo, parts.fingerprint) == (b"t" * 256, b"p" * 1024, b"")


@pytest.mark.parametrize("size", [0, 512, 1024])
def test_a_read_with_fingerprint_carries_a_third_length(size: int) -> None:
    data = encode_card_data(b"t" * 256, b"p" * 1024, b"f" * size)
    assert data[4:6] == size.to_bytes(2, "big")
    assert decode_card_data(data, with_fingerprint=True).fingerprint == b"f" * size


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x01\x00",
        encode_card_data(b"t" * 256, b"p" * 1024)[:-1],  # one byte short
        encode_card_data(b"t" * 256, b"p" * 1024) + b"x",  # one byte over
    ],
)
def test_a_read_answer_of_the_wrong_shape_is_a_payload_error(data: bytes) -> None:
    with pytest.raises(PayloadError):
        decode_card_data(data, with_fingerprint=False)


def test_the_sam_id_reads_as_vendors_tools_show_it() -> None:
    data = (
        bytes([5, 0, 1, 0])
        + (20101010).to_bytes(4, "little")
        + (12345678).to_bytes(4, "little")
        + (4294967295).to_bytes(4, "little")
    )
    assert format_sam_id(data) == "05.01-20101010-0012345678-4294967295"
    with pytest.raises(PayloadError, match="15 bytes"):
        format_sam_id(data[:-1])
