"""The technician's device page (issue 6): each device's state, why, and its last error,
refreshed every second. Statuses are read on a worker thread: a device that is opening holds
its lock, and the screen must not wait for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from kiosk.i18n import Translator
from screens.background import run_in_background
from screens.overlay import Overlay
from screens.theme import Theme
from screens.widgets import button, label

# Supervisor.statuses: devices.model.DeviceStatus objects (screens may not import devices).
StatusSource = Callable[[], Sequence[Any]]
REFRESH_MS = 1000


class DevicePage(Overlay):
    dismissed = Signal()

    def __init__(
        self, parent: QWidget, theme: Theme, tr: Translator, statuses: StatusSource
    ) -> None:
        super().__init__(parent, theme)
        self._tr, self._statuses, self._open = tr, statuses, True
        self._reading = False
        self.column.addWidget(label(tr("technician.devices"), "title"))
        self._table = QWidget()
        self._grid = QGridLayout(self._table)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(theme.gap_px)
        self.column.addWidget(self._table)
        self.column.addWidget(button(tr("technician.back"), self.close_page, "secondary"))
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_MS)
        self.refresh()

    def refresh(self) -> None:
        if self._reading:  # the last read is still waiting for a device
            return
        self._reading = True
        run_in_background("device-statuses", self._statuses, self._show, self._failed)

    def close_page(self) -> None:
        self._open = False
        self._timer.stop()
        self.dismissed.emit()

    def _show(self, statuses: Sequence[Any]) -> None:
        self._reading = False
        if not self._open:  # the page was closed while the statuses were read
            return
        while (item := self._grid.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.hide()
                widget.deleteLater()
        for row, status in enumerate(statuses):
            state = str(status.state)
            error = f" [{status.last_error.code}]" if status.last_error else ""
            self._grid.addWidget(label(status.name, data=(status.name,)), row, 0)
            mark = label(self._tr(f"device.state.{state}"), "notice" if state != "online" else "")
            mark.setProperty("deviceState", state)
            self._grid.addWidget(mark, row, 1)
            detail = f"{status.detail}{error}"  # technicians' English, as in the logs
            self._grid.addWidget(label(detail, "muted", data=(detail,)), row, 2)
        self._grid.setColumnStretch(2, 1)

    def _failed(self, error: Exception) -> None:
        self._reading = False
        if self._open:
            self._grid.addWidget(label(f"{error}", "notice", data=(str(error),)), 0, 0, 1, 3)
