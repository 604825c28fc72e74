"""The technician's way in: a hidden gesture, then the PIN on the keypad (DESIGN.md §6, §7).

The menu leads to the console's pages (screens/console/) and lets the technician leave.
`TechnicianAccess` puts them together over a kiosk's window or a service window's console.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QObject, QPoint, QRect, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from kiosk.console import TechnicianConsole
from kiosk.i18n import Translator
from screens.keypad import Keypad
from screens.overlay import Overlay
from screens.theme import Theme
from screens.widgets import button, label

if TYPE_CHECKING:  # the console's pages load when a technician opens one
    from screens.console.page import ConsolePage

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


class TechnicianAccess(QObject):
    """The technician's way in over `host` (the kiosk's window, a service window's staff
    console): the gesture, the PIN, the menu and the console's pages, one overlay at a time.
    `context` gives the PIN pad's sizes and every text's language at the moment it opens;
    the menu and the pages always take `console_theme`, the normal sizes. `entered` runs
    after the PIN is accepted, `left` when the technician goes back, `quit` on the menu's
    quit (after it is audited)."""

    def __init__(
        self,
        host: QWidget,
        console: TechnicianConsole,
        console_theme: Theme,
        context: Callable[[], tuple[Theme, Translator]],
        entered: Callable[[], None],
        left: Callable[[], None],
        quit: Callable[[], None],
    ) -> None:
        super().__init__(host)
        self._host, self.console, self._theme, self._context = host, console, console_theme, context
        self._entered, self._left, self._quit = entered, left, quit
        self._corner_taps = CornerTaps(console_theme)
        self.overlay: Overlay | None = None

    def tap(self, position: QPoint) -> None:
        """A press at `position` in the host: the fifth in its corner opens the PIN pad."""
        if self._corner_taps.tap(position) and self.overlay is None:
            self.open_pin()

    def open_pin(self) -> PinOverlay:
        theme, tr = self._context()
        pad = PinOverlay(self._host, theme, tr, self.console)
        pad.unlocked.connect(self._unlocked)
        pad.dismissed.connect(self.close)
        self.show(pad)
        return pad

    def open_menu(self) -> TechnicianMenu:
        from screens.console.navigation import menu_pages

        _, tr = self._context()
        menu = TechnicianMenu(self._host, self._theme, tr, menu_pages(self.console))
        menu.page_requested.connect(self.open_page)
        menu.quit_requested.connect(self._quit_audited)
        menu.dismissed.connect(self._leave)
        self.show(menu)
        return menu

    def open_page(self, page: str, device: str = "") -> ConsolePage:
        """A page of the console (screens/console/); back leads to the menu."""
        from screens.console.navigation import build_page
        from screens.console.page import PageSetup

        _, tr = self._context()
        shown = build_page(page, PageSetup(self._host, self._theme, tr, self.console), device)
        shown.back.connect(self.open_menu)
        shown.go.connect(self.open_page)
        self.console.record("page_opened", f"{page} {device}".strip())
        self.show(shown)
        return shown

    def show(self, overlay: Overlay) -> None:
        """Show `overlay` in place of the one open; it stays on top of any other overlay."""
        self.close()
        overlay.present()
        self.overlay = overlay

    def close(self) -> None:
        if self.overlay is not None:
            self.overlay.close_overlay()
            self.overlay = None

    def _unlocked(self) -> None:
        self._entered()
        self.open_menu()

    def _leave(self) -> None:
        self.console.record("console_left")
        self.close()
        self._left()

    def _quit_audited(self) -> None:
        self.console.record("kiosk_quit")
        self._quit()
