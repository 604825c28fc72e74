"""The systemd watchdog is fed from the GUI thread: a frozen screen stops the pings."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from screens.watchdog import GuiWatchdog, SystemdNotifier
from tests.conftest import ROOT


class FakeSystemd:
    """The other end of NOTIFY_SOCKET: a real datagram socket, recording what arrives when."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.received: list[tuple[float, str]] = []
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.bind(str(path))
        self._socket.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._socket.recv(256).decode()
            except TimeoutError:
                continue
            self.received.append((time.monotonic(), message))

    def messages(self) -> list[str]:
        return [message for _, message in self.received]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[FakeSystemd]:
    listener = FakeSystemd(tmp_path / "notify")
    yield listener
    listener.close()


def test_ready_then_pings_at_half_the_interval_and_none_while_the_gui_is_frozen(
    qtbot: QtBot, systemd: FakeSystemd
) -> None:
    notifier = SystemdNotifier({"NOTIFY_SOCKET": str(systemd.path), "WATCHDOG_USEC": "200000"})
    watchdog = GuiWatchdog(notifier)
    watchdog.ready()
    qtbot.waitUntil(lambda: systemd.messages().count("WATCHDOG=1") >= 3, timeout=3000)
    assert systemd.messages()[0] == "READY=1"

    frozen_at = time.monotonic()
    time.sleep(1.0)  # a click handler that hangs: the GUI thread runs no event loop
    thawed_at = time.monotonic()
    qtbot.waitUntil(
        lambda: any(at > thawed_at for at, m in systemd.received if m == "WATCHDOG=1"),
        timeout=3000,
    )
    pings = [at for at, message in systemd.received if message == "WATCHDOG=1"]
    assert not [at for at in pings if frozen_at + 0.3 < at < thawed_at]  # silence: a restart
    watchdog.stopping()
    qtbot.waitUntil(lambda: systemd.messages()[-1] == "STOPPING=1", timeout=2000)


def test_without_systemd_nothing_is_sent_and_nothing_fails(qtbot: QtBot) -> None:
    notifier = SystemdNotifier({})
    assert not notifier.enabled and notifier.watchdog_ms == 0
    GuiWatchdog(notifier).ready()  # no socket to write to: nothing happens


def test_a_vanished_systemd_socket_is_a_warning_not_a_crash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    SystemdNotifier({"NOTIFY_SOCKET": str(tmp_path / "gone")}).notify("WATCHDOG=1")
    assert "cannot notify systemd" in caplog.text


def test_the_unit_file_asks_for_notify_and_a_watchdog_and_restarts() -> None:
    unit = (ROOT / "tools" / "kiosk.service").read_text(encoding="utf-8")
    for line in ("Type=notify", "WatchdogSec=", "Restart=always", "main.py --kiosk"):
        assert line in unit
