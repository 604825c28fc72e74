"""Turns core events into Qt signals (the Electrum `QtEventListener` pattern, DESIGN.md §2).

Bus events may be published on any thread; a signal emitted there reaches GUI-thread slots
through Qt's queued connection, so the screens only ever run on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kiosk.events import EventBus
from kiosk.visit import VisitChanged
from offline_queue.status import SyncStatus


class CoreBridge(QObject):
    visit_changed = Signal(object)  # VisitSnapshot
    sync_status_changed = Signal(object)  # SyncStatus

    def __init__(self, bus: EventBus) -> None:
        super().__init__()
        self._unsubscribe = [
            bus.subscribe(VisitChanged, lambda e: self.visit_changed.emit(e.snapshot)),
            bus.subscribe(SyncStatus, self.sync_status_changed.emit),
        ]

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
