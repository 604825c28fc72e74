"""The shared `Device` lifecycle and the `Supervisor`, seen through a real serial scanner on a
pseudo-terminal that the test unplugs and plugs back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.model import DeviceEvent, DeviceState, HealthLevel, StatusChanged
from devices.scanner import SerialScanner
from devices.sim.scanner import ScannerSimulator
from devices.supervisor import Supervisor
from tests.test_scanner import Recorder
from tests.waiting import wait_until


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[ScannerSimulator]:
    simulator = ScannerSimulator(tmp_path)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def scanner(simulator: ScannerSimulator) -> Iterator[SerialScanner]:
    scanner = SerialScanner("door-scanner", simulator.address)
    yield scanner
    scanner.close()


def states(recorder: Recorder) -> list[DeviceState]:
    return [e.status.state for e in recorder.events if isinstance(e, StatusChanged)]


def test_open_goes_online_with_device_info(scanner: SerialScanner, simulator: ScannerSimulator):
    recorder = Recorder(scanner)
    scanner.open()
    status = scanner.status()
    assert (status.state, status.detail) == (DeviceState.ONLINE, "ready")
    assert (status.kind, status.info.port, status.info.model) == (
        "serial_scanner",
        simulator.address,
        "serial code scanner",
    )
    assert status.counters["opens"] == 1
    assert states(recorder) == [DeviceState.STARTING, DeviceState.ONLINE]


def test_unplugging_goes_power_off_naming_the_port(
    scanner: SerialScanner, simulator: ScannerSimulator
):
    recorder = Recorder(scanner)
    scanner.open()
    simulator.unplug()
    wait_until(lambda: scanner.state is DeviceState.POWER_OFF)
    status = scanner.status()
    assert simulator.address in status.detail
    assert status.last_error is not None and status.last_error.code == "port.unavailable"
    assert states(recorder)[-2:] == [DeviceState.ONLINE, DeviceState.POWER_OFF]


def test_opening_an_absent_port_is_power_off_not_an_exception(tmp_path: Path) -> None:
    scanner = SerialScanner("absent", str(tmp_path / "no-such-port"))
    scanner.open()
    assert scanner.state is DeviceState.POWER_OFF
    assert "no-such-port" in scanner.status().detail
    scanner.close()


def test_the_supervisor_brings_a_replugged_scanner_back(
    scanner: SerialScanner, simulator: ScannerSimulator
):
    recorder = Recorder(scanner)
    supervisor = Supervisor([scanner])
    supervisor.start()
    try:
        wait_until(lambda: scanner.state is DeviceState.ONLINE)
        simulator.unplug()
        wait_until(lambda: scanner.state is DeviceState.POWER_OFF)
        simulator.replug()
        wait_until(lambda: scanner.state is DeviceState.ONLINE, timeout_s=5.0)
        simulator.scan("AFTER-REPLUG")
        assert recorder.wait_codes(1) == ["AFTER-REPLUG"]
    finally:
        supervisor.stop()
    assert scanner.state is DeviceState.OFFLINE


def test_the_supervisor_backs_off_and_a_broken_device_blocks_nobody(
    tmp_path: Path, simulator: ScannerSimulator
):
    absent = SerialScanner("absent", str(tmp_path / "unplugged"))
    working = SerialScanner("working", simulator.address)
    recorder = Recorder(working)
    supervisor = Supervisor([absent, working])
    supervisor.start()
    try:
        wait_until(lambda: absent.status().counters.get("opens", 0) >= 1)
        opens_before = absent.status().counters["opens"]
        wait_until(lambda: working.state is DeviceState.ONLINE)
        simulator.scan("STILL-WORKS")
        assert recorder.wait_codes(1) == ["STILL-WORKS"]
        time.sleep(3.0)  # a window in which to count the retries
        retries = absent.status().counters["opens"] - opens_before
    finally:
        supervisor.stop()
    # Backoff from 0.25 s doubling to 2 s (jittered to 50-100 %): 3 to 5 tries in 3 s, not 30.
    assert 2 <= retries <= 6
    assert absent.state is DeviceState.POWER_OFF


def test_close_is_quick_and_leaves_offline(scanner: SerialScanner) -> None:
    scanner.open()
    started = time.monotonic()
    scanner.close()
    assert time.monotonic() - started < 2.0  # the worker wakes from its read within 0.2 s
    assert scanner.state is DeviceState.OFFLINE
    assert not any(t.name == "device-door-scanner" for t in threading.enumerate())
    scanner.close()  # twice is harmless
    assert scanner.state is DeviceState.OFFLINE


def test_a_listener_that_raises_does_not_break_the_device(
    scanner: SerialScanner, simulator: ScannerSimulator
):
    def broken_listener(event: DeviceEvent) -> None:
        raise RuntimeError("a bug in some screen")

    scanner.subscribe(broken_listener)
    recorder = Recorder(scanner)
    scanner.open()
    simulator.scan("FIRST")
    simulator.scan("SECOND")
    assert recorder.wait_codes(2) == ["FIRST", "SECOND"]
    assert scanner.state is DeviceState.ONLINE


def test_health_reports_are_readable(scanner: SerialScanner, simulator: ScannerSimulator):
    scanner.open()
    report = scanner.check_health(HealthLevel.INTERNAL)
    assert report.ok
    text = report.text()
    assert text.startswith("door-scanner internal check: OK")
    assert "state: online (ready)" in text and simulator.address in text

    simulator.unplug()
    wait_until(lambda: scanner.state is DeviceState.POWER_OFF)
    report = scanner.check_health(HealthLevel.EXTERNAL)
    assert not report.ok
    assert "external check: FAILED" in report.text() and "not open" in report.text()


def test_the_interactive_check_reports_the_code_a_person_scans(
    scanner: SerialScanner, simulator: ScannerSimulator
):
    scanner.open()
    person = threading.Timer(0.2, simulator.scan, args=("PERSON-1",))
    person.start()
    report = scanner.check_health(HealthLevel.INTERACTIVE)
    person.join()
    assert report.ok and "scanned 'PERSON-1' (8 bytes)" in report.text()


def test_the_interactive_check_fails_when_nobody_scans(simulator: ScannerSimulator) -> None:
    scanner = SerialScanner("door-scanner", simulator.address, interactive_wait_s=0.2)
    scanner.open()
    report = scanner.check_health(HealthLevel.INTERACTIVE)
    scanner.close()
    assert not report.ok and "no code scanned within 0.2 s" in report.text()


def test_the_supervisor_keeps_retrying_after_a_thousand_failures(tmp_path: Path) -> None:
    absent = SerialScanner("absent", str(tmp_path / "unplugged"))
    supervisor = Supervisor([absent], first_delay_s=0.0005, max_delay_s=0.0005)
    supervisor.start()
    try:
        wait_until(lambda: absent.status().counters.get("opens", 0) >= 1025, timeout_s=10.0)
        time.sleep(0.5)  # a window in which a live watcher retries hundreds of times
        assert absent.status().counters["opens"] > 1030
    finally:
        supervisor.stop()
