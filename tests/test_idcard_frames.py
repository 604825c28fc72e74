"""SAM frame encoding and decoding, with the byte-level facts of DESIGN.md §3."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard.frames import (
    PREAMBLE,
    CorruptFrame,
    Frame,
    FrameDecoder,
    ResponseError,
    encode_command,
    encode_response,
    parse_response,
)


def test_find_card_command_has_the_documented_bytes() -> None:
    # LEN = 3 (CMD, PARA, CHK); CHK = 00 ^ 03 ^ 20 ^ 01 = 22
    assert encode_command(0x20, 0x01) == bytes.fromhex("AAAAAA9669 0003 2001 22")


def test_a_success_response_round_trips() -> None:
    frames = FrameDecoder().feed(encode_response(0x9F, b"\x00\x00\x00\x00"))
    assert len(frames) == 1 and isinstance(frames[0], Frame)
    response = parse_response(frames[0])
    assert (response.result, response.data) == (0x9F, b"\x00\x00\x00\x00")


def test_frames_split_at_every_byte_and_surrounded_by_garbage_decode() -> None:
    wire = b"\x01\x02\xaa" + encode_response(0x90, b"text") + b"\xaa\xaa" + encode_response(0x80)
    decoder = FrameDecoder()
    frames = [f for byte in wire for f in decoder.feed(bytes([byte]))]
    assert [parse_response(f).result for f in frames if isinstance(f, Frame)] == [0x90, 0x80]
    assert decoder.skipped == 5


def test_a_bad_checksum_is_reported_and_the_next_frame_still_decodes() -> None:
    bad = bytearray(encode_response(0x90, b"abc"))
    bad[-1] ^= 0xFF
    frames = FrameDecoder().feed(bytes(bad) + encode_response(0x9F))
    assert isinstance(frames[0], CorruptFrame) and "checksum" in frames[0].reason
    assert isinstance(frames[1], Frame) and parse_response(frames[1]).result == 0x9F


def test_an_impossible_length_is_reported_and_skipped() -> None:
    frames = FrameDecoder().feed(PREAMBLE + b"\xff\xff" + encode_response(0x90))
    assert isinstance(frames[0], CorruptFrame) and "length" in frames[0].reason
    assert isinstance(frames[1], Frame)


def test_a_response_without_status_words_is_an_error() -> None:
    for body in (b"", b"\x00\x00", b"\x01\x00\x90"):
        try:
            parse_response(Frame(body))
        except ResponseError:
            continue
        raise AssertionError(f"{body!r} accepted")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_random_bytes_never_raise_and_never_stall(chunks: list[bytes]) -> None:
    decoder = FrameDecoder()
    for chunk in chunks:
        for item in decoder.feed(chunk):
            assert isinstance(item, (Frame, CorruptFrame))
    # Whatever came before, a good frame after it is still found.
    good = [f for f in decoder.feed(encode_response(0x90, b"ok")) if isinstance(f, Frame)]
    assert good and parse_response(good[-1]).data == b"ok"


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=300), st.integers(min_value=0), st.integers(0, 255))
def test_a_mutated_frame_is_never_taken_for_a_good_one(
    data: bytes, position: int, flip: int
) -> None:
    wire = bytearray(encode_response(0x90, data))
    index = len(PREAMBLE) + 2 + position % (len(wire) - len(PREAMBLE) - 2)
    wire[index] ^= flip or 1
    for item in FrameDecoder().feed(bytes(wire)):
        if isinstance(item, Frame):
            assert item.body != bytes([0, 0, 0x90]) + data
