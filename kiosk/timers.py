"""Time sources for the core's time limits.

The core never sleeps or starts threads for its timers: it asks a `Scheduler` to call it back.
The screens provide one backed by `QTimer`; `ManualScheduler` runs on a virtual clock for tests,
tours and benchmarks, so time limits are exercised without waiting.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Protocol


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle: ...


class _ManualTimer:
    def __init__(self, due: float, callback: Callable[[], None]) -> None:
        self.due = due
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


COMPACT_AT = 1000  # cancelled timers are dropped when this many are waiting


class ManualScheduler:
    """A virtual clock: time moves only when `advance()` is called."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._order = itertools.count()
        self._queue: list[tuple[float, int, _ManualTimer]] = []
        self._compact_at = COMPACT_AT

    def now(self) -> float:
        return self._now

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> _ManualTimer:
        timer = _ManualTimer(self._now + max(0.0, delay_s), callback)
        heapq.heappush(self._queue, (timer.due, next(self._order), timer))
        if len(self._queue) >= self._compact_at:  # a visit restarts its idle timer on every tap
            self._queue = [entry for entry in self._queue if not entry[2].cancelled]
            heapq.heapify(self._queue)
            self._compact_at = max(COMPACT_AT, 2 * len(self._queue))
        return timer

    def advance(self, seconds: float) -> None:
        """Move the clock forward, firing due callbacks in time order."""
        target = self._now + seconds
        while self._queue and self._queue[0][0] <= target:
            due, _, timer = heapq.heappop(self._queue)
            self._now = max(self._now, due)
            if not timer.cancelled:
                timer.callback()
        self._now = target
