"""Typing Chinese and English on the kiosk's on-screen keyboard (screens/text_entry.py).

Keys are tapped as a finger does: clicks on the keyboard at the centre of each drawn key (found
by the style's `keyFace` and `candidate` items), and the test reads what the field shows. One
test does it on a real X server (a private Xvfb) with clicks sent through the server (XTest),
and reads the colours the server shows while a key is held down.

Qt picks its input method once, as the QApplication starts, so this module prepares the
environment as main does while it is collected, before any test creates the application.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtQuick import QQuickItem
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

from bench.driving import Key, Keyboard, drawn
from kiosk.config import Config, Panel, load_config
from kiosk.i18n import Catalogs, Translator
from screens.fonts import cap_height_ratio, find_cjk_font
from screens.input_method import prepare_environment, virtual_keyboard_available
from screens.text_entry import TextEntry
from screens.theme import NORMAL_COLORS, Theme

prepare_environment()
pytestmark = pytest.mark.skipif(
    not virtual_keyboard_available(),
    reason="Qt Virtual Keyboard (PySide6-Addons) is not installed or not the input method",
)
ROOT = Path(__file__).resolve().parent.parent
WaitUntil = Callable[[Callable[[], bool]], None]


class Kiosk:
    """A window the size of the panel with a TextEntry inside the theme's margins, as a Screen
    lays it out."""

    def __init__(self, wait_until: WaitUntil, theme: Theme, catalogs: Catalogs) -> None:
        self.wait_until, self.theme, self.catalogs = wait_until, theme, catalogs
        self.window = QWidget()
        self.window.resize(*theme.panel.resolution)
        self.column = QVBoxLayout(self.window)
        self.column.setContentsMargins(*[theme.margin_px] * 4)
        self.submitted: list[str] = []
        self.entry: TextEntry | None = None

    def open(self, language: str = "zh", max_length: int = 40) -> TextEntry:
        tr = Translator(self.catalogs, language)
        self.entry = TextEntry(self.theme, tr, language, max_length, accessible_name="姓名")
        self.entry.submitted.connect(self.submitted.append)
        self.column.addWidget(self.entry)
        self.window.show()
        self.wait_until(lambda: bool(self.faces("character")))
        return self.entry

    def close_entry(self) -> None:
        """Leave the screen as the kiosk does: the widget goes, with all it holds."""
        assert self.entry is not None
        self.entry.hide()
        self.entry.deleteLater()
        self.wait_until(lambda: self.column.count() == 0)
        self.entry = None

    def faces(self, role: str = "") -> list[Key]:
        """The keys (or candidates) drawn now, as a finger finds them."""
        if self.entry is None:
            return []
        return Keyboard(self.entry, lambda done, what: self.wait_until(done)).keys(role)

    def candidates(self) -> list[str]:
        return [face.text for face in self.faces("candidate")]

    def tap(self, text: str = "", role: str = "character") -> None:
        assert self.entry is not None
        face = next(f for f in self.faces(role) if not text or f.text == text)
        self.click(self.entry.keyboard, face.rect.center())

    def click(self, widget: QWidget, point: QPoint) -> None:
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)

    def type(self, letters: str) -> None:
        for letter in letters:
            self.tap(letter)

    def choose(self, candidate: str) -> None:
        """Wait for the candidate to be offered, then tap it."""
        self.wait_until(lambda: candidate in self.candidates())
        self.tap(candidate, "candidate")

    def press_ok(self) -> None:
        assert self.entry is not None
        ok = next(b for b in self.entry.findChildren(QPushButton) if b.text() == "确定")
        self.click(ok, ok.rect().center())


class _Counter(QObject):
    """Counts the events of one type that reach widgets."""

    def __init__(self, kind: QEvent.Type, parent: QObject) -> None:
        super().__init__(parent)
        self.kind, self.count = kind, 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == self.kind and watched.isWidgetType():
            self.count += 1
        return False


def _theme(panel: Panel, elder: bool, font: str) -> Theme:
    return Theme(panel, elder, font, cap_height_ratio(font))


def _rotated(panel: Panel) -> Panel:
    width, height = panel.resolution
    return replace(
        panel, width_mm=panel.height_mm, height_mm=panel.width_mm, resolution=(height, width)
    )


@pytest.fixture
def make_kiosk(
    qtbot: object, config: Config, catalogs: Catalogs, font: str
) -> Iterator[Callable[..., Kiosk]]:
    made: list[Kiosk] = []

    def make(elder: bool = False, portrait: bool = True) -> Kiosk:
        panel = config.panel if portrait else _rotated(config.panel)
        wait_until: WaitUntil = qtbot.waitUntil  # type: ignore[attr-defined]
        made.append(Kiosk(wait_until, _theme(panel, elder, font), catalogs))
        return made[-1]

    yield make
    for kiosk in made:
        kiosk.window.close()
        kiosk.window.deleteLater()


def test_typing_pinyin_and_tapping_a_candidate_writes_chinese(make_kiosk: Callable[..., Kiosk]):
    kiosk = make_kiosk()
    entry = kiosk.open("zh")
    kiosk.type("wang")
    kiosk.wait_until(lambda: "王" in kiosk.candidates())
    assert entry.value == ""  # the pinyin is still being composed, not yet text
    kiosk.choose("王")
    assert entry.value == "王"
    kiosk.type("fang")
    kiosk.choose("芳")
    assert entry.value == "王芳"


def test_a_name_is_built_from_a_phrase_and_the_rest(make_kiosk: Callable[..., Kiosk]):
    kiosk = make_kiosk()
    entry = kiosk.open("zh")
    kiosk.type("zhangweiguo")
    kiosk.choose("张")  # the engine guesses 张伟过; the citizen takes 张, then the rest
    kiosk.choose("卫国")
    assert entry.value == "张卫国"


def test_the_language_key_switches_to_english_and_back(make_kiosk: Callable[..., Kiosk]):
    kiosk = make_kiosk()
    entry = kiosk.open("zh")
    assert kiosk.faces("space")[0].text == "简体中文"  # the space bar names the language
    kiosk.tap(role="language")
    kiosk.wait_until(lambda: kiosk.faces("space")[0].text == "American English")
    kiosk.type("li")
    assert entry.value == "Li"  # letters go straight in, a name's first as a capital
    assert kiosk.candidates() == []
    kiosk.tap(role="language")
    kiosk.type("li")
    kiosk.choose("李")
    assert entry.value == "Li李"


def test_each_entry_starts_in_its_own_language(make_kiosk: Callable[..., Kiosk]):
    kiosk = make_kiosk()
    kiosk.open("zh")
    kiosk.tap(role="language")  # the citizen before switched to English
    kiosk.wait_until(lambda: kiosk.faces("space")[0].text == "American English")
    kiosk.close_entry()
    kiosk.open("zh")
    assert kiosk.faces("space")[0].text == "简体中文"
    kiosk.close_entry()
    entry = kiosk.open("en")
    assert kiosk.faces("space")[0].text == "American English"
    kiosk.type("anna")
    assert entry.value == "Anna"


def test_the_enter_key_and_the_ok_button_submit_the_text(make_kiosk: Callable[..., Kiosk]):
    kiosk = make_kiosk()
    kiosk.open("zh")
    kiosk.type("li")
    kiosk.choose("李")
    kiosk.tap(role="enter")
    kiosk.press_ok()
    assert kiosk.submitted == ["李", "李"]


def test_pending_pinyin_is_not_lost_on_enter_or_ok(make_kiosk: Callable[..., Kiosk]):
    kiosk = make_kiosk()
    entry = kiosk.open("zh")
    kiosk.type("wang")
    kiosk.wait_until(lambda: bool(kiosk.candidates()))
    kiosk.tap(role="enter")  # as on any Pinyin keyboard, Enter writes the letters typed
    assert (entry.value, kiosk.submitted) == ("wang", [])
    kiosk.type("li")
    kiosk.wait_until(lambda: bool(kiosk.candidates()))
    first = kiosk.candidates()[0]
    kiosk.press_ok()  # OK takes the first candidate, as leaving the field would
    assert kiosk.submitted == [entry.value] == ["wang" + first]


def test_keys_still_type_into_the_field_after_a_button_took_the_focus(
    make_kiosk: Callable[..., Kiosk],
):
    kiosk = make_kiosk()
    help_button = QPushButton("帮助")  # as the header's buttons do when touched
    kiosk.column.addWidget(help_button)
    entry = kiosk.open("zh")
    kiosk.click(help_button, help_button.rect().center())
    assert QApplication.focusWidget() is help_button
    kiosk.type("li")
    kiosk.choose("李")
    assert entry.value == "李"


def test_the_field_takes_no_more_than_max_length(make_kiosk: Callable[..., Kiosk]):
    kiosk = make_kiosk()
    entry = kiosk.open("zh", max_length=2)
    kiosk.type("zhang")
    kiosk.choose("张")
    kiosk.type("weiguo")
    kiosk.choose("卫国")
    assert entry.value == "张卫"


def test_what_one_citizen_typed_is_not_offered_to_the_next(make_kiosk: Callable[..., Kiosk]):
    """Names are not learned into Pinyin's user dictionary (§7), and a name left half typed
    does not follow into the next screen."""
    kiosk = make_kiosk()
    kiosk.open("zh")
    for _ in range(3):
        kiosk.type("zhangweiguo")
        kiosk.choose("张")
        kiosk.choose("卫国")
    kiosk.type("zhangwei")
    kiosk.wait_until(lambda: bool(kiosk.candidates()))
    kiosk.close_entry()

    entry = kiosk.open("zh")
    assert (entry.value, kiosk.candidates()) == ("", [])
    kiosk.type("zhangweiguo")
    kiosk.wait_until(lambda: bool(kiosk.candidates()))
    assert kiosk.candidates()[0] != "张卫国"


@pytest.mark.parametrize("portrait", [True, False], ids=["portrait", "landscape"])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_keys_and_candidates_are_large_enough_to_touch(
    make_kiosk: Callable[..., Kiosk], elder: bool, portrait: bool
):
    kiosk = make_kiosk(elder=elder, portrait=portrait)
    kiosk.open("zh")
    px_per_mm, limits = kiosk.theme.panel.px_per_mm, kiosk.theme.limits
    window = kiosk.window.rect()

    def check_sizes() -> None:
        faces = [f for f in kiosk.faces() if window.contains(f.rect)]  # candidates scroll
        assert len(faces) > 30
        for face in faces:
            assert min(face.rect.width(), face.rect.height()) >= limits.target_mm * px_per_mm
        for left, right in itertools.pairwise(faces):
            if left.rect.top() == right.rect.top():  # neighbours in a row
                assert right.rect.left() - left.rect.right() - 1 >= limits.gap_mm * px_per_mm

    kiosk.type("wang")
    kiosk.wait_until(lambda: len(kiosk.candidates()) > 5)
    check_sizes()
    kiosk.tap(role="symbol")  # digits and punctuation: eleven keys in a row
    kiosk.wait_until(lambda: "1" in [f.text for f in kiosk.faces()])
    check_sizes()
    kiosk.tap(role="symbol")
    kiosk.tap(role="language")  # English, with a shift key
    kiosk.wait_until(lambda: bool(kiosk.faces("shift")))
    check_sizes()


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_key_labels_are_as_large_as_body_text(make_kiosk: Callable[..., Kiosk], elder: bool):
    kiosk = make_kiosk(elder=elder)
    entry = kiosk.open("zh")
    texts: list[QQuickItem] = []
    root = entry.keyboard.rootObject()
    items: list[QQuickItem] = [root]
    while items:
        item = items.pop()
        items.extend(item.childItems())
        if item.inherits("QQuickText") and drawn(item, root):
            texts.append(item)
    assert len(texts) > 30
    for text in texts:
        assert text.property("font").pixelSize() >= kiosk.theme.body_px, text.property("text")


def test_a_bad_language_or_length_is_refused(make_kiosk: Callable[..., Kiosk]):
    kiosk = make_kiosk()
    tr = Translator(kiosk.catalogs, "zh")
    with pytest.raises(ValueError, match="no keyboard for language 'fr'"):
        TextEntry(kiosk.theme, tr, "fr")
    with pytest.raises(ValueError, match="max_length must be at least 1"):
        TextEntry(kiosk.theme, tr, "zh", max_length=0)


def test_without_the_input_method_no_entry_is_made(
    make_kiosk: Callable[..., Kiosk], monkeypatch: pytest.MonkeyPatch
):
    kiosk = make_kiosk()
    monkeypatch.delenv("QT_IM_MODULE")
    assert not virtual_keyboard_available()
    with pytest.raises(RuntimeError, match="prepare_environment"):
        TextEntry(kiosk.theme, Translator(kiosk.catalogs, "zh"))


def test_preparing_is_too_late_once_the_application_exists(qapp: QApplication):
    env: dict[str, str] = {}
    assert not prepare_environment(env)
    assert env == {}


# On a real X server -------------------------------------------------------------------------


class XKiosk(Kiosk):
    """Clicks through the X server (XTest), as a touch screen's driver sends them."""

    def __init__(self, wait_until: WaitUntil, theme: Theme, catalogs: Catalogs) -> None:
        super().__init__(wait_until, theme, catalogs)
        self._x11 = ctypes.CDLL("libX11.so.6")
        self._xtest = ctypes.CDLL("libXtst.so.6")
        self._x11.XOpenDisplay.restype = ctypes.c_void_p
        self._display = ctypes.c_void_p(self._x11.XOpenDisplay(None))
        # A release reaching a widget: the X click has been handled.
        self._releases = _Counter(QEvent.Type.MouseButtonRelease, self.window)
        QApplication.instance().installEventFilter(self._releases)  # type: ignore[union-attr]

    def click(self, widget: QWidget, point: QPoint) -> None:
        self._press(widget, point)
        self._release()

    def screen_while_holding(self, text: str) -> QImage:
        """What the X server shows while a key is held down. The press is Qt's own event, before
        any XTest pointer event: that is how held keys were drawn alone on a blank keyboard."""
        assert self.entry is not None
        keyboard = self.entry.keyboard
        center = next(f for f in self.faces() if f.text == text).rect.center()
        paints = _Counter(QEvent.Type.Paint, keyboard)
        keyboard.installEventFilter(paints)
        QTest.mousePress(keyboard, Qt.MouseButton.LeftButton, pos=center)
        self.wait_until(lambda: paints.count > 0)  # the keyboard drawn with the key held
        shown = QGuiApplication.primaryScreen().grabWindow(0).toImage()
        QTest.mouseRelease(keyboard, Qt.MouseButton.LeftButton, pos=center)
        return shown

    def _press(self, widget: QWidget, point: QPoint) -> None:
        spot = widget.mapToGlobal(point)
        self._xtest.XTestFakeMotionEvent(self._display, -1, spot.x(), spot.y(), 0)
        self._xtest.XTestFakeButtonEvent(self._display, 1, True, 0)
        self._x11.XFlush(self._display)

    def _release(self) -> None:
        released = self._releases.count
        self._xtest.XTestFakeButtonEvent(self._display, 1, False, 0)
        self._x11.XFlush(self._display)
        self.wait_until(lambda: self._releases.count > released)


