"""Both window screens redraw by swapping the widget that holds their content."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from screens.widgets import label


def swap(layout: QLayout, old: QWidget | None, new: QWidget) -> QWidget:
    """Put `new` where `old` was, shown now (not on the next turn of the event loop)."""
    if old is not None:
        old.hide()
        old.deleteLater()
    layout.addWidget(new)
    new.show()
    return new


def restarting(tr: Translator) -> QWidget:
    """What an unexpected error leaves on the screen (screens/crash.py) until the restart."""
    page = QWidget()
    column = QVBoxLayout(page)
    column.addStretch(1)
    column.addWidget(label(tr("restart.title"), "title", center=True))
    column.addWidget(label(tr("restart.body"), center=True))
    column.addStretch(1)
    return page
