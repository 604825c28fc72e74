"""An ESC/POS receipt printer on a pseudo-terminal (and, if asked, a TCP port like a network
printer's 9100): it answers real-time status, draws every job and saves it as a PNG.

Like a real printer it has two halves: the receiving side answers `DLE EOT n` the moment the
bytes arrive (`RealTimeScanner`), even while a job is being drawn, and hands the bytes on to
the print engine (`EscposInterpreter`, its own thread), which finishes a receipt at each cut
and saves it as `receipt-NNNN.png` (and the job's bytes as `receipt-NNNN.bin`) in the working
directory.

Fault controls: `paper_out()`, `paper_near_end()`, `refill()`, `open_cover()`,
`close_cover()`, `go_offline()`/`go_online()` (an error: offline with no paper or cover
cause), `power_off()`/`power_on()` (no answers, bytes lost, the port stays), and
`unplug()`/`replug()` (the port goes away). While it cannot print (paper out, cover open,
offline) it discards what it receives, job in progress included, as a printer that ran out
mid-receipt loses the rest.

`python -m devices.sim printer [--out DIR] [--tcp PORT] [--paper 58|80]` runs one by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from devices.printing.escpos import PAPER_DOTS
from devices.printing.fonts import cjk_font
from devices.printing.status import PrinterStatus
from devices.sim.escpos_paper import EscposInterpreter, RealTimeScanner, Receipt
from devices.sim.pty_port import PtyPort

log = logging.getLogger(__name__)

Reply = Callable[[bytes], object]
READ_TIMEOUT_S = 0.05


class PrinterSimulator:
    def __init__(
        self,
        workdir: Path,
        paper_mm: int = 80,
        tcp_port: int | None = None,
        on_receipt: Callable[[Receipt], None] | None = None,
    ) -> None:
        self.workdir = workdir
        self.paper_mm = paper_mm
        self._tcp_port = tcp_port  # 0: any free port
        self._on_receipt = on_receipt
        self.status = PrinterStatus()
        self.answering = True  # False: switched off
        self.receipts: list[Receipt] = []
        self.discarded = 0  # bytes received while it could not print
        self._lock = threading.Lock()
        self._receipt_added = threading.Condition(self._lock)
        self._engine = EscposInterpreter(PAPER_DOTS[paper_mm])
        self._work: queue.Queue[tuple[bytes, Reply] | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pty: PtyPort | None = None
        self._server: socket.socket | None = None
        self._client: socket.socket | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The port the adapter opens: a symlink to the pty, like /dev/serial/by-id/..."""
        return str(self.workdir / "printer.pty")

    @property
    def url(self) -> str:
        """`socket://127.0.0.1:PORT` when serving TCP (after `start()`)."""
        if self._server is None:
            raise RuntimeError("not serving TCP: pass tcp_port")
        host, port = self._server.getsockname()
        return f"socket://{host}:{port}"

    @property
    def skipped(self) -> int:
        """Bytes the print engine did not understand."""
        return self._engine.skipped

    def start(self) -> None:
        cjk_font()  # no CJK font: fail here, not later in the print engine's thread
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._pty = PtyPort(Path(self.address))
        self._spawn(self._serve_pty)
        self._spawn(self._print_engine)
        if self._tcp_port is not None:
            self._server = socket.create_server(("127.0.0.1", self._tcp_port))
            self._server.settimeout(READ_TIMEOUT_S)
            self._spawn(self._serve_tcp)

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=f"printer-sim-{target.__name__}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._work.put(None)
        for thread in self._threads:
            thread.join(5)
        for closable in (self._pty, self._client, self._server):
            if closable is not None:
                closable.close()

    def __enter__(self) -> PrinterSimulator:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- fault controls -----------------------------------------------------------------------

    def paper_out(self) -> None:
        self._set(paper_end=True, near_end=True)

    def paper_near_end(self) -> None:
        self._set(near_end=True, paper_end=False)

    def refill(self) -> None:
        self._set(paper_end=False, near_end=False)

    def open_cover(self) -> None:
        self._set(cover_open=True)

    def close_cover(self) -> None:
        self._set(cover_open=False)

    def go_offline(self) -> None:
        self._set(offline=True, error=True)

    def go_online(self) -> None:
        self._set(offline=False, error=False)

    def power_off(self) -> None:
        self.answering = False

    def power_on(self) -> None:
        self.answering = True

    def unplug(self) -> None:
        if self._pty is not None:
            self._pty.unplug()
        self._drop_client()

    def replug(self) -> None:
        if self._pty is not None:
            self._pty.replug()

    # -- results ------------------------------------------------------------------------------

    def wait_for_receipts(self, count: int, timeout_s: float = 10.0) -> list[Receipt]:
        """The first `count` receipts, once printed; `TimeoutError` if they do not come."""
        with self._receipt_added:
            if not self._receipt_added.wait_for(lambda: len(self.receipts) >= count, timeout_s):
                raise TimeoutError(f"{len(self.receipts)} receipts after {timeout_s} s")
            return self.receipts[:count]

    def take_receipts(self) -> list[Receipt]:
        """The receipts printed so far, taken from the tray: the simulator forgets them (their
        files stay), and `wait_for_receipts` counts from none again."""
        with self._lock:
            taken, self.receipts = self.receipts, []
        return taken

    # -- receiving ----------------------------------------------------------------------------

    def _serve_pty(self) -> None:
        scanner = RealTimeScanner()
        while not self._stop.is_set():
            pty = self._pty
            if pty is None or not pty.plugged:
                scanner.reset()
                time.sleep(READ_TIMEOUT_S)
                continue
            data = pty.read(READ_TIMEOUT_S)
            if data:
                self._receive(data, scanner, pty.write)

    def _serve_tcp(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by stop()
            if self._pty is not None and not self._pty.plugged:
                client.close()  # unplugged: the network printer is not there
                continue
            self._drop_client()
            self._client = client
            client.settimeout(READ_TIMEOUT_S)
            self._read_client(client)

    def _read_client(self, client: socket.socket) -> None:
        scanner = RealTimeScanner()
        while not self._stop.is_set():
            try:
                data = client.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return  # the adapter closed the connection
            self._receive(data, scanner, client.sendall)

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    def _receive(self, data: bytes, scanner: RealTimeScanner, reply: Reply) -> None:
        if not self.answering:
            return  # switched off: nothing heard, nothing answered
        status = self.status
        for query in scanner.feed(data):
            _send(reply, bytes([status.answer(query)]))
        self._work.put((data, reply))

    # -- printing -----------------------------------------------------------------------------

    def _print_engine(self) -> None:
        while (item := self._work.get()) is not None:
            data, reply = item
            if not self.status.ready:
                self.discarded += len(data)
                self._engine.discard()
                continue
            try:
                answers = self._engine.feed(data)
            except Exception:  # a bug here must not silence the printer for the next jobs
                log.exception("printer simulator: interpreting %d bytes failed", len(data))
                self._engine.discard()
                continue
            for answer in answers:
                _send(reply, answer)
            for receipt in self._engine.take():
                self._keep(receipt)

    def _keep(self, receipt: Receipt) -> None:
        stem = self.workdir / f"receipt-{receipt.number:04d}"
        receipt.image.save(stem.with_suffix(".png"))
        stem.with_suffix(".bin").write_bytes(receipt.data)
        receipt = replace(receipt, path=stem.with_suffix(".png"))
        with self._receipt_added:
            self.receipts.append(receipt)
            self._receipt_added.notify_all()
        if self._on_receipt is not None:
            self._on_receipt(receipt)

    def _set(self, **changes: bool) -> None:
        self.status = replace(self.status, **changes)


def _send(reply: Reply, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the adapter went away: nobody to answer
        reply(data)


# -- command line ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("printer-out"), help="receipts folder")
    parser.add_argument("--tcp", type=int, help="also serve a network printer on this port")
    parser.add_argument("--paper", type=int, choices=sorted(PAPER_DOTS), default=80, help="mm")


def run(args: argparse.Namespace) -> None:
    def announce(receipt: Receipt) -> None:
        print(f"receipt {receipt.number}: {receipt.path}", flush=True)

    with PrinterSimulator(args.out, args.paper, args.tcp, announce) as printer:
        print(f"ESC/POS printer ({args.paper} mm): serial port {printer.address}", flush=True)
        if args.tcp is not None:
            print(f"network printer: {printer.url}", flush=True)
        print(f"receipts go to {args.out}/; Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)
