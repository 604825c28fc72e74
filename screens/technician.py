"""The technician's way in: a hidden gesture, then the PIN on the keypad (DESIGN.md §6, §7).

The menu leads to the console's pages (screens/console/) and lets the technician leave.
"""

from __future__ import annotations

import math
from functools import partial

from PySide6.QtCore import QElapsedTimer, QPoint, QRect, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from kiosk.console import TechnicianConsole
from kiosk.i18n import Translator
from screens.keypad import Keypad
from screens.overlay import Overlay
from screens.theme import Theme
from screens.widgets import button, label

GESTURE_TAPS = 5
GESTURE_WINDOW_MS = 3000
GESTURE_CORNER_MM = 20.0


class CornerTaps:
    """Recognises the hidden gesture: five taps in the top-left corner within three seconds."""

    def __init__(self, theme: Theme) -> None:
        side = theme.px(GESTURE_CORNER_MM)
        self._corner = QRect(0, 0, side, side)
        self._times: list[int] = []
        self._clock = QElapsedTimer()
        self._clock.start()

    def tap(self, position: QPoint) -> bool:
        if not self._corner.contains(position):
            self._times.clear()
            return False
        now = self._clock.elapsed()
        self._times = [t for t in self._times if now - t < GESTURE_WINDOW_MS] + [now]
        if len(self._times) >= GESTURE_TAPS:
            self._times.clear()
            return True
        return False


class PinOverlay(Overlay):
    unlocked = Signal()
    dismissed = Signal()

    def __init__(
        self, parent: QWidget, theme: Theme, tr: Translator, console: TechnicianConsole
    ) -> None:
        super().__init__(parent, theme)
        self._tr, self._console = tr, console
        self.column.addWidget(label(tr("technician.title"), "title"))
        self.message = label(tr("technician.prompt"))
        self.column.addWidget(self.message)
        self.keypad = Keypad(tr, theme.gap_px, masked=True, max_length=12)
        self.keypad.submitted.connect(self._check)
        self.column.addWidget(self.keypad)
        self.column.addWidget(button(tr("technician.cancel"), self.dismissed.emit, "secondary"))
        self._show_lock()

    def _check(self, pin: str) -> None:
        if self._console.enter(pin):  # logged and audited, as is a refusal
            self.unlocked.emit()
            return
        if not self._show_lock():
            self.message.setText(self._tr("technician.wrong"))

    def _show_lock(self) -> bool:
        locked = self._console.locked_for()
        if locked > 0:
            self.message.setText(self._tr("technician.locked", minutes=math.ceil(locked / 60)))
        self.keypad.setEnabled(locked == 0)
        return locked > 0


class TechnicianMenu(Overlay):
    page_requested = Signal(str)  # a page of screens/console/
    quit_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget, theme: Theme, tr: Translator, pages: list[str]) -> None:
        super().__init__(parent, theme)
        self.column.addWidget(label(tr("technician.menu"), "title"))
        grid = QGridLayout()
        grid.setSpacing(theme.gap_px)
        for index, page in enumerate(pages):
            go = button(tr(f"console.page.{page}"), partial(self.page_requested.emit, page))
            grid.addWidget(go, index // 2, index % 2)
        self.column.addLayout(grid)
        self.column.addWidget(button(tr("technician.quit"), self.quit_requested.emit, "secondary"))
        self.column.addWidget(button(tr("technician.back"), self.dismissed.emit, "secondary"))
