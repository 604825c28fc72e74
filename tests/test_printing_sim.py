"""The ESC/POS printer simulator: it reads jobs in any pieces, survives any garbage, answers
status in real time, and its command line serves a port and writes PNGs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from devices.printing.document import Document, QRCode, Row, Title
from devices.printing.escpos import EscposEncoder
from devices.printing.status import PrinterStatus, Query
from devices.sim.escpos_paper import EscposInterpreter, RealTimeScanner
from devices.sim.printer import PrinterSimulator
from tests.conftest import ROOT

JOB = EscposEncoder().encode(Document((Title("凭证"), Row("姓名", "张三"), QRCode("x")))).data


def test_a_job_split_at_every_byte_prints_the_same_receipt() -> None:
    whole, split = EscposInterpreter(), EscposInterpreter()
    whole.feed(JOB)
    for byte in JOB:
        split.feed(bytes([byte]))
    (one,), (other,) = whole.take(), split.take()
    assert one.lines == other.lines == ("凭证", "姓名" + " " * 40 + "张三")
    assert one.data == other.data == JOB
    assert one.image.tobytes() == other.image.tobytes()


def test_unknown_commands_are_skipped_and_counted_and_printing_goes_on() -> None:
    interpreter = EscposInterpreter()
    interpreter.feed(b"\x1b\xff" + b"\x1d\xfe" + b"\x07" + b"ok\n\x1dV\x00")
    (receipt,) = interpreter.take()
    assert receipt.lines == ("ok",)
    assert interpreter.skipped == 5


# Starts of real commands, so the garbage reaches deep into each command's parser.
PREFIXES = [b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x1dv0", b"\x1d(k", b"\x1dk", b"\x1dV", b"\x1c&"]
GARBAGE = st.lists(
    st.one_of(
        st.binary(max_size=200), st.tuples(st.sampled_from(PREFIXES), st.binary(max_size=40))
    ),
    max_size=12,
).map(lambda pieces: [b"".join(p) if isinstance(p, tuple) else p for p in pieces])


@settings(max_examples=200, deadline=None)
@given(GARBAGE)
def test_garbage_never_crashes_the_interpreter(pieces: list[bytes]) -> None:
    interpreter = EscposInterpreter()
    for piece in pieces:
        interpreter.feed(piece)
    interpreter.feed(b"\x00" * 300)  # completes whatever command the garbage started
    interpreter.take()


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64), st.integers(1, 4), st.binary(max_size=64), st.integers(1, 5))
def test_status_requests_are_found_wherever_the_reads_split(
    before: bytes, query: int, after: bytes, cut: int
) -> None:
    stream = before + b"\x10\x04" + bytes([query]) + after
    scanner = RealTimeScanner()
    at = len(before) + cut % 3  # split inside the request, or just before it
    found = scanner.feed(stream[:at]) + scanner.feed(stream[at:])
    assert query in found
    assert found.count(query) == stream.count(b"\x10\x04" + bytes([query]))


def test_the_simulator_answers_status_through_garbage_on_its_port(tmp_path: Path) -> None:
    with PrinterSimulator(tmp_path) as sim:
        port = serial.serial_for_url(sim.address, timeout=1)
        try:
            port.write(b"\x1dv0\x00\xff\xff\xff\xff" + os.urandom(2000))  # garbage, in bulk
            port.reset_input_buffer()
            port.write(Query.PAPER.request)
            assert port.read(1) == bytes([PrinterStatus().answer(Query.PAPER)])
            sim.paper_out()
            port.write(Query.PAPER.request)
            assert port.read(1) == b"\x7e"  # near end and paper end bits: 0x12 | 0x0C | 0x60
        finally:
            port.close()


# Started as a shell script's background job is: with Ctrl-C (SIGINT) ignored, which a child
# inherits, and which would leave Python never raising KeyboardInterrupt.
IN_THE_BACKGROUND = ("sh", "-c", 'trap \'\' INT; exec "$0" "$@"')


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_the_command_line_serves_a_port_writes_pngs_and_stops_cleanly(
    tmp_path: Path, stop: signal.Signals
) -> None:
    printer = (sys.executable, "-m", "devices.sim", "printer", "--out", str(tmp_path))
    server = subprocess.Popen(
        [*IN_THE_BACKGROUND, *printer],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert "serial port" in first
        port_path = first.rsplit(" ", 1)[1].strip()
        with serial.serial_for_url(port_path, timeout=1) as port:
            port.write(JOB)
            port.flush()
            deadline = time.monotonic() + 10  # the .bin is written after the PNG
            while not (tmp_path / "receipt-0001.bin").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        assert (tmp_path / "receipt-0001.bin").read_bytes() == JOB
        assert Image.open(tmp_path / "receipt-0001.png").width == 640
        server.send_signal(stop)
        assert server.wait(10) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_a_citizen_takes_the_receipts_and_the_simulator_forgets_them(tmp_path: Path) -> None:
    """A simulator printing for days must not keep every receipt in memory."""
    with PrinterSimulator(tmp_path) as sim:
        port = serial.serial_for_url(sim.address, timeout=1)
        try:
            port.write(JOB + JOB)
            first, second = sim.wait_for_receipts(2)
            assert sim.take_receipts() == [first, second] and sim.receipts == []
            port.write(JOB)
            (third,) = sim.wait_for_receipts(1)  # counted from the empty tray
            assert third.number == second.number + 1 and third.path and third.path.exists()
        finally:
            port.close()
