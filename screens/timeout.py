"""The time-out warning: one tap gives more time; otherwise the visit ends and is cleared."""

from __future__ import annotations

import math

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from kiosk.timers import Scheduler
from screens.context import ScreenContext
from screens.overlay import Overlay
from screens.widgets import button, label


class TimeoutOverlay(Overlay):
    def __init__(self, parent: QWidget, ctx: ScreenContext, scheduler: Scheduler) -> None:
        super().__init__(parent, ctx.theme)
        tr, visit = ctx.tr, ctx.visit
        self._tr, self._scheduler = tr, scheduler
        self._until = ctx.snapshot.warning_until or scheduler.now()
        self.column.addWidget(label(tr("timeout.title"), "title"))
        self.countdown = label("", "notice")
        self.column.addWidget(self.countdown)
        self.column.addWidget(button(tr("timeout.extend"), visit.extend))
        self.column.addWidget(button(tr("timeout.end"), visit.cancel, role="secondary"))
        self._tick()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(250)

    def _tick(self) -> None:
        left = max(0, math.ceil(self._until - self._scheduler.now()))
        self.countdown.setText(self._tr("timeout.body", seconds=left))
