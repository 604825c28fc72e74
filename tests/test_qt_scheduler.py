"""The core's time limits on Qt timers (screens/qt_scheduler.py)."""

from __future__ import annotations

import gc
import tracemalloc

from pytestqt.qtbot import QtBot

from screens.qt_scheduler import QtScheduler


class Visit:
    """A plain object whose bound method is the callback, as the visit's idle timer is."""

    def __init__(self) -> None:
        self.expired = 0

    def idle_expired(self) -> None:
        self.expired += 1


def test_a_timer_calls_back_on_the_event_loop_and_a_cancelled_one_does_not(qtbot: QtBot) -> None:
    visit, cancelled = Visit(), Visit()
    scheduler = QtScheduler()
    timer = scheduler.call_later(0.05, visit.idle_expired)  # the caller keeps its handle
    scheduler.call_later(0.05, cancelled.idle_expired).cancel()
    qtbot.waitUntil(lambda: visit.expired == 1)
    qtbot.wait(100)
    assert (visit.expired, cancelled.expired) == (1, 0)
    timer.cancel()  # after it fired: nothing happens


def test_timers_renewed_on_every_touch_leave_nothing_behind(qtbot: QtBot) -> None:
    visit, scheduler = Visit(), QtScheduler()
    renewals = 20_000  # a few hundred visits' worth
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(renewals):
            scheduler.call_later(300, visit.idle_expired).cancel()
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 200_000, f"{kept / renewals:.0f} bytes kept per timer"  # leaking: ~112 each
