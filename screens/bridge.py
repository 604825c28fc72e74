"""Turns core events into Qt signals (the Electrum `QtEventListener` pattern, DESIGN.md §2).

Bus events may be published on any thread; a signal emitted there reaches GUI-thread slots
through Qt's queued connection, so the screens and the visit only ever run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

from kiosk.events import EventBus
from kiosk.visit import VisitChanged
from offline_queue.status import SyncStatus

E = TypeVar("E")


class CoreBridge(QObject):
    visit_changed = Signal(object)  # VisitSnapshot
    sync_status_changed = Signal(object)  # SyncStatus
    _deliver = Signal(object, object)  # handler, event

    def __init__(self, bus: EventBus) -> None:
        super().__init__()
        self._bus = bus
        self._deliver.connect(_call, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = [
            bus.subscribe(VisitChanged, lambda e: self.visit_changed.emit(e.snapshot)),
            bus.subscribe(SyncStatus, self.sync_status_changed.emit),
        ]

    def forward(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        """Call `handler` on the GUI thread for each event of `event_type` (a card read, a
        code scanned, a print finished), whichever thread published it."""
        self._unsubscribe.append(
            self._bus.subscribe(event_type, lambda event: self._deliver.emit(handler, event))
        )

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()


def _call(handler: Callable[[Any], None], event: object) -> None:
    handler(event)
