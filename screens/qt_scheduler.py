"""The core's `Scheduler` on Qt timers, so time limits fire on the GUI thread's event loop."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer


class _QtTimer:
    def __init__(self, delay_s: float, callback: Callable[[], None]) -> None:
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        # Not connect(callback): connected directly, a bound method of a plain object (the
        # visit's `_idle_expired`, renewed on every touch, dozens of times a visit) stays
        # behind in PySide6 6.11 when the timer goes, ~750 bytes each. A closure does not.
        self._timer.timeout.connect(lambda: callback())
        self._timer.start(max(0, round(delay_s * 1000)))

    def cancel(self) -> None:
        self._timer.stop()


class QtScheduler:
    def now(self) -> float:
        return time.monotonic()

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> _QtTimer:
        return _QtTimer(delay_s, callback)
