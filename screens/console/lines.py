"""Pages of plain lines read on a worker: the serial ports found, the recent logs (masked as
they were written), and the config in force (PIN hashes left out)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPlainTextEdit

from screens.console.page import ConsolePage, PageSetup
from screens.widgets import button, drag_scrolling

LinesSource = Callable[[], list[str]]


class LinesPage(ConsolePage):
    def __init__(
        self,
        at: PageSetup,
        page: str,  # ports, logs or config
        source: LinesSource | None,
        scroll_to_end: bool = False,
    ) -> None:
        super().__init__(at, at.tr(f"console.page.{page}"))
        self.page, self._source, self._to_end = page, source, scroll_to_end
        self.text = QPlainTextEdit()
        self.text.setObjectName("ConsoleText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        drag_scrolling(self.text)
        self.column.addWidget(self.text, 1)
        self.action_row.addWidget(button(at.tr("console.reload"), self.load))
        self.finish_layout()
        if source is None:
            self.unavailable("generic")
            return
        self.load()

    def load(self) -> None:
        if self._source is None:
            return
        self.text.setPlainText(self._tr("console.reading"))
        self.run(f"console-{self.page}", self._source, self._show, self._failed)

    def _show(self, lines: list[str]) -> None:
        self.text.setPlainText("\n".join(lines) or self._tr("console.empty"))
        if self._to_end:
            bar = self.text.verticalScrollBar()
            bar.setValue(bar.maximum())

    def _failed(self, error: Exception) -> None:
        self.text.setPlainText(f"{self._tr('console.failed')}: {error}")
