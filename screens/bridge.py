"""Turns core events into Qt signals (the Electrum `QtEventListener` pattern, DESIGN.md §2).

Bus events may be published on any thread; a signal emitted there reaches GUI-thread slots
through Qt's queued connection, so the screens only ever run on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kiosk.events import EventBus
from kiosk.visit import VisitChanged


class CoreBridge(QObject):
    visit_changed = Signal(object)  # VisitSnapshot

    def __init__(self, bus: EventBus) -> None:
        super().__init__()
        self._unsubscribe = bus.subscribe(
            VisitChanged, lambda e: self.visit_changed.emit(e.snapshot)
        )

    def close(self) -> None:
        self._unsubscribe()
