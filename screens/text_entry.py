"""Typing on the touch screen: a large field above Qt's on-screen keyboard (Pinyin, English).

Qt Virtual Keyboard (PySide6-Addons) brings the keys and the Pinyin engine. Its `InputPanel`
runs in a QQuickWidget under the field, styled from the theme (screens/qml/), and types into
the focused QLineEdit through Qt's input method. That works only in an application created
with the virtual keyboard as its input method: main calls `input_method.prepare_environment()`
before it makes the QApplication, and a screen offers a `TextEntry` only when
`virtual_keyboard_available()`; otherwise a staff member types for the citizen.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QObject,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QFocusEvent, QGuiApplication, QShowEvent
from PySide6.QtQml import QQmlComponent, QQmlEngine
from PySide6.QtQuickWidgets import QQuickWidget
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from screens.input_method import virtual_keyboard_available
from screens.theme import Theme
from screens.widgets import button

log = logging.getLogger(__name__)

QML_DIR = Path(__file__).with_name("qml")
KEYBOARD_QML = QUrl.fromLocalFile(str(QML_DIR / "TextEntryKeyboard.qml"))
LOCALES = {"zh": "zh_CN", "en": "en_US"}  # our languages -> the keyboard's layouts
ROWS = 5  # the candidates' row and four rows of keys (style.qml)
# Names are not learned into Pinyin's user dictionary on disk (§7), and no words are guessed.
HINTS = Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhNoPredictiveText
PRESSES = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)


def key_gap(theme: Theme) -> int:
    """Between keys only the §6 gap: ten keys in a row must still reach the target width."""
    return theme.px(theme.limits.gap_mm * 1.05)


def keyboard_look(theme: Theme) -> dict[str, object]:
    """The theme as style.qml reads it."""
    c = theme.colors
    return {
        "key": theme.target_px,
        "gap": key_gap(theme),
        "radius": theme.radius_px,
        "border": max(2, theme.px(0.6)),
        "font": theme.font_family,
        "letterFont": theme.heading_px,
        "labelFont": theme.body_px,
        "background": c.disabled,
        "key_": c.surface,
        "keyText": c.text,
        "keyBorder": c.border,
        "functionKey": c.primary,
        "pressed": c.header,
        "onPressed": c.on_header,
    }


class _Keyboard:
    """The QML engine every TextEntry shares, and the keyboard loaded into it once.

    The first load compiles the keyboard on Qt's loader thread. Asynchronously, because a
    synchronous load would wait for that thread while holding Python's lock, and a Qt message
    it logs meanwhile (QtMultimedia's, as it loads) deadlocks if a Python message handler is
    installed (pytest-qt installs one). Once loaded, QQuickWidget.setSource finds it cached.
    """

    _engine: QQmlEngine | None = None
    _component: QQmlComponent | None = None

    @classmethod
    def engine(cls) -> QQmlEngine:
        if cls._engine is None:
            cls._engine = QQmlEngine()
            cls._engine.addImportPath(str(QML_DIR))  # the kiosk style
        return cls._engine

    @classmethod
    def component(cls) -> QQmlComponent:
        if cls._component is None:
            cls._component = QQmlComponent(cls.engine())
            cls._component.loadUrl(KEYBOARD_QML, QQmlComponent.CompilationMode.Asynchronous)
        return cls._component


class TextEntry(QWidget):
    """A form field with its keyboard: `submitted(text)` on OK or the keyboard's Enter key.

    The keys take the width they are given: inside a Screen's elder-mode margins on a 1080 px
    panel they are 20.8 mm wide (tests/test_text_entry.py measures them).
    """

    submitted = Signal(str)

    def __init__(
        self,
        theme: Theme,
        tr: Translator,
        language: str = "zh",
        max_length: int = 40,
        accessible_name: str = "",
        text: str = "",
    ) -> None:
        if language not in LOCALES:
            raise ValueError(f"no keyboard for language {language!r}; use one of {sorted(LOCALES)}")
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, not {max_length}")
        if not virtual_keyboard_available():
            raise RuntimeError(
                "the on-screen keyboard is not available: call text_entry.prepare_environment() "
                "before creating the QApplication, and check virtual_keyboard_available()"
            )
        super().__init__()
        self._look = keyboard_look(theme)
        self._locale = LOCALES[language]
        self._field = _Field(text, theme)
        self._field.setMaxLength(max_length)
        self._field.setAccessibleName(accessible_name)
        self._field.returnPressed.connect(self._submit)
        ok = button(tr("keypad.ok"), self._submit)
        ok.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus, so the keys too
        self.keyboard = _keyboard_view(theme, self)
        self.keyboard.installEventFilter(_TakeFocus(self._field, self.keyboard))

        row = QHBoxLayout()
        row.setSpacing(theme.gap_px)
        row.addWidget(self._field, 1)
        row.addWidget(ok)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(theme.gap_px)
        column.addLayout(row)
        column.addStretch(1)
        column.addWidget(self.keyboard)

        component = _Keyboard.component()
        if component.isLoading():
            component.statusChanged.connect(self._show_keys)
        else:
            self._show_keys()

    @property
    def value(self) -> str:
        return self._field.text()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The keys type into the focused widget of the active window; on an X server without
        # a window manager (Xvfb) nothing else makes the kiosk's window active.
        self.activateWindow()
        self._field.setFocus()

    def _show_keys(self) -> None:
        component = _Keyboard.component()
        if component.isLoading() or self.keyboard.source().isValid():
            return
        if component.isError():
            log.error("the on-screen keyboard did not load: %s", component.errorString())
            return
        self.keyboard.setInitialProperties({"look": self._look, "locale": self._locale})
        self.keyboard.setSource(KEYBOARD_QML)  # found ready in the engine
        if self._field.hasFocus():  # it had the focus before there was a keyboard to tell
            QGuiApplication.inputMethod().update(Qt.InputMethodQuery.ImQueryAll)
            QGuiApplication.inputMethod().show()

    def _submit(self) -> None:
        QGuiApplication.inputMethod().commit()  # pending Pinyin goes in, as on leaving the field
        self.submitted.emit(self._field.text())


class _Field(QLineEdit):
    """The field: while it has the focus, the keyboard is up, whatever tries to hide it."""

    def __init__(self, text: str, theme: Theme) -> None:
        super().__init__(text)
        self.setObjectName("TextEntryField")
        self.setInputMethodHints(HINTS)
        self.setStyleSheet(
            f"min-height: {theme.target_px}px; font-size: {theme.title_px}px;"
            f" border: {max(2, theme.px(0.6))}px solid {theme.colors.border};"
            f" background: {theme.colors.surface}; color: {theme.colors.text};"
        )
        # A slot of the field itself, so Qt disconnects it when the field goes.
        QGuiApplication.inputMethod().visibleChanged.connect(self._keep_keyboard_up)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        QGuiApplication.inputMethod().show()

    def _keep_keyboard_up(self) -> None:
        if self.hasFocus() and not QGuiApplication.inputMethod().isVisible():
            QGuiApplication.inputMethod().show()


class _TakeFocus(QObject):
    """Gives the field the focus back when a key is touched (after a button took it)."""

    def __init__(self, field: QLineEdit, parent: QObject) -> None:
        super().__init__(parent)
        self._field = field

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in PRESSES and not self._field.hasFocus():
            self._field.setFocus()
        return False


def _keyboard_view(theme: Theme, parent: QWidget) -> QQuickWidget:
    view = QQuickWidget(_Keyboard.engine(), parent)
    view.setObjectName("TextEntryKeyboard")
    view.setResizeMode(QQuickWidget.ResizeMode.SizeRootObjectToView)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touching a key leaves the focus in the field
    view.setClearColor(theme.colors.disabled)  # the keyboard's background, also while loading
    view.setFixedHeight(ROWS * (theme.target_px + key_gap(theme)))
    return view
