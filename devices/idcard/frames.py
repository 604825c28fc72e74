"""Framing of the SAM serial protocol (GA 467), both directions.

    AA AA AA 96 69 | LEN (2 bytes, big-endian) | body | CHK

LEN counts every byte after itself, the checksum included. A command body is `CMD PARA [data]`;
a response body is `SW1 SW2 SW3 [data]` with SW1 SW2 = 00 00 and SW3 the result. CHK is the XOR
of every byte from the first LEN byte to the last body byte.

The decoder is incremental and never raises on what the wire brings: garbage is skipped up to
the next preamble, a bad frame is reported as `CorruptFrame` and decoding goes on after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import xor

PREAMBLE = bytes.fromhex("AAAAAA9669")
# The longest real response, a read with a 1024-byte fingerprint, is 2326 bytes; leave room.
MAX_LENGTH = 4096


def checksum(data: bytes) -> int:
    return reduce(xor, data, 0)


def encode(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def encode_command(command: int, parameter: int, data: bytes = b"") -> bytes:
    return encode(bytes([command, parameter]) + data)


def encode_response(result: int, data: bytes = b"") -> bytes:
    return encode(bytes([0x00, 0x00, result]) + data)


@dataclass(frozen=True)
class Frame:
    body: bytes


@dataclass(frozen=True)
class CorruptFrame:
    reason: str
    raw: bytes


@dataclass(frozen=True)
class Response:
    result: int  # SW3
    data: bytes


class ResponseError(ValueError):
    pass


def parse_response(frame: Frame) -> Response:
    body = frame.body
    if len(body) < 3:
        raise ResponseError(f"response body of {len(body)} bytes, need at least 3")
    if body[:2] != b"\x00\x00":
        raise ResponseError(f"SW1 SW2 are {body[:2].hex(' ')}, expected 00 00")
    return Response(result=body[2], data=body[3:])


class FrameDecoder:
    def __init__(self) -> None:
        self._buffer = bytearray()
        self.skipped = 0  # garbage bytes dropped while looking for a preamble

    def feed(self, data: bytes) -> list[Frame | CorruptFrame]:
        self._buffer += data
        out: list[Frame | CorruptFrame] = []
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                # Keep a tail that may be the start of a preamble split across reads.
                keep = len(PREAMBLE) - 1
                self.skipped += max(0, len(self._buffer) - keep)
                del self._buffer[: max(0, len(self._buffer) - keep)]
                return out
            self.skipped += start
            del self._buffer[:start]
            header = len(PREAMBLE) + 2
            if len(self._buffer) < header:
                return out
            length = int.from_bytes(self._buffer[len(PREAMBLE) : header], "big")
            if not 1 <= length <= MAX_LENGTH:
                out.append(
                    CorruptFrame(f"length {length} out of range", bytes(self._buffer[:header]))
                )
                del self._buffer[: len(PREAMBLE)]  # resynchronise after this preamble
                continue
            if len(self._buffer) < header + length:
                return out
            raw = bytes(self._buffer[: header + length])
            del self._buffer[: header + length]
            covered, check = raw[len(PREAMBLE) : -1], raw[-1]
            if checksum(covered) != check:
                out.append(
                    CorruptFrame(f"checksum {check:02x}, computed {checksum(covered):02x}", raw)
                )
            else:
                out.append(Frame(raw[header:-1]))
