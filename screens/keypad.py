"""A large numeric keypad for PINs, phone numbers and amounts (no system keyboard needed)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from screens.widgets import button


class Keypad(QWidget):
    submitted = Signal(str)

    def __init__(self, tr: Translator, gap: int, masked: bool = False, max_length: int = 18):
        super().__init__()
        self._digits = ""
        self._masked = masked
        self._max_length = max_length
        self._display = QLabel()
        self._display.setObjectName("KeypadDisplay")
        self._display.setAccessibleName(tr("keypad.display"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(gap)
        layout.addWidget(self._display)
        grid = QGridLayout()
        grid.setSpacing(gap)
        for index, key in enumerate("123456789"):
            grid.addWidget(
                button(key, partial(self.press, key), "secondary"), index // 3, index % 3
            )
        grid.addWidget(button(tr("keypad.delete"), self.delete, "secondary"), 3, 0)
        grid.addWidget(button("0", lambda: self.press("0"), "secondary"), 3, 1)
        grid.addWidget(button(tr("keypad.ok"), self._submit), 3, 2)
        layout.addLayout(grid)
        self._show()

    @property
    def value(self) -> str:
        return self._digits

    def press(self, digit: str) -> None:
        if len(self._digits) < self._max_length:
            self._digits += digit
            self._show()

    def delete(self) -> None:
        self._digits = self._digits[:-1]
        self._show()

    def clear(self) -> None:
        self._digits = ""
        self._show()

    def _submit(self) -> None:
        value, self._digits = self._digits, ""
        self._show()
        self.submitted.emit(value)

    def _show(self) -> None:
        self._display.setText("●" * len(self._digits) if self._masked else self._digits)
