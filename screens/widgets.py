"""Small building blocks shared by the screens, styled through the theme's roles."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


def label(
    text: str, role: str = "", wrap: bool = True, center: bool = False, data: tuple[str, ...] = ()
) -> QLabel:
    """`data`: parts of the text that are the citizen's or the case's own (a name, a case
    number), shown as they are in any language; the translation checks leave them out."""
    widget = QLabel(text)
    if data:
        widget.setProperty("citizenData", list(data))
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)  # citizen and config text is never markup
    if role:
        widget.setProperty("role", role)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def button(text: str, on_click: Callable[[], object], role: str = "") -> QPushButton:
    widget = QPushButton(text)
    if role:
        widget.setProperty("role", role)
    widget.setAccessibleName(text)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    widget.clicked.connect(lambda: on_click())
    return widget


def scrolling(content: QWidget) -> QScrollArea:
    """`content` in a scroll area a finger drags, as wide as the screen."""
    scroll = QScrollArea()
    scroll.setWidget(content)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    drag_scrolling(scroll)
    return scroll


def drag_scrolling(area: QAbstractScrollArea) -> None:
    """A finger dragging the area's content scrolls it: a touch screen has no wheel, and a thin
    scroll bar is hard to hit. (Not `QScroller.grabGesture`: it registers a new gesture
    recognizer for every area it is given, and Qt frees none of them, about 3 kB a screen.)"""
    _DragScroll(area)


class _DragScroll(QObject):
    def __init__(self, area: QAbstractScrollArea) -> None:
        super().__init__(area)  # goes with the area
        self._bar = area.verticalScrollBar()
        self._pressed: tuple[float, int] | None = None  # where the finger went down, and when
        area.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not isinstance(event, QMouseEvent):
            return False
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._pressed = (event.position().y(), self._bar.value())
        elif kind == QEvent.Type.MouseMove and self._pressed is not None:
            y, value = self._pressed
            self._bar.setValue(value - round(event.position().y() - y))
        elif kind == QEvent.Type.MouseButtonRelease:
            self._pressed = None
        return False


class CardButton(QPushButton):
    """A large button holding wrapped lines of text (a service tile, a rating level).

    A plain QPushButton cannot wrap its text; this one lays labels out inside itself and
    reports their size, so long names in elder mode grow the button instead of being cut.
    """

    def __init__(self, lines: list[QLabel], on_click: Callable[[], object], spacing: int) -> None:
        super().__init__()
        self._lines = QVBoxLayout(self)
        self._lines.setSpacing(spacing)
        for line in lines:
            line.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            self._lines.addWidget(line)
        self.setAccessibleName(" ".join(line.text() for line in lines))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.clicked.connect(lambda: on_click())

    # The stylesheet's min-width/min-height become minimumSize(); the labels decide the rest.
    def sizeHint(self) -> QSize:
        return self._lines.sizeHint().expandedTo(self.minimumSize())

    def minimumSizeHint(self) -> QSize:
        return self._lines.minimumSize().expandedTo(self.minimumSize())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(self._lines.totalHeightForWidth(width), self.minimumHeight())


class Screen(QWidget):
    """A page of the kiosk: a column with the theme's margins and gaps, and what voice guidance
    says for it (`spoken`: the prompt, then any notice; `say` for what changes while shown)."""

    say = Signal(str)

    def __init__(self, margin: int, gap: int) -> None:
        super().__init__()
        self.setObjectName("Screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(margin, margin, margin, margin)
        self.column.setSpacing(gap)
        self.spoken: list[str] = []

    def add(
        self,
        text: str,
        role: str = "",
        center: bool = False,
        speak: bool = True,
        data: tuple[str, ...] = (),
    ) -> QLabel:
        """A label in the column, also read aloud (in order) when speak is true."""
        widget = label(text, role, center=center, data=data)
        self.column.addWidget(widget)
        if speak:
            self.spoken.append(text)
        return widget

    def add_notice(self, text: str) -> None:
        """The current notice (an error naming the field, a device problem), shown and spoken."""
        if text:
            widget = self.add(text, "notice")
            widget.setObjectName("Notice")
