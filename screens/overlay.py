"""A dialog shown over the whole window, on a scrim that takes every touch."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from screens.theme import Theme


class Overlay(QWidget):
    def __init__(self, parent: QWidget, theme: Theme) -> None:
        super().__init__(parent)
        self.setObjectName("Scrim")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.outer = outer = QVBoxLayout(self)
        margin = theme.margin_px
        outer.setContentsMargins(margin, margin, margin, margin)
        self.dialog = QWidget()
        self.dialog.setObjectName("Dialog")
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.column = QVBoxLayout(self.dialog)
        self.column.setContentsMargins(margin, margin, margin, margin)
        self.column.setSpacing(theme.gap_px)
        outer.addStretch(1)
        outer.addWidget(self.dialog)
        outer.addStretch(1)
        self.setGeometry(parent.rect())

    def present(self) -> None:
        """Show on top, once the subclass has filled the dialog."""
        self.show()
        self.raise_()

    def close_overlay(self) -> None:
        """Take it away for good; a subclass first stops what it started."""
        self.hide()
        self.deleteLater()
