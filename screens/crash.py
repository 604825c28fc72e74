"""When the kiosk meets an error it did not expect (issue 6): a calm screen, never a traceback.

An exception that escapes a Qt slot would otherwise be printed and the kiosk would go on in a
state nobody designed. Instead it is logged for the technician (masked, like every log line),
the window shows "restarting" in the citizen's language, and after a few seconds the process
exits with `EXIT_RESTART`, for systemd (or the Windows task) to start it again. The queue and
the case numbers are durable, so nothing submitted is lost.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QTimer

log = logging.getLogger(__name__)

EXIT_RESTART = 70  # EX_SOFTWARE: systemd's Restart=always starts the kiosk again
RESTART_DELAY_MS = 4000  # long enough to read the message


def install_crash_handler(
    show_restarting: Callable[[], object],
    quit: Callable[[int], object],
    delay_ms: int = RESTART_DELAY_MS,
) -> None:
    """`show_restarting` puts "restarting" on every screen the citizen and staff can see."""
    crashed: list[bool] = []

    def handle(
        kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        log.critical("unexpected error, restarting the kiosk", exc_info=(kind, error, trace))
        if crashed:  # a second error while the first one is shown: the restart is coming
            return
        crashed.append(True)
        try:
            show_restarting()
        finally:
            QTimer.singleShot(delay_ms, lambda: quit(EXIT_RESTART))

    sys.excepthook = handle
