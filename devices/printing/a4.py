"""An A4 printer: documents rendered as PDF (`pdf.render_pdf`) and either kept in a folder or
sent to a CUPS queue with `lp -d QUEUE file.pdf` (DESIGN.md §3).

The port is the output folder. Without a queue each job's PDF stays there
(`YYYYmmdd-HHMMSS-JOB.pdf`: a "print to file" for development, or for a folder another system
collects). With a queue, the PDF is written there only until `lp` has spooled it, then
deleted, so no citizen's document is left behind (DESIGN.md §7).

States: ONLINE when the folder is writable (and, with a queue, `lpstat -p QUEUE` says the
queue exists and is enabled, checked every 10 s when idle); POWER_OFF when the folder is not
writable, or CUPS does not answer, or the queue is unknown or disabled (the supervisor retries);
NO_DEVICE when something must be installed first: the CUPS client (`lp`), or a CJK font.

Options of `build(name, port, options)`:

- `queue` (str): the CUPS queue to print to; "" (default) keeps the PDFs in the folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from devices.model import DeviceFault, DeviceInfo, DeviceState, HealthLevel, Notice, Problem
from devices.options import Options
from devices.printing.document import Align, Document, QRCode, Row, Separator, Text, Title
from devices.printing.fonts import MissingFont, cjk_font
from devices.printing.jobs import PrinterDevice, PrintJob
from devices.printing.pdf import render_pdf

QUEUE_POLL_S = 10.0
COMMAND_TIMEOUT_S = 30.0
HEALTH_WAIT_S = 60.0
TEST_QR = "KIOSK-A4-TEST"
# CUPS' messages in English, whatever the kiosk's locale, so they can be read here.
C_LOCALE = {**os.environ, "LC_ALL": "C"}


class A4Printer(PrinterDevice):
    kind = "a4_printer"

    def __init__(self, name: str, folder: Path, queue: str = "") -> None:
        super().__init__(name)
        self.folder, self.queue = folder, queue

    # -- hooks --------------------------------------------------------------------------------

    def _connect(self) -> None:
        try:
            font = cjk_font()
        except MissingFont as error:
            problem = _problem("printer.no_font", str(error))
            raise DeviceFault(DeviceState.NO_DEVICE, problem) from error
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _unreachable("printer.folder", f"cannot create {self.folder}: {error}") from error
        if not os.access(self.folder, os.W_OK):
            raise _unreachable("printer.folder", f"folder {self.folder} is not writable")
        if not self.queue:
            self._info = DeviceInfo(model="PDF writer", firmware=font.family, port=str(self.folder))
            self._set_state(DeviceState.ONLINE, f"writing PDFs to {self.folder}")
            return
        if shutil.which("lp") is None:
            raise DeviceFault(
                DeviceState.NO_DEVICE,
                _problem(
                    "printer.no_cups",
                    f"cannot print to CUPS queue {self.queue!r}: the CUPS client `lp` is not "
                    "installed (Debian: apt-get install cups-client)",
                ),
            )
        self._info = DeviceInfo(model=f"CUPS queue {self.queue}", firmware=font.family)
        self._check_queue()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            job = self._next_job(stop, QUEUE_POLL_S if self.queue else 1.0)
            if job is not None:
                self._print(job)
            elif self.queue:
                self._check_queue()

    def _disconnect(self) -> None:
        self._drop_queued_jobs()

    def _health(self, level: HealthLevel) -> tuple[bool, list[str]]:
        if level is HealthLevel.INTERNAL:
            if self.queue:
                return True, [self._queue_status()]
            writable = os.access(self.folder, os.W_OK)
            return writable, [f"folder {self.folder} {'is' if writable else 'is not'} writable"]
        job = self._submit(_test_page())
        if not job.done.wait(HEALTH_WAIT_S):
            return False, [f"test job {job.id} not finished after {HEALTH_WAIT_S:.0f} s"]
        if job.problem is not None:
            return False, [f"test job {job.id} failed: {job.problem.technician}"]
        lines = [f"test job {job.id} done: {job.output}"]
        if level is HealthLevel.INTERACTIVE:
            lines.append(
                "check the printout: A4 portrait, Chinese title and text readable (not boxes), "
                f"the table ruled, the QR code scans as {TEST_QR}"
            )
        return True, lines

    # -- jobs ---------------------------------------------------------------------------------

    def _print(self, job: PrintJob) -> None:
        try:
            pdf = render_pdf(job.document)
        except (MissingFont, ValueError, OSError) as error:
            problem = _problem("printer.render", f"job {job.id}: cannot make the PDF: {error}")
            self._report(problem)
            self._finish(job, problem)
            return
        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{job.id}.pdf"
        try:
            path.write_bytes(pdf)
        except OSError as error:
            problem = _problem("printer.folder", f"job {job.id}: cannot write {path}: {error}")
            self._finish(job, problem)
            raise DeviceFault(DeviceState.POWER_OFF, problem) from error
        if not self.queue:
            self._finish(job, output=str(path))
            return
        try:
            request = self._lp(path, job)
        except DeviceFault as fault:
            self._finish(job, fault.problem)
            raise
        finally:
            path.unlink(missing_ok=True)
        self._finish(job, output=request)

    def _lp(self, path: Path, job: PrintJob) -> str:
        """Spool `path` on the queue; the CUPS request id ("QUEUE-123")."""
        result = self._command(["lp", "-d", self.queue, "-t", job.document.name, str(path)])
        # "request id is QUEUE-123 (1 file(s))"
        words = result.stdout.split()
        return (
            words[3] if len(words) > 3 and words[:3] == ["request", "id", "is"] else result.stdout
        )

    def _check_queue(self) -> None:
        line = self._queue_status()
        self._set_state(DeviceState.ONLINE, f"printing to CUPS queue {self.queue}: {line}")

    def _queue_status(self) -> str:
        """`lpstat -p QUEUE`'s line; `DeviceFault(POWER_OFF)` if the queue cannot print."""
        line = self._command(["lpstat", "-p", self.queue]).stdout.strip()
        if " disabled" in line:
            raise _unreachable("printer.queue_disabled", f"CUPS queue is disabled: {line}")
        return line

    def _command(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, env=C_LOCALE
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise _unreachable("printer.cups", f"`{' '.join(command)}` failed: {error}") from error
        if result.returncode != 0:
            said = (result.stderr or result.stdout).strip()
            raise _unreachable("printer.cups", f"`{' '.join(command)}`: {said}")
        return result


def _problem(code: str, technician: str) -> Problem:
    return Problem(code, technician, Notice.PRINTER_UNAVAILABLE)


def _unreachable(code: str, technician: str) -> DeviceFault:
    return DeviceFault(DeviceState.POWER_OFF, _problem(code, technician))


def _test_page() -> Document:
    return Document(
        (
            Title("打印机测试页 Printer test page"),
            Separator(),
            Row("时间 Time", time.strftime("%Y-%m-%d %H:%M:%S")),
            Row("纸张 Paper", "A4"),
            Text("中文：政务服务自助终端。English: self-service kiosk.", Align.LEFT),
            QRCode(TEST_QR, caption=TEST_QR),
        ),
        "test page",
    )


def build(name: str, port: str, options: Mapping[str, object]) -> A4Printer:
    """The A4 printer of a `[devices.NAME]` table: `port` is the output folder."""
    given = Options(options)
    queue = given.text("queue", "")
    given.reject_unknown()
    if not port:
        raise ValueError("port: the output folder is empty")
    return A4Printer(name, Path(port), queue)
