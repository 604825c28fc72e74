"""Feeds the keyboard to a keyboard-wedge scanner, so a scan never lands in a form as typing.

Installed on the application, the filter sees each key where real input first arrives, at a
`QWindow`. Keys a scan may still own are held back; keys that turn out to be a person's are
sent to that window again (not spontaneous, so the filter lets them pass), which routes them
to the widget with focus; a key decided as typing at once simply goes on.

The composition root installs it: `app.installEventFilter(WedgeInput(scanner))`. Tests pass a
`clock` to choose the keys' times.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QWindow

from devices.wedge import ENTER, TAB, Decision, Typed, WedgeScanner

# Input that no scanner sends ends a held burst first, so keys keep their order.
INTERRUPTIONS = frozenset(
    (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)
)
NOT_TYPING = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)
QT_KEYS = {ENTER: Qt.Key.Key_Return, TAB: Qt.Key.Key_Tab}


class WedgeInput(QObject):
    def __init__(
        self,
        scanner: WedgeScanner,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._scanner, self._clock = scanner, clock
        self._window: QWindow | None = None  # where the held keys were typed
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QWindow) or not event.spontaneous():
            return False
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = wedge_key(event)
            if key is not None:
                return self._on_key(watched, key)
        if event.type() in INTERRUPTIONS and self._scanner.pending:
            self._give_back(self._scanner.interrupt())
            self._arm()
        return False

    def _on_key(self, window: QWindow, key: str) -> bool:
        """Returns whether the key is swallowed (held, or part of a scan)."""
        if window is not self._window:
            self._give_back(self._scanner.interrupt())
            self._window = window
        decisions = self._scanner.feed(key, self._clock())
        last = decisions[-1] if decisions else None
        goes_on = False
        if isinstance(last, Typed) and not self._scanner.pending:
            # The last key given back is this very event: let it pass as it is.
            decisions[-1], goes_on = Typed(last.keys[:-1]), True
        self._give_back(decisions)
        self._arm()
        return not goes_on

    def _flush(self) -> None:
        self._give_back(self._scanner.flush(self._clock()))
        self._arm()

    def _arm(self) -> None:
        deadline = self._scanner.deadline
        if deadline is None:
            self._timer.stop()
        else:
            self._timer.start(max(0, math.ceil((deadline - self._clock()) * 1000)))

    def _give_back(self, decisions: Sequence[Decision]) -> None:
        keys = "".join(d.keys for d in decisions if isinstance(d, Typed))
        window = self._window
        if not keys or window is None or not shiboken6.isValid(window):
            return
        for key in keys:
            code = QT_KEYS.get(key) or qt_key_code(key)
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, code, Qt.KeyboardModifier.NoModifier, key)
                QCoreApplication.sendEvent(window, event)


def wedge_key(event: QKeyEvent) -> str | None:
    """The key as the decoder takes it, or None for a key no scanner types."""
    if event.isAutoRepeat() or event.modifiers() & NOT_TYPING:
        return None
    if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        return ENTER
    if event.key() == Qt.Key.Key_Tab:
        return TAB
    text = event.text()
    return text if len(text) == 1 and text.isprintable() else None


def qt_key_code(character: str) -> int:
    """Qt names letter keys by their capital (Key_A is 'A'); other keys by the character."""
    upper = character.upper()
    return ord(upper if len(upper) == 1 else character)
