"""The simulators' pseudo-terminal: an unplug while the simulator's thread reads must never
leave that thread reading another file that took the closed descriptor's number. In a soak
the printer simulator's thread sat for good in `read()` on another component's inotify
descriptor, and the printer stayed "switched off" until a debugger interrupted the call."""

from __future__ import annotations

import os
import select
import threading
import types
from pathlib import Path

import pytest

from devices.sim import pty_port
from devices.sim.pty_port import PtyPort


def test_an_unplug_between_select_and_read_never_hands_the_reader_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = PtyPort(tmp_path / "port")
    adapter = os.open(port.path, os.O_RDWR | os.O_NOCTTY)
    os.write(adapter, b"ping")  # waiting on the line: the simulator's select says "ready"
    selected, unplugged = threading.Event(), threading.Event()

    def select_then_pause(
        readable: list[int], writable: list[int], broken: list[int], timeout_s: float
    ) -> tuple[list[int], list[int], list[int]]:
        ready = select.select(readable, writable, broken, timeout_s)
        selected.set()
        unplugged.wait(1.0)  # where the scheduler may run another thread before the read
        return ready

    monkeypatch.setattr(pty_port, "select", types.SimpleNamespace(select=select_then_pause))
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(port.read(1.0)))
    reader.start()
    assert selected.wait(2.0)
    others: list[tuple[int, int]] = []

    def unplug_and_open_a_file() -> None:
        port.unplug()  # closes the master ...
        others.append(os.pipe())  # ... and another part of the program opens a file
        os.write(others[0][1], b"someone else's bytes")
        unplugged.set()

    other = threading.Thread(target=unplug_and_open_a_file)
    other.start()
    reader.join(5.0)
    other.join(5.0)
    try:
        assert read == [b"ping"]  # its own line's bytes, read before the unplug took effect
        assert os.read(others[0][0], 100) == b"someone else's bytes"  # left to their owner
    finally:
        os.close(adapter)
        for fd in others[0]:
            os.close(fd)


def test_a_write_the_adapter_never_reads_is_dropped_not_blocked(tmp_path: Path) -> None:
    """Nobody reads the line (no adapter has it open): a simulator thread must not block."""
    port = PtyPort(tmp_path / "port")
    sent = [port.write(bytes(1024)) for _ in range(100)]
    assert sent[0] and not all(sent)  # the first fit; once the buffer is full, dropped
    port.unplug()
    assert port.write(b"x") is False
