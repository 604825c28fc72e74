"""What every console page shares: a title, its content, the way back to the menu, and work
that may block (a device, the queue, the network) run on a worker. A result that comes back
after the page was closed is dropped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QWidget
from shiboken6 import isValid

from kiosk.console import TechnicianConsole
from kiosk.i18n import Translator
from screens.background import run_in_background
from screens.overlay import Overlay
from screens.theme import Theme
from screens.widgets import button, label

T = TypeVar("T")


@dataclass(frozen=True)
class PageSetup:
    """What every page is built with: the window it covers, the sizes, the texts, the console."""

    parent: QWidget
    theme: Theme
    tr: Translator
    console: TechnicianConsole


class ConsolePage(Overlay):
    back = Signal()  # to the menu
    go = Signal(str, str)  # to another page: its name, and the device it is about ("" if none)

    def __init__(
        self,
        at: PageSetup,
        title: str,
        raw_parts: tuple[str, ...] = (),  # of the title: a device's name
    ) -> None:
        theme, tr, console = at.theme, at.tr, at.console
        super().__init__(at.parent, theme)
        self._tr, self.theme, self.console = tr, theme, console
        self.is_open = True
        self.pending = 0  # work on a worker whose result the page waits for
        for index, stretch in ((0, 0), (1, 1), (2, 0)):  # a page fills the window
            self.outer.setStretch(index, stretch)
        self.column.addWidget(label(title, "title", data=raw_parts))
        self.action_row = QHBoxLayout()  # the page's own buttons, above the way back
        self.action_row.setSpacing(theme.gap_px)

    def finish_layout(self) -> None:
        """Put the page's buttons, then the way back to the menu, below its content."""
        self.column.addLayout(self.action_row)
        self.column.addWidget(button(self._tr("console.to_menu"), self.back.emit, "secondary"))

    def run(
        self,
        name: str,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None],
    ) -> None:
        # The window may have been destroyed meanwhile (the kiosk stopping) without the page
        # being closed: then nothing of it may be touched.
        def deliver(result: T) -> None:
            if isValid(self):
                self.pending -= 1
                if self.is_open:
                    done(result)

        def fail(error: Exception) -> None:
            if isValid(self):
                self.pending -= 1
                if self.is_open:
                    failed(error)

        self.pending += 1
        run_in_background(name, work, deliver, fail)

    def close_overlay(self) -> None:
        self.is_open = False  # results still on their way are dropped
        self.closing()
        super().close_overlay()

    def closing(self) -> None:
        """Stop what the page started (timers, a camera subscription)."""

    def unavailable(self, part: str) -> QLabel:
        """The notice for a page whose part is not up (yet): the devices, the queue."""
        notice = label(self._tr(f"console.not_up.{part}"), "notice")
        self.column.addWidget(notice)
        return notice


class Table(QWidget):
    """Rows of cells, refilled as a whole; technicians' detail text is shown as it is (it is
    the devices' and the platform's own English, as in the logs)."""

    def __init__(self, gap: int) -> None:
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(gap)
        self.grid.setVerticalSpacing(gap)

    def clear(self) -> None:
        while (item := self.grid.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.hide()
                widget.deleteLater()

    def fill(self, rows: Sequence[Sequence[QWidget]], stretch_column: int = -1) -> None:
        self.clear()
        for row, cells in enumerate(rows):
            for column, cell in enumerate(cells):
                self.grid.addWidget(cell, row, column)
                cell.show()  # now, not on the next turn of the event loop
        if stretch_column >= 0:
            self.grid.setColumnStretch(stretch_column, 1)
        for row in range(self.grid.rowCount()):  # rows keep their height; the rest is below
            self.grid.setRowStretch(row, 0)
        self.grid.setRowStretch(len(rows), 1)


def hugging(widget: QWidget) -> QWidget:
    """A cell that keeps `widget` at its own width, on the left (a state's marked label in a
    column of wide values)."""
    cell = QWidget()
    row = QHBoxLayout(cell)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget)
    row.addStretch(1)
    return cell


def raw(text: str, role: str = "muted") -> QLabel:
    """A label with text from a device, the queue or the platform, shown as it is."""
    return label(text, role, data=(text,))


def show_raw(widget: QLabel, text: str, *raw_parts: str) -> None:
    """Set `text`, whose `raw_parts` (all of it, if none are named) are a device's, the
    queue's or the platform's own words, shown as they are in any language."""
    widget.setProperty("citizenData", list(raw_parts or (text,)))
    widget.setText(text)
