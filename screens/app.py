"""Creating the Qt application."""

from __future__ import annotations

import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def create_application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("kiosk")
    app.setOrganizationName("kiosk-terminal")
    return app


def quit_on_termination_signals(app: QApplication) -> None:
    """Ctrl-C and `systemctl stop` end the event loop cleanly, so devices are closed.

    Python runs signal handlers only between bytecodes, never while Qt's C++ loop waits, so a
    timer hands control back to Python a few times a second.
    """
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: app.quit())
    waker = QTimer(app)
    waker.timeout.connect(lambda: None)
    waker.start(250)
