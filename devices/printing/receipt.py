"""An ESC/POS receipt printer on a serial port, a network bridge or a file (DESIGN.md §3).

Connections: the port is a pyserial URL (`/dev/ttyUSB0`, `COM3`, a simulator's pty, or
`socket://192.168.1.50:9100` for a network printer), opened with `devices.serialport`, or, with
`transport = "file"`, a file or character device that takes the bytes (`/dev/usb/lp0`, or a
plain file for a dry run). A file has no way back, so it has no status.

The worker thread owns the port: it writes the queued jobs (`print(document) -> job id`, then
`PrintFinished`), and asks the printer's real-time status (`DLE EOT 1, 2, 4`) before and after
each job and every second when idle:

- paper end → USER_ERROR, notice PRINTER_OUT_OF_PAPER; cover open → USER_ERROR, CALL_STAFF;
  both recover to ONLINE by themselves once fixed, and a job asked for meanwhile finishes with
  that problem (it is not kept to print later, when the citizen has long gone);
- paper near end → ONLINE, the detail says so, and a problem is reported once per roll;
- offline for another reason, or an error → HARDWARE_ERROR; no answer → POWER_OFF; a port
  that fails (unplugged, bridge down) → POWER_OFF. The supervisor reopens those;
- raster mode without a CJK font installed → NO_DEVICE (install fonts-noto-cjk);
- a document that cannot be laid out (a barcode wider than the paper) fails alone, with a
  problem, and the printer stays ONLINE.

`_connect` also asks `GS I 66/67/65/68` (maker, model, firmware, serial number) for the device
info; a printer that does not answer them just leaves the fields empty.

Why python-escpos' connection classes are not used: each opens its own kind of port (one class
per transport, where one pyserial URL covers serial, pty and socket alike), and its status
calls take whatever byte comes back as the answer, where a stray byte would read as a state;
see `escpos.py` for why the encoder is our own.

Options of `build(name, port, options)` (the device's TOML table):

- `paper_width` (int, mm): 80 (576 dots, default) or 58 (384 dots).
- `text_mode` (str): "native" (GB18030 in `FS &` Chinese mode, default) or "raster" (text
  drawn with the CJK font: for printers without a Chinese font; about 2 KB per line).
- `qr_mode` (str): "native" (`GS ( k` and `GS k`, default) or "raster"; applies to QR codes
  and barcodes alike.
- `transport` (str): "serial" (default: any pyserial URL) or "file".
- `baudrate` (int): 115200 by default; ignored by `socket://` and files.
- `status` (bool): poll `DLE EOT` (default true; must be false, or absent, for a file).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping
from typing import BinaryIO

import serial

from devices.model import (
    DeviceFault,
    DeviceInfo,
    DeviceState,
    HealthLevel,
    Notice,
    Problem,
)
from devices.options import Options
from devices.printing.document import Align, Barcode, Document, QRCode, Row, Separator, Text, Title
from devices.printing.escpos import MODES, EscposEncoder
from devices.printing.fonts import MissingFont, cjk_font
from devices.printing.jobs import PrinterDevice, PrintJob
from devices.printing.status import PrinterStatus, Query, is_answer
from devices.serialport import PortError, open_port, port_lost

POLL_S = 1.0
ANSWER_TIMEOUT_S = 0.5
SETTLE_S = 0.1  # after a job: let answers to DLE EOT look-alikes inside image data arrive
IDENTITY_TIMEOUT_S = 0.3
HEALTH_WAIT_S = 60.0
TEST_QR = "KIOSK-PRINT-TEST"
TEST_BARCODE = "KIOSK-0123"

TRANSPORTS = ("serial", "file")
IDENTITY = {66: "maker", 67: "model", 65: "firmware", 68: "serial"}  # GS I n


class ReceiptPrinter(PrinterDevice):
    kind = "receipt_printer"

    def __init__(
        self,
        name: str,
        port: str,
        encoder: EscposEncoder | None = None,
        transport: str = "serial",
        baudrate: int = 115200,
        status: bool = True,
    ) -> None:
        super().__init__(name)
        if transport not in TRANSPORTS:
            raise ValueError(f"transport {transport!r}: use one of {TRANSPORTS}")
        if transport == "file" and status:
            raise ValueError("a file output has no status: set status = false")
        self.port, self.transport, self.baudrate = port, transport, baudrate
        self.encoder = encoder or EscposEncoder()
        self._polling = status
        self._serial: serial.SerialBase | None = None
        self._file: BinaryIO | None = None
        self._io = threading.Lock()  # the worker's jobs and polls, and `check_health`
        self._wrote = False  # a job went out since the last status query
        self._near_end_reported = False

    # -- hooks --------------------------------------------------------------------------------

    def _connect(self) -> None:
        self._near_end_reported = False
        if self.encoder.needs_font:
            try:
                cjk_font()
            except MissingFont as error:
                problem = Problem("printer.no_font", str(error), Notice.PRINTER_UNAVAILABLE)
                raise DeviceFault(DeviceState.NO_DEVICE, problem) from error
        if self.transport == "file":
            try:
                self._file = open(self.port, "ab")  # noqa: SIM115 (kept open until _disconnect)
            except OSError as error:
                raise port_lost(self.port, error, "cannot open") from error
            self._info = DeviceInfo(model="ESC/POS printer behind a file", port=self.port)
            self._set_state(DeviceState.ONLINE, f"writing to {self.port} (a file has no status)")
            return
        self._serial = open_port(self.port, self.baudrate, ANSWER_TIMEOUT_S)
        if self._polling:
            self._check(self._query())
        self._info = self._identify()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            job = self._next_job(stop, POLL_S)
            if job is not None:
                self._print(job)
            elif self._polling:
                self._check(self._query())

    def _disconnect(self) -> None:
        with self._io:
            for stream in (self._serial, self._file):
                if stream is not None:
                    with contextlib.suppress(*PortError):  # already gone: unplugged
                        stream.close()
            self._serial = self._file = None
        self._drop_queued_jobs()

    def _health(self, level: HealthLevel) -> tuple[bool, list[str]]:
        if level is HealthLevel.INTERNAL:
            return self._internal_check()
        test_page = level is HealthLevel.INTERACTIVE
        job = self._submit(_test_page(self.encoder.paper_mm) if test_page else _test_slip())
        if not job.done.wait(HEALTH_WAIT_S):
            return False, [f"test job {job.id} not finished after {HEALTH_WAIT_S:.0f} s"]
        if job.problem is not None:
            return False, [f"test job {job.id} failed: {job.problem.technician}"]
        lines = [f"test job {job.id} printed ({self.encoder.text_mode} text)"]
        if test_page:
            lines.append(
                "check the printout: Chinese title and text readable (not boxes or '?'), values "
                f"right-aligned, the QR code scans as {TEST_QR}, the barcode as {TEST_BARCODE}, "
                "and the paper was cut"
            )
        return True, lines

    # -- jobs ---------------------------------------------------------------------------------

    def _print(self, job: PrintJob) -> None:
        try:
            encoded = self.encoder.encode(job.document)
        except (ValueError, MissingFont) as error:  # LayoutError, a picture Pillow cannot read
            problem = Problem(
                "printer.layout", f"job {job.id} cannot be printed: {error}", Notice.CALL_STAFF
            )
            self._report(problem)
            self._finish(job, problem)
            return
        try:
            before = self._check(self._query()) if self._polling else None
            if before is not None:
                self._finish(job, before)
                return
            self._deliver(encoded.data)
            after = self._check(self._query()) if self._polling else None
        except DeviceFault as fault:
            self._finish(job, fault.problem)
            raise
        self._count("paper_mm", round(encoded.mm))
        if after is not None:  # ran out of paper, or the cover opened, while printing
            incomplete = f"job {job.id} may be incomplete: {after.technician}"
            self._finish(job, Problem(after.code, incomplete, after.notice))
        else:
            self._finish(job, output=self.port)

    def _deliver(self, data: bytes) -> None:
        with self._io:
            try:
                if self._file is not None:
                    self._file.write(data)
                    self._file.flush()
                    return
                port = self._open_port()
                # Pieces of about half a second of wire time, so the write timeout (2 s) only
                # trips when the printer stops taking data, not because the job is long.
                piece = max(64, self.baudrate // 20)
                for start in range(0, len(data), piece):
                    port.write(data[start : start + piece])
                port.flush()
                self._wrote = True
            except serial.SerialTimeoutException as error:
                raise DeviceFault(
                    DeviceState.HARDWARE_ERROR,
                    Problem(
                        "printer.stalled",
                        f"the printer on {self.port} stopped taking data ({error}); "
                        "the printout is incomplete",
                        Notice.PRINTER_UNAVAILABLE,
                    ),
                ) from error
            except PortError as error:
                raise port_lost(self.port, error) from error

    # -- status -------------------------------------------------------------------------------

    def _query(self) -> PrinterStatus:
        with self._io:
            port = self._open_port()
            if self._wrote:
                time.sleep(SETTLE_S)
                self._wrote = False
            answers = []
            for query in (Query.PRINTER, Query.OFFLINE_CAUSE, Query.PAPER):
                answer = self._ask(port, query)
                if answer is None:
                    raise DeviceFault(
                        DeviceState.POWER_OFF,
                        Problem(
                            "printer.no_answer",
                            f"no answer to DLE EOT {int(query)} on {self.port} within "
                            f"{ANSWER_TIMEOUT_S} s (twice): switched off, or not ESC/POS",
                            Notice.PRINTER_UNAVAILABLE,
                        ),
                    )
                answers.append(answer)
        return PrinterStatus.parse(*answers)

    def _ask(self, port: serial.SerialBase, query: Query) -> int | None:
        """The status byte for `query`, asked twice at most; stray bytes are skipped."""
        try:
            for _ in range(2):
                port.reset_input_buffer()
                port.write(query.request)
                deadline = time.monotonic() + ANSWER_TIMEOUT_S
                while time.monotonic() < deadline:
                    byte = port.read(1)
                    if byte and is_answer(byte[0]):
                        return byte[0]
        except PortError as error:
            raise port_lost(self.port, error) from error
        return None

    def _check(self, status: PrinterStatus) -> Problem | None:
        """Set the state from `status`; the problem that stops printing, if any. Raises
        `DeviceFault` for a printer that needs a reopen."""
        codes = f"DLE EOT status: {status.describe()}"
        if status.error or (status.offline and not (status.paper_end or status.cover_open)):
            raise DeviceFault(
                DeviceState.HARDWARE_ERROR,
                Problem(
                    "printer.offline", f"printer offline ({codes})", Notice.PRINTER_UNAVAILABLE
                ),
            )
        problem = None
        if status.paper_end:
            problem = Problem(
                "printer.paper_out",
                f"out of paper: load a new roll ({codes})",
                Notice.PRINTER_OUT_OF_PAPER,
            )
        elif status.cover_open:
            problem = Problem(
                "printer.cover_open", f"cover open: close it ({codes})", Notice.CALL_STAFF
            )
        if problem is not None:
            if (self._state, self._detail) != (DeviceState.USER_ERROR, problem.technician):
                self._fail(DeviceState.USER_ERROR, problem)
            return problem
        if status.near_end and not self._near_end_reported:
            self._near_end_reported = True
            self._report(
                Problem(
                    "printer.paper_near_end",
                    "paper near end: change the roll soon",
                    Notice.CALL_STAFF,
                )
            )
        self._near_end_reported &= status.near_end  # a new roll arms the warning again
        self._set_state(DeviceState.ONLINE, "ready, paper near end" if status.near_end else "ready")
        return None

    def _identify(self) -> DeviceInfo:
        """Maker, model, firmware and serial number from `GS I n` (printer information B:
        `_` + text + NUL); stops at the first question without an answer."""
        found: dict[str, str] = {}
        port = self._open_port()
        try:
            with self._io:
                for number, field in IDENTITY.items():
                    port.reset_input_buffer()
                    port.write(b"\x1dI" + bytes([number]))
                    answer = port.read_until(b"\x00", 64)  # one read timeout at most
                    if not (answer.startswith(b"_") and answer.endswith(b"\x00")):
                        break
                    found[field] = answer[1:-1].decode("ascii", errors="replace")
        except PortError as error:
            raise port_lost(self.port, error) from error
        maker, model = found.get("maker", ""), found.get("model", "ESC/POS printer")
        return DeviceInfo(
            model=f"{maker} {model}".strip(),
            serial=found.get("serial", ""),
            firmware=found.get("firmware", ""),
            port=self.port,
        )

    def _internal_check(self) -> tuple[bool, list[str]]:
        if self.transport == "file":
            return self._file is not None, [f"file output {self.port}: no status to ask"]
        if self._serial is None:
            return False, [f"port {self.port} is not open"]
        status = self._query()  # waits for a job being written to finish
        return status.ready, [f"DLE EOT status: {status.describe()}"]

    def _open_port(self) -> serial.SerialBase:
        if self._serial is None:
            raise port_lost(self.port, OSError("the port is closed"))
        return self._serial


def _test_slip() -> Document:
    when = time.strftime("%Y-%m-%d %H:%M:%S")
    return Document(
        (Text("打印测试 Print test", Align.CENTER, bold=True), Row("时间 Time", when)), "test slip"
    )


def _test_page(paper_mm: int) -> Document:
    return Document(
        (
            Title("打印机测试页"),
            Text("Printer test page", Align.CENTER),
            Separator(),
            Row("纸宽 Paper", f"{paper_mm} mm"),
            Row("时间 Time", time.strftime("%Y-%m-%d %H:%M:%S")),
            Text("中文：政务服务自助终端。English: self-service kiosk."),
            QRCode(TEST_QR, caption=TEST_QR),
            Barcode(TEST_BARCODE),
        ),
        "test page",
    )


def build(name: str, port: str, options: Mapping[str, object]) -> ReceiptPrinter:
    """The receipt printer of a `[devices.NAME]` table; `ValueError("option ...")` for bad
    options (see the module docstring)."""
    given = Options(options)
    paper = given.choice("paper_width", (80, 58), 80)
    text_mode = given.choice("text_mode", MODES, "native")
    qr_mode = given.choice("qr_mode", MODES, "native")
    transport = given.choice("transport", TRANSPORTS, "serial")
    baudrate = given.integer("baudrate", 115200, (1200, 4_000_000))
    status = given.boolean("status", transport == "serial")
    given.reject_unknown()
    if transport == "file" and status:
        raise ValueError("option status: a file output has no status; set it false")
    encoder = EscposEncoder(paper, text_mode, qr_mode)
    return ReceiptPrinter(name, port, encoder, transport, baudrate, status)
