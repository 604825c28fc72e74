"""systemd's watchdog, fed from the GUI thread (issue 6): a frozen screen gets the kiosk restarted.

Under `Type=notify` with `WatchdogSec=` (tools/kiosk.service), systemd passes `NOTIFY_SOCKET`
and `WATCHDOG_USEC`; the kiosk says `READY=1` once its first screen is painted and then
`WATCHDOG=1` at half the interval from a QTimer. A timer on the GUI thread fires only while
the event loop turns, so a hung click handler or a blocking call stops the pings and systemd
restarts the kiosk. Without systemd (no `NOTIFY_SOCKET`) this does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)


class SystemdNotifier:
    """sd_notify(3) on the socket systemd names: one datagram per message, never blocking."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        address = environ.get("NOTIFY_SOCKET", "")
        # "@name" is Linux's abstract namespace: a leading NUL byte.
        self._address = "\0" + address[1:] if address.startswith("@") else address
        usec = environ.get("WATCHDOG_USEC", "")
        self.watchdog_ms = int(usec) // 1000 if usec.isdigit() and int(usec) > 0 else 0

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def notify(self, message: str) -> None:
        if not self._address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)
                sock.sendto(message.encode(), self._address)
        except OSError as error:  # systemd gone or restarting: the next ping tries again
            log.warning("cannot notify systemd (%s): %s", message, error)


class GuiWatchdog(QObject):
    def __init__(self, notifier: SystemdNotifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notifier = notifier
        self._timer = QTimer(self)
        self._timer.timeout.connect(lambda: notifier.notify("WATCHDOG=1"))

    def ready(self) -> None:
        """The first screen is painted: tell systemd, and start feeding its watchdog."""
        self._notifier.notify("READY=1")
        if self._notifier.watchdog_ms:
            self._timer.start(max(self._notifier.watchdog_ms // 2, 1))
            log.info("systemd watchdog fed every %d ms", self._notifier.watchdog_ms // 2)

    def stopping(self) -> None:
        self._timer.stop()
        self._notifier.notify("STOPPING=1")
