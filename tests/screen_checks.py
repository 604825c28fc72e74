"""Measuring rendered screens the way a person meets them: what is visible, how big, how legible.

Each check returns a list of readable problems, so one test run reports every failing widget.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import combinations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QFontMetricsF, QImage
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget

from kiosk.i18n import Catalogs
from screens.keypad import Keypad
from screens.main_window import MainWindow
from screens.theme import Theme

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def regions(window: QWidget) -> list[QWidget]:
    """What the citizen sees and can touch: an overlay hides the screen beneath it. A window
    without overlays (a service window's screens) is all seen."""
    if not isinstance(window, MainWindow):
        return [window]
    if window.overlay is not None:
        return [window.overlay]
    return [w for w in (window.findChild(QWidget, "Header"), window.screen_widget) if w]


def visible(window: QWidget, kinds: tuple[type, ...] = (QWidget,)) -> list[QWidget]:
    found = []
    for region in regions(window):
        for widget in [region, *region.findChildren(QWidget)]:
            if isinstance(widget, kinds) and widget.isVisible() and widget.width() > 0:
                found.append(widget)
    return found


def text_of(widget: QWidget) -> str:
    if isinstance(widget, (QLabel, QAbstractButton)):
        return widget.text()
    return ""


def texts(window: QWidget) -> list[QWidget]:
    return [w for w in visible(window, (QLabel, QAbstractButton)) if text_of(w).strip()]


def name(widget: QWidget) -> str:
    text = text_of(widget) or widget.accessibleName() or widget.objectName()
    return f"{type(widget).__name__}({text[:30]!r})"


def rect_in(window: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def shown_rect(window: QWidget, widget: QWidget) -> QRect:
    """The part of the widget on screen: a scroll area shows only its viewport."""
    rect = rect_in(window, widget)
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QScrollArea):
            rect = rect.intersected(rect_in(window, parent.viewport()))
        parent = parent.parentWidget()
    return rect


def in_scroll_area(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def check_targets(window: QWidget, theme: Theme) -> list[str]:
    limit = theme.limits.target_mm * theme.panel.px_per_mm
    problems = [
        f"{name(b)} is {b.width() / theme.panel.px_per_mm:.1f}×"
        f"{b.height() / theme.panel.px_per_mm:.1f} mm, under {theme.limits.target_mm} mm"
        for b in visible(window, (QAbstractButton,))
        if min(b.width(), b.height()) < limit - 0.5
    ]
    gap = theme.limits.gap_mm * theme.panel.px_per_mm
    buttons = [(b, rect_in(window, b)) for b in visible(window, (QAbstractButton,))]
    for (a, ra), (b, rb) in combinations(buttons, 2):
        dx = max(rb.left() - ra.right(), ra.left() - rb.right()) - 1
        dy = max(rb.top() - ra.bottom(), ra.top() - rb.bottom()) - 1
        if max(dx, dy) < gap - 0.5:
            problems.append(f"{name(a)} and {name(b)} are {max(dx, dy)} px apart, under {gap:.0f}")
    return problems


def check_text_size(window: QWidget, theme: Theme) -> list[str]:
    problems = []
    for widget in texts(window):
        cap_mm = QFontMetricsF(widget.font()).capHeight() / theme.panel.px_per_mm
        if cap_mm < theme.limits.body_cap_mm:
            problems.append(
                f"{name(widget)} cap height {cap_mm:.2f} mm < {theme.limits.body_cap_mm}"
            )
    return problems


def luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def dominant_color(image: QImage, rect: QRect) -> tuple[QColor, Counter[int]]:
    counts: Counter[int] = Counter()
    for y in range(rect.top(), rect.bottom() + 1, 2):
        for x in range(rect.left(), rect.right() + 1, 2):
            counts[image.pixel(x, y) & 0xFFFFFF] += 1
    return QColor(counts.most_common(1)[0][0]), counts


def check_contrast(window: QWidget, theme: Theme) -> list[str]:
    """Text colour (from the palette the stylesheet set) against the background actually
    painted behind it (the most common colour of its rectangle in a screenshot)."""
    image = window.grab().toImage()
    problems = []
    for widget in texts(window):
        rect = shown_rect(window, widget).intersected(image.rect())
        if rect.height() < widget.fontMetrics().height():
            continue  # scrolled out of view but for a sliver of its margin: no text to see
        foreground = widget.palette().color(widget.foregroundRole())
        background, counts = dominant_color(image, rect)
        ratio = contrast(foreground, background)
        if ratio < theme.limits.contrast:
            problems.append(
                f"{name(widget)} {foreground.name()} on {background.name()} "
                f"is {ratio:.2f}:1 < {theme.limits.contrast}"
            )
        drawn = sum(n for rgb, n in counts.items() if contrast(QColor(rgb), foreground) < 1.2)
        if drawn == 0:
            problems.append(f"{name(widget)}: its text colour {foreground.name()} is not painted")
    return problems


def check_fit(window: QWidget) -> list[str]:
    """Nothing cut off: each text fits its widget, each widget its window, none overlaps."""
    problems = []
    bounds = window.rect()
    for widget in texts(window):
        if isinstance(widget, QLabel) and widget.wordWrap():
            need_h = widget.heightForWidth(widget.width())
            if widget.height() < need_h:
                problems.append(f"{name(widget)} is {widget.height()} px high, needs {need_h}")
        else:
            hint = widget.sizeHint()
            if widget.width() < hint.width() or widget.height() < hint.height():
                problems.append(
                    f"{name(widget)} is {widget.width()}×{widget.height()}, "
                    f"needs {hint.width()}×{hint.height()}"
                )
        if not in_scroll_area(widget) and not bounds.contains(rect_in(window, widget)):
            problems.append(f"{name(widget)} at {rect_in(window, widget)} leaves the window")
    placed = [(w, shown_rect(window, w)) for w in texts(window)]
    for (a, ra), (b, rb) in combinations([(w, r) for w, r in placed if not r.isEmpty()], 2):
        if ra.intersects(rb) and not (a.isAncestorOf(b) or b.isAncestorOf(a)):
            problems.append(f"{name(a)} overlaps {name(b)}")
    return problems


def check_choices(window: MainWindow, most: int) -> list[str]:
    """Choices in the screen's content (the header's fixed controls aside); a keypad is one
    control for one answer, not twelve choices."""
    screen = window.screen_widget if window.overlay is None else window.overlay
    assert screen is not None
    choices = [
        b
        for b in screen.findChildren(QAbstractButton)
        if b.isVisible() and b.isEnabled() and not isinstance(b.parentWidget(), Keypad)
    ]
    if len(choices) > most:
        return [
            f"{len(choices)} choices on one screen, at most {most}: "
            + ", ".join(name(b) for b in choices)
        ]
    return []


def check_language(window: QWidget, language: str, other_names: set[str]) -> list[str]:
    """Untranslated text: Chinese on an English screen, English words on a Chinese one.
    The language button is the exception: it names the other language in that language."""
    problems = []
    for widget in texts(window):
        text = text_of(widget)
        if text in other_names:
            continue
        for data in widget.property("citizenData") or ():  # names and numbers are not translated
            text = text.replace(data, "")
        if language == "en" and CJK.search(text):
            problems.append(f"{name(widget)} shows Chinese on an English screen")
        if language == "zh" and LATIN_WORD.search(text):
            problems.append(f"{name(widget)} shows English on a Chinese screen")
        missing = {
            c
            for c in text
            if not c.isspace() and not QFontMetricsF(widget.font()).inFontUcs4(ord(c))
        }
        if missing:
            problems.append(f"{name(widget)}: the font has no glyph for {''.join(sorted(missing))}")
    return problems


def other_language_names(catalogs: Catalogs, language: str) -> set[str]:
    """The names of the other languages: the language button shows them in their own."""
    names = {catalogs.text(lang, "meta.name") for lang in catalogs.languages}
    return names - {catalogs.text(language, "meta.name")}


def check_screen(window: QWidget, theme: Theme, language: str, other_names: set[str]) -> list[str]:
    """Every rule of DESIGN.md §6 but the number of choices: sizes, targets and gaps,
    contrast, nothing cut off, the right language, no missing glyphs."""
    return (
        check_targets(window, theme)
        + check_text_size(window, theme)
        + check_contrast(window, theme)
        + check_fit(window)
        + check_language(window, language, other_names)
    )
