"""`python -m devices.sim idcard` by hand: it prints the port and takes commands on stdin."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import serial

from devices.idcard.card import CardRead, IdCard
from devices.idcard.commands import FIND_CARD
from devices.idcard.frames import encode_response
from devices.idcard.reader import build
from devices.model import DeviceEvent
from devices.sim import idcard as idcard_sim
from tests.conftest import ROOT

WAIT_S = 5.0


def test_the_help_lists_the_stdin_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devices.sim", "idcard", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    for command in ("--citizen", "place N", "lift", "fault lift-mid-read", "unplug", "quit"):
        assert command in result.stdout


def test_a_person_places_and_lifts_cards_for_a_real_reader(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "devices.sim", "idcard", "--citizen", "2", "--dir", str(tmp_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    reads: list[IdCard] = []
    arrived = threading.Condition()

    def on_event(event: DeviceEvent) -> None:
        if isinstance(event, CardRead):
            with arrived:
                reads.append(event.card)
                arrived.notify_all()

    def next_read(seen: int) -> IdCard:
        with arrived:
            assert arrived.wait_for(lambda: len(reads) > seen, WAIT_S), "no card read"
            return reads[seen]

    def say(command: str) -> str:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(command + "\n")
        process.stdin.flush()
        return process.stdout.readline().strip()

    try:
        port = process.stdout.readline().strip()
        assert port == str(tmp_path / "idcard-sim")
        reader = build("id_reader", port, {"poll_interval_s": 0.3})
        reader.subscribe(on_event)
        reader.open()
        try:
            assert next_read(0).name == "李明"
            assert say("lift") == "lifted"
            time.sleep(0.7)  # two polls see the reader empty
            assert say("place 4").startswith("placed Hong Kong")
            assert next_read(1).name == "陈家豪"
            assert say("place 99").startswith("unknown command")
        finally:
            reader.close()
        process.stdin.write("quit\n")
        process.stdin.flush()
        assert process.wait(WAIT_S) == 0
    finally:
        process.kill()
        process.wait()


def test_the_command_log_keeps_only_the_latest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader polled every 0.3 s for days must not grow: the log keeps the last commands."""
    monkeypatch.setattr(idcard_sim, "COMMANDS_KEPT", 5)
    sim = idcard_sim.IdCardSimulator(tmp_path)
    sim.start()
    port = serial.serial_for_url(sim.address, timeout=2)
    answer = len(encode_response(0x80))  # "no card": every answer has this length
    try:
        for _ in range(12):
            port.write(FIND_CARD.encode())
            assert len(port.read(answer)) == answer
            sent = time.monotonic()
        assert 5 <= len(sim.commands) <= 10
        assert sim.commands[-1][0] <= sent and sim.commands[-1][1] == FIND_CARD.key
    finally:
        port.close()
        sim.stop()
