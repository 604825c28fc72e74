"""A code scanner in serial mode: it sends each decoded code as a line ending in CR, LF or CRLF.

Options (the device's TOML table):

- `baudrate` (int, default 9600): the scanner's serial speed.
- `prefix`, `suffix` (str, default ""): text the scanner is set to add around each code; removed
  when present. They must not hold CR or LF, which end the line.

A line longer than `MAX_LINE_BYTES` is dropped with a `scanner.line_too_long` problem, and so is
the rest of it up to the next line end or a quiet moment; bytes left without a line end for
`QUIET_S` are dropped with `scanner.no_line_end` (a scanner set to send no line end shows up
this way). Either way memory stays bounded and reading goes on. Counters: `codes`, `dropped`,
`errors`.

`scanner_health` serves the keyboard-wedge scanner too.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Mapping

import serial

from devices.codes import Code, CodeScanned
from devices.device import Device
from devices.model import DeviceEvent, DeviceInfo, DeviceState, HealthLevel, Notice, Problem
from devices.options import Options
from devices.serialport import PortError, open_port, port_lost

# The longest code a scanner can send is a numeric QR code: 7089 digits.
MAX_LINE_BYTES = 8192
# A scanner sends a code in one burst (about 1 ms a byte at 9600 baud): this much silence
# means the bytes before it will never get their line end.
QUIET_S = 0.5
READ_TIMEOUT_S = 0.2  # how often the worker looks at its stop flag
INTERACTIVE_WAIT_S = 30.0
LINE_END = re.compile(rb"[\r\n]")


class LineSplitter:
    """Cuts a byte stream into lines on CR, LF or CRLF: returns each non-empty line, or a
    `Problem` for what it had to drop. Never holds more than `max_bytes` plus one read."""

    def __init__(self, max_bytes: int = MAX_LINE_BYTES, quiet_s: float = QUIET_S) -> None:
        self._max_bytes, self._quiet_s = max_bytes, quiet_s
        self._line = bytearray()
        self._dropping = False  # inside a line already reported as too long
        self._last_data = 0.0

    def feed(self, data: bytes, now: float) -> list[bytes | Problem]:
        items: list[bytes | Problem] = []
        self._last_data = now
        *ended, rest = LINE_END.split(data)
        for piece in ended:
            if self._dropping:
                self._dropping = False
            elif len(self._line) + len(piece) > self._max_bytes:
                items.append(self._too_long(bytes(self._line[:32]) + piece[:32]))
            elif self._line or piece:
                items.append(bytes(self._line) + piece)
            self._line.clear()
        if not self._dropping:
            self._line += rest
            if len(self._line) > self._max_bytes:
                items.append(self._too_long(bytes(self._line[:32])))
                self._line.clear()
                self._dropping = True
        return items

    def idle(self, now: float) -> list[bytes | Problem]:
        """Called when a read brought nothing: ends what a quiet line will never finish."""
        if now - self._last_data < self._quiet_s:
            return []
        self._dropping = False
        if not self._line:
            return []
        start, size = bytes(self._line[:32]), len(self._line)
        self._line.clear()
        return [
            Problem(
                "scanner.no_line_end",
                f"dropped {size} bytes that got no CR/LF within {self._quiet_s:g} s, starting "
                f"{start!r}: set the scanner to end each code with CR or LF",
                Notice.CODE_UNREADABLE,
            )
        ]

    def _too_long(self, start: bytes) -> Problem:
        return Problem(
            "scanner.line_too_long",
            f"dropped a line longer than {self._max_bytes} bytes, starting {start[:32]!r}: "
            "wrong baud rate, or the scanner sends no CR/LF?",
            Notice.CODE_UNREADABLE,
        )


class SerialScanner(Device):
    kind = "serial_scanner"

    def __init__(
        self,
        name: str,
        url: str,
        baudrate: int = 9600,
        prefix: str = "",
        suffix: str = "",
        interactive_wait_s: float = INTERACTIVE_WAIT_S,
    ) -> None:
        super().__init__(name)
        self.url, self.baudrate = url, baudrate
        self._prefix, self._suffix = prefix.encode(), suffix.encode()
        self._interactive_wait_s = interactive_wait_s
        self._port: serial.SerialBase | None = None

    def _connect(self) -> None:
        self._port = open_port(self.url, self.baudrate, READ_TIMEOUT_S)
        self._info = DeviceInfo(model="serial code scanner", port=self.url)

    def _run(self, stop: threading.Event) -> None:
        port = self._port
        assert port is not None  # _connect succeeded
        splitter = LineSplitter()
        while not stop.is_set():
            try:
                data = port.read(port.in_waiting or 1)
            except PortError as error:
                raise port_lost(self.url, error) from error
            now = time.monotonic()
            for item in splitter.feed(data, now) if data else splitter.idle(now):
                if isinstance(item, Problem):
                    self._count("dropped")
                    self._report(item)
                else:
                    self._scanned(item)

    def _scanned(self, line: bytes) -> None:
        raw = line.removeprefix(self._prefix) if self._prefix else line
        raw = raw.removesuffix(self._suffix) if self._suffix else raw
        if raw:
            self._count("codes")
            self._emit(CodeScanned(self.name, Code.from_bytes(raw)))

    def _disconnect(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(*PortError):  # already gone with the cable
                port.close()

    def _health(self, level: HealthLevel) -> tuple[bool, list[str]]:
        port = self._port
        if port is None or not port.is_open:
            return False, [f"port {self.url} is not open"]
        try:
            waiting = port.in_waiting
        except PortError as error:
            return False, [f"port {self.url} cannot be read: {error}"]
        where = f"port {self.url} open at {self.baudrate} baud, {waiting} bytes waiting"
        return scanner_health(self, level, where, self._interactive_wait_s)


def scanner_health(
    device: Device, level: HealthLevel, where: str, wait_s: float
) -> tuple[bool, list[str]]:
    """The checks both scanners share: counts, and for `interactive` a code from a person."""
    counters = device.status().counters
    lines = [where, f"codes {counters.get('codes', 0)}, dropped {counters.get('dropped', 0)}"]
    ok = device.state is DeviceState.ONLINE
    if level is HealthLevel.INTERACTIVE and ok:
        ok, asked = await_code(device, wait_s)
        lines += asked
    return ok, lines


def await_code(device: Device, timeout_s: float) -> tuple[bool, list[str]]:
    """The interactive check of a scanner: wait for a person to scan a code."""
    scanned: list[Code] = []
    arrived = threading.Event()

    def on_event(event: DeviceEvent) -> None:
        if isinstance(event, CodeScanned) and not scanned:
            scanned.append(event.code)
            arrived.set()

    unsubscribe = device.subscribe(on_event)
    try:
        arrived.wait(timeout_s)
    finally:
        unsubscribe()
    if not scanned:
        return False, [f"no code scanned within {timeout_s:g} s"]
    code = scanned[0]
    return True, [f"scanned {code.text!r} ({len(code.raw)} bytes)"]


def build(name: str, port: str, options: Mapping[str, object]) -> SerialScanner:
    given = Options(options)
    scanner = SerialScanner(
        name,
        port,
        baudrate=given.integer("baudrate", 9600, (300, 4_000_000)),
        prefix=given.text("prefix", "", forbidden="\r\n"),
        suffix=given.text("suffix", "", forbidden="\r\n"),
    )
    given.reject_unknown()
    return scanner
