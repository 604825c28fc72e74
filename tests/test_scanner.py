"""The serial code scanner, driven over a real pseudo-terminal by the scanner simulator."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.codes import Code, CodeScanned
from devices.device import Device
from devices.model import DeviceError, DeviceEvent, DeviceState, HealthLevel, Problem
from devices.scanner import QUIET_S, LineSplitter, SerialScanner, build
from devices.sim.scanner import ScannerSimulator
from tests.waiting import wait_until


class Recorder:
    """Keeps every event a device emits (on its worker thread) for the test to look at."""

    def __init__(self, device: Device) -> None:
        self.events: list[DeviceEvent] = []
        self._lock = threading.Lock()
        device.subscribe(self._on_event)

    def _on_event(self, event: DeviceEvent) -> None:
        with self._lock:
            self.events.append(event)

    def codes(self) -> list[Code]:
        with self._lock:
            return [e.code for e in self.events if isinstance(e, CodeScanned)]

    def problems(self) -> list[Problem]:
        with self._lock:
            return [e.problem for e in self.events if isinstance(e, DeviceError)]

    def wait_codes(self, count: int) -> list[str]:
        wait_until(lambda: len(self.codes()) >= count)
        return [code.text for code in self.codes()]

    def wait_problem(self, code: str) -> Problem:
        wait_until(lambda: any(p.code == code for p in self.problems()))
        return next(p for p in self.problems() if p.code == code)


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[ScannerSimulator]:
    simulator = ScannerSimulator(tmp_path)
    simulator.start()
    yield simulator
    simulator.stop()


OpenScanner = Callable[..., tuple[SerialScanner, Recorder]]


@pytest.fixture
def open_scanner(simulator: ScannerSimulator) -> Iterator[OpenScanner]:
    opened: list[SerialScanner] = []

    def open_scanner(options: Mapping[str, object] | None = None) -> tuple[SerialScanner, Recorder]:
        scanner = build("scanner", simulator.address, options or {})
        recorder = Recorder(scanner)
        scanner.open()
        opened.append(scanner)
        assert scanner.state is DeviceState.ONLINE, scanner.status().detail
        return scanner, recorder

    yield open_scanner
    for scanner in opened:
        scanner.close()


def test_codes_end_with_cr_lf_or_crlf(simulator: ScannerSimulator, open_scanner: OpenScanner):
    scanner, recorder = open_scanner()
    for code, ending in (("A-1", "\r"), ("B-2", "\n"), ("C-3", "\r\n")):
        simulator.scan(code, ending)
    assert recorder.wait_codes(3) == ["A-1", "B-2", "C-3"]
    assert scanner.status().counters["codes"] == 3
    assert recorder.problems() == []


def test_codes_split_across_writes_are_put_together(
    simulator: ScannerSimulator, open_scanner: OpenScanner
):
    _, recorder = open_scanner()
    for chunk in (b"HEL", b"LO-1\r", b"\nWOR", b"LD", b"\r", b"\n"):
        simulator.send(chunk)
    assert recorder.wait_codes(2) == ["HELLO-1", "WORLD"]


def test_empty_lines_are_ignored(simulator: ScannerSimulator, open_scanner: OpenScanner):
    _, recorder = open_scanner()
    simulator.send(b"\r\n\r\n\n\r\r")
    simulator.scan("ONLY")
    assert recorder.wait_codes(1) == ["ONLY"]
    assert recorder.problems() == []


def test_binary_bytes_are_kept_in_raw(simulator: ScannerSimulator, open_scanner: OpenScanner):
    _, recorder = open_scanner()
    payload = b"\x00\xff\xfe\x80sig\x1d\x7f"
    simulator.scan(payload)
    recorder.wait_codes(1)
    code = recorder.codes()[0]
    assert code.raw == payload
    assert "sig" in code.text and "\ufffd" in code.text


def test_garbage_without_a_line_end_is_dropped_and_the_next_code_reads(
    simulator: ScannerSimulator, open_scanner: OpenScanner
):
    scanner, recorder = open_scanner()
    garbage = bytes(byte for byte in os.urandom(12_000) if byte not in b"\r\n")[:10_240]
    simulator.send(garbage)
    problem = recorder.wait_problem("scanner.line_too_long")
    assert "longer than 8192 bytes" in problem.technician
    time.sleep(QUIET_S * 2)  # the person scans the next code a moment later
    simulator.scan("NEXT-CODE")
    assert recorder.wait_codes(1) == ["NEXT-CODE"]
    status = scanner.status()
    assert status.state is DeviceState.ONLINE
    assert (status.counters["dropped"], status.counters["errors"]) == (1, 1)


def test_an_overlong_line_with_its_end_is_dropped_and_the_next_code_reads(
    simulator: ScannerSimulator, open_scanner: OpenScanner
):
    _, recorder = open_scanner()
    simulator.scan(b"x" * 10_000)
    simulator.scan("NEXT-CODE")
    assert recorder.wait_codes(1) == ["NEXT-CODE"]
    assert [p.code for p in recorder.problems()] == ["scanner.line_too_long"]


def test_a_code_without_a_line_end_is_reported_and_reading_goes_on(
    simulator: ScannerSimulator, open_scanner: OpenScanner
):
    _, recorder = open_scanner()
    simulator.send(b"NO-END")
    problem = recorder.wait_problem("scanner.no_line_end")
    assert "b'NO-END'" in problem.technician and "CR or LF" in problem.technician
    simulator.scan("WITH-END")
    assert recorder.wait_codes(1) == ["WITH-END"]


def test_prefix_and_suffix_are_stripped_when_present(
    simulator: ScannerSimulator, open_scanner: OpenScanner
):
    _, recorder = open_scanner({"prefix": "]Q1", "suffix": "#"})
    for code in ("]Q1ABC#", "XYZ", "]Q1#", "]Q1only-prefix", "LAST"):
        simulator.scan(code)
    assert recorder.wait_codes(4) == ["ABC", "XYZ", "only-prefix", "LAST"]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"baudrate": "fast"}, "baudrate"),
        ({"baudrate": 0}, "baudrate"),
        ({"baudrate": True}, "baudrate"),
        ({"prefix": 5}, "prefix"),
        ({"suffix": "\r"}, "suffix"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_options_raise_a_value_error_naming_the_option(
    options: dict[str, object], named: str
) -> None:
    with pytest.raises(ValueError, match=f"^option {named}: "):
        build("scanner", "/dev/null", options)


def test_the_baudrate_option_is_used(simulator: ScannerSimulator, open_scanner: OpenScanner):
    scanner, _ = open_scanner({"baudrate": 115200})
    assert "115200 baud" in scanner.check_health(HealthLevel.INTERNAL).text()


# -- the line splitter on its own, with the clock in the test's hands -----------------------

line = st.binary(max_size=40).map(lambda data: data.replace(b"\r", b"").replace(b"\n", b""))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(line, st.sampled_from([b"\r", b"\n", b"\r\n"])), max_size=12),
    st.lists(st.integers(min_value=0, max_value=600), max_size=20),
)
def test_any_chunking_of_the_stream_gives_the_same_codes(
    lines: list[tuple[bytes, bytes]], cuts: list[int]
) -> None:
    stream = b"".join(data + ending for data, ending in lines)
    bounds = sorted({0, len(stream), *(cut for cut in cuts if cut < len(stream))})
    splitter = LineSplitter()
    items = [
        item
        for start, end in itertools.pairwise(bounds)
        for item in splitter.feed(stream[start:end], now=0.0)
    ]
    assert items == [data for data, _ in lines if data]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=3000), max_size=30))
def test_random_bytes_never_raise_and_a_code_after_a_pause_reads(chunks: list[bytes]) -> None:
    splitter = LineSplitter(max_bytes=1000)
    for chunk in chunks:
        for item in splitter.feed(chunk, now=0.0):
            assert isinstance(item, Problem) or 0 < len(item) <= 1000
    splitter.idle(now=QUIET_S)
    assert splitter.feed(b"CODE\r\n", now=QUIET_S) == [b"CODE"]


def test_a_megabyte_of_garbage_gives_one_problem() -> None:
    splitter = LineSplitter()
    items = [item for _ in range(256) for item in splitter.feed(b"z" * 4096, now=0.0)]
    assert [item.code for item in items if isinstance(item, Problem)] == ["scanner.line_too_long"]
    assert splitter.feed(b"\r\nOK\r\n", now=0.1) == [b"OK"]