def type_on_x() -> dict[str, object]:
    """Run in a process of its own on an X display: what main does, then typing by X clicks."""
    prepared = prepare_environment()
    app = QApplication([])
    font = find_cjk_font()
    assert font is not None
    theme = _theme(load_config(ROOT / "config" / "default.toml").panel, False, font)

    def wait_until(done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 10
        while not done():
            assert time.monotonic() < deadline, "gave up waiting"
            QTest.qWait(10)

    kiosk = XKiosk(wait_until, theme, Catalogs.load())
    kiosk.window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    kiosk.window.move(0, 0)
    entry = kiosk.open("zh")
    wait_until(entry.isActiveWindow)
    # The screen while "g" is held: the enter key (beside its icon) and "q" are still drawn.
    enter = kiosk.faces("enter")[0].rect
    q = next(f for f in kiosk.faces() if f.text == "q").rect
    shown = kiosk.screen_while_holding("g")
    kiosk.tap(role="backspace")  # takes the "g" back
    kiosk.type("li")
    kiosk.choose("李")
    kiosk.tap(role="language")
    kiosk.type("na")
    kiosk.press_ok()

    def colour(point: QPoint) -> str:
        return shown.pixelColor(entry.keyboard.mapToGlobal(point)).name()

    result = {
        "prepared": prepared,
        "platform": QGuiApplication.platformName(),
        "value": entry.value,
        "submitted": kiosk.submitted,
        "enter_key_colour": colour(QPoint(enter.left() + enter.width() // 10, enter.center().y())),
        "q_key_colour": colour(q.topLeft() + QPoint(8, 8)),
    }
    kiosk.window.close()
    app.processEvents()
    return result


@pytest.fixture
def x_display() -> Iterator[str]:
    """A private Xvfb the size of the portrait panel (never $DISPLAY: these clicks are real)."""
    if shutil.which("Xvfb") is None or ctypes.util.find_library("Xtst") is None:
        pytest.skip("no Xvfb and libXtst (Debian: xvfb, libxtst6) for a real X display")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1080x1920x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as numbers:
        number = numbers.readline().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_on_a_real_x_screen_taps_write_chinese_and_english(x_display: str):
    prepared = ("QT_IM", "QT_VIRTUAL", "QT_QUICK", "QSG_")  # left to the process, as in main
    env = {k: v for k, v in os.environ.items() if not k.startswith(prepared)}
    env.update(DISPLAY=x_display, QT_QPA_PLATFORM="xcb")
    done = subprocess.run(
        [sys.executable, "-m", "tests.test_text_entry"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "prepared": True,
        "platform": "xcb",
        "value": "李na",
        "submitted": ["李na"],
        "enter_key_colour": NORMAL_COLORS.primary.lower(),
        "q_key_colour": NORMAL_COLORS.surface.lower(),
    }


if __name__ == "__main__":
    print(json.dumps(type_on_x(), ensure_ascii=False))
