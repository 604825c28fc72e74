"""Shown after the help button: help is coming, and a helper may sign in to take over
(staff number, then PIN, on the keypad). The request itself goes through the bus."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QStackedWidget

from screens.context import ScreenContext
from screens.keypad import Keypad
from screens.widgets import Screen, button, label


class HelpScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, visit = ctx.tr, ctx.visit
        self._ctx, self._staff = ctx, ""
        self.add(tr("help.title"), "title", center=True)
        self.add(tr("help.body"), center=True)
        self.column.addStretch(1)
        self._pages = QStackedWidget()
        self._pages.addWidget(button(tr("help.take_over"), self._ask_staff, role="secondary"))
        self._message = label("", "notice")
        self._message.setObjectName("Notice")
        self._message.hide()
        self.column.addWidget(self._message)
        self.column.addWidget(self._pages)
        self.column.addWidget(button(tr("help.back"), visit.dismiss_help))

    def _ask_staff(self) -> None:
        self._keypad("help.staff_number", masked=False, done=self._ask_pin)

    def _ask_pin(self, staff: str) -> None:
        self._staff = staff
        self._keypad("help.pin", masked=True, done=self._sign_in)

    def _keypad(self, prompt: str, masked: bool, done: Callable[[str], None]) -> None:
        tr = self._ctx.tr
        self._message.setText(tr(prompt))
        self._message.show()
        keypad = Keypad(tr, self._ctx.theme.gap_px, masked=masked, max_length=12)
        keypad.submitted.connect(done)
        self._pages.addWidget(keypad)
        self._pages.setCurrentWidget(keypad)

    def _sign_in(self, pin: str) -> None:
        desk, tr = self._ctx.helpers, self._ctx.tr
        if desk is not None and desk.sign_in(self._staff, pin):
            self._ctx.visit.helper_takes_over(self._staff)
            return
        self._message.setText(tr("help.wrong"))
        self._pages.setCurrentIndex(0)
