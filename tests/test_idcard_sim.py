"""`python -m devices.sim idcard` by hand: it prints the port and takes commands on stdin."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from devices.idcard.card import CardRead, IdCard
from devices.idcard.reader import build
from devices.model import DeviceEvent
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
