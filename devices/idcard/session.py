"""One command, one answer, over a serial port: the transport under the reader.

No retries and no policy here (the reader decides what a missing or garbled answer means);
this only says what came back. Bytes still waiting from an earlier, late answer are dropped
before each command so they cannot pass for the next answer.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import serial

from devices.idcard.commands import Command
from devices.idcard.frames import (
    CorruptFrame,
    FrameDecoder,
    Response,
    ResponseError,
    parse_response,
)
from devices.serialport import PortError, open_port, port_lost

BAUDRATE = 115200
READ_SLICE_S = 0.05  # how long one port read blocks, so a deadline is kept to within this


@dataclass(frozen=True)
class Exchange:
    command: Command
    response: Response | None  # None: no intact answer (see `corrupt`) or none at all
    corrupt: str = ""  # why the answer that came was rejected
    garbage: int = 0  # bytes that were no part of an answer
    sent: int = 0
    received: int = 0

    @property
    def silent(self) -> bool:
        return self.response is None and not self.corrupt


class SamSession:
    def __init__(self, port: serial.SerialBase, url: str, response_timeout_s: float) -> None:
        self._port, self._url, self._timeout_s = port, url, response_timeout_s

    @classmethod
    def open(cls, url: str, response_timeout_s: float) -> SamSession:
        """Open the port at 115200 8N1, or raise `DeviceFault(POWER_OFF)`."""
        return cls(open_port(url, BAUDRATE, READ_SLICE_S), url, response_timeout_s)

    def exchange(self, command: Command) -> Exchange:
        try:
            return self._exchange(command)
        except PortError as error:
            raise port_lost(self._url, error, f"{command}: lost") from error

    def close(self) -> None:
        with contextlib.suppress(*PortError):  # closing a port that is already gone
            self._port.close()

    def _exchange(self, command: Command) -> Exchange:
        stale = len(self._port.read(self._port.in_waiting)) if self._port.in_waiting else 0
        frame = command.encode()
        self._port.write(frame)
        decoder, received = FrameDecoder(), 0
        deadline = time.monotonic() + self._timeout_s
        while time.monotonic() < deadline:
            chunk = self._port.read(1)
            if chunk and self._port.in_waiting:
                chunk += self._port.read(self._port.in_waiting)
            received += len(chunk)
            for item in decoder.feed(chunk):
                garbage = stale + decoder.skipped
                if isinstance(item, CorruptFrame):
                    return Exchange(command, None, item.reason, garbage, len(frame), received)
                try:
                    response = parse_response(item)
                except ResponseError as error:
                    return Exchange(command, None, str(error), garbage, len(frame), received)
                return Exchange(command, response, "", garbage, len(frame), received)
        return Exchange(command, None, "", stale + received, len(frame), received)
