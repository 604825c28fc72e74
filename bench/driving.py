"""A finger on the real kiosk window, for benchmarks and tests that run without pytest-qt: it taps
buttons by what they say, keys in digits, types Chinese on the Pinyin keyboard and waits for what
a citizen waits for, running the Qt event loop itself; and the kiosk it taps, wired as `main`
wires it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QEventLoop, QPointF, QRect, Qt, QTimer
from PySide6.QtQuick import QQuickItem
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

import main
from kiosk.catalog import load_catalog
from kiosk.config import Config
from kiosk.i18n import Catalogs
from kiosk.timers import Scheduler
from offline_queue.outbox import Outbox
from screens.fonts import find_cjk_font
from screens.main_window import MainWindow
from screens.text_entry import TextEntry
from screens.voice import Voice


@contextmanager
def running_kiosk(
    config: Config, voice: Voice, scheduler: Scheduler
) -> Iterator[tuple[main.Kiosk, main.Devices, Outbox]]:
    """The kiosk of `config` wired as `main` wires it (devices on their simulators, the queue),
    its window shown at the panel's size; everything closed after."""
    font = find_cjk_font()
    if font is None:
        raise RuntimeError("no CJK font installed")
    services = load_catalog(config.services_dir)
    kiosk = main.build_kiosk(config, services, Catalogs.load(), scheduler, font, voice=voice)
    kiosk.window.resize(*config.panel.resolution)
    kiosk.window.show()
    devices, outbox = main.start_devices_and_queue(kiosk, config)
    try:
        yield kiosk, devices, outbox
    finally:
        outbox.close()
        devices.stop()
        voice.close()
        kiosk.bridge.close()
        kiosk.window.close()


WAIT_S = 20.0  # for work that is not timed (a card read, a ticket being printed)

Wait = Callable[[Callable[[], bool], str], None]  # wait(done, what it waits for)


class Stuck(Exception):
    """What the citizen waited for did not come."""


POLL_MS = 10  # how often `run_until` asks again, between what the event loop has to do


def run_until(done: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Run the event loop until `done()`; `Stuck` naming `what` after `timeout_s`. Between
    checks the loop waits for events, up to POLL_MS: asking again and again would take the
    CPU, and the GIL, from the kiosk's own threads (the camera, the face check, the queue)."""
    deadline = time.perf_counter() + timeout_s
    loop, poll = QEventLoop(), QTimer()
    poll.setSingleShot(True)
    poll.setInterval(POLL_MS)
    # A closure: QTimer.singleShot(ms, loop.quit), or connect(loop.quit), leaves ~60 bytes
    # behind each time in PySide6 6.11, which a soak would count against the kiosk.
    poll.timeout.connect(lambda: loop.quit())
    while not done():
        poll.start()
        loop.exec()
        if time.perf_counter() > deadline:
            raise Stuck(f"no {what} after {timeout_s:g} s")


class Finger:
    """Taps the kiosk's window as a citizen does. `before_tap` runs before every tap (the soak
    strikes its faults there, in the middle of visits)."""

    def __init__(self, window: MainWindow, before_tap: Callable[[], None] = lambda: None) -> None:
        self.window = window
        self.before_tap = before_tap

    def shown(self) -> list[str]:
        """The texts of the visible labels and buttons."""
        return [
            w.text()
            for w in self.window.findChildren(QWidget)
            if isinstance(w, (QLabel, QAbstractButton)) and w.isVisible()
        ]

    def buttons(self) -> list[QAbstractButton]:
        """The visible buttons that take a tap."""
        return [
            b for b in self.window.findChildren(QAbstractButton) if b.isVisible() and b.isEnabled()
        ]

    def button(self, text: str) -> QAbstractButton:
        """The first tappable button whose text or accessible name contains `text`."""
        for candidate in self.buttons():
            if text in candidate.text() or text in candidate.accessibleName():
                return candidate
        names = [b.text() or b.accessibleName() for b in self.buttons()]
        raise Stuck(f"no button {text!r} among {names}")

    def offers(self, text: str) -> bool:
        return any(text in b.text() or text in b.accessibleName() for b in self.buttons())

    def settle(self) -> None:
        """Until the window shows the visit's latest snapshot (it comes by a queued event)."""
        visit = self.window.visit
        run_until(lambda: self.window.snapshot is visit.snapshot, "screen of the visit's state")

    def tap(self, text: str) -> None:
        self.settle()
        self.before_tap()
        QTest.mouseClick(self.button(text), Qt.MouseButton.LeftButton)
        self.settle()

    def key_in(self, digits: str) -> None:
        """Digits on the screen's keypad, then OK."""
        for digit in digits:
            self.tap(digit)
        self.tap("确定")

    def type_words(self, *words: tuple[str, str]) -> None:
        """A Chinese answer on the Pinyin keyboard (each word's Pinyin, then its candidate),
        then OK."""
        self.settle()  # the form's question may come a queued event after its step
        entries: list[TextEntry] = []

        def asked() -> bool:
            entries[:] = [e for e in self.window.findChildren(TextEntry) if e.isVisible()]
            return len(entries) == 1

        run_until(asked, "a question to type the answer to")
        keyboard = Keyboard(entries[0], run_until)
        for pinyin, candidate in words:
            self.before_tap()
            keyboard.type(pinyin, candidate)
        self.tap("确定")


# -- the on-screen keyboard ------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    text: str
    role: str  # "character", "enter", "space", ... or "candidate"
    rect: QRect


class Keyboard:
    """The Pinyin keyboard of a text question, tapped at the centre of each drawn key (the
    style's `keyFace` and `candidate` items)."""

    def __init__(self, entry: TextEntry, wait: Wait) -> None:
        self.entry, self.wait = entry, wait

    def keys(self, role: str = "") -> list[Key]:
        root = self.entry.keyboard.rootObject()
        if root is None:  # still loading
            return []
        self.entry.keyboard.grabFramebuffer()  # lays out and draws what is pending
        found: list[Key] = []
        items: list[QQuickItem] = [root]
        while items:
            item = items.pop()
            items.extend(item.childItems())
            if item.objectName() not in ("keyFace", "candidate") or not drawn(item, root):
                continue
            kind = item.property("role") if item.objectName() == "keyFace" else "candidate"
            if not role or kind == role:
                corner = item.mapToScene(QPointF(0, 0)).toPoint()
                found.append(Key(item.property("text"), kind, QRect(corner, item.size().toSize())))
        return sorted(found, key=lambda key: (key.rect.top(), key.rect.left()))

    def tap(self, text: str = "", role: str = "character") -> None:
        """The key with that label (any, without one) of that role."""
        key = next(k for k in self.keys(role) if not text or k.text == text)
        QTest.mouseClick(
            self.entry.keyboard,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            key.rect.center(),
        )

    def type(self, pinyin: str, candidate: str) -> None:
        """Type the letters, then tap the candidate (王 for "wang") once it is offered."""
        self.wait(lambda: bool(self.keys("character")), "keyboard")
        for letter in pinyin:
            self.tap(letter)
        self.wait(lambda: candidate in self.texts("candidate"), f"candidate {candidate}")
        self.tap(candidate, "candidate")

    def texts(self, role: str) -> list[str]:
        return [key.text for key in self.keys(role)]


def drawn(item: QQuickItem, root: QQuickItem) -> bool:
    """Whether the item, and every item up to the keyboard's root, is visible."""
    while item is not root:
        if not item.isVisible() or item.opacity() == 0:
            return False
        item = item.parentItem()
    return True
