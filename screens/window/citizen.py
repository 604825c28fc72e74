"""The citizen-facing screen of a service window (a second display, or a second window when
there is one screen): while idle, the window's number and who staffs it, with photo and staff
number; the ticket called and being served; after the case closes, the five-level rating of
好差评 (the kiosk's levels, words and stars) tied to the case number. Elder mode and voice
work here too. Staff never see the level chosen: it goes from here to the queue."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.counter import Counter, CounterPhase, CounterSnapshot, TicketCalled
from kiosk.i18n import Catalogs, Translator
from screens.keypad import Keypad
from screens.rate import LEVELS, REASONS, stars
from screens.theme import Theme
from screens.widgets import CardButton, button, label
from screens.window.body import restarting, swap

if TYPE_CHECKING:  # the voice loads after the first paint
    from screens.voice import Voice

THANKS_MS = 6000
RATING_WAIT_MS = 120_000  # a citizen who walks away: the window is free again
LOW_LEVELS = (1, 2)  # 不满意 and 非常不满意 ask why and offer a call-back, as at the kiosk


class CitizenScreen(QWidget):
    def __init__(
        self,
        counter: Counter,
        themes: dict[bool, Theme],
        catalogs: Catalogs,
        languages: Sequence[str],
        voice: Voice | None = None,  # None: a silent screen
    ) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.counter, self._themes, self._catalogs = counter, themes, catalogs
        self._languages, self._voice = languages, voice
        self._layout = QVBoxLayout(self)
        self._body: QWidget | None = None
        self._restarting = False  # after an unexpected error nothing is drawn again
        self._low_level: int | None = None  # a low level chosen: why, then a call-back?
        self._reason: str | None = None
        self._thanks = QTimer(self)
        self._thanks.setSingleShot(True)
        self._thanks.timeout.connect(lambda: self.show_snapshot(self.counter.snapshot))
        self._spoken = ""
        self._rating_wait = QTimer(self)
        self._rating_wait.setSingleShot(True)
        self._rating_wait.timeout.connect(self._skip)
        self.show_snapshot(counter.snapshot)

    def show_restarting(self) -> None:
        """An unexpected error (screens/crash.py): say so in the citizen's language."""
        self._restarting = True
        tr = self._catalogs.translator(self.counter.snapshot.language)
        self._body = swap(self._layout, self._body, restarting(tr))

    @property
    def voice(self) -> Voice | None:
        return self._voice

    def use_voice(self, voice: Voice) -> None:
        self._voice = voice

    @property
    def thanking(self) -> bool:
        return self._thanks.isActive()

    def show_snapshot(self, snap: CounterSnapshot) -> None:
        if self._restarting:
            return
        theme = self._themes[snap.elder]
        tr = self._catalogs.translator(snap.language)
        self.setStyleSheet(theme.stylesheet())
        margin = theme.margin_px
        self._layout.setContentsMargins(margin, margin, margin, margin)
        old, self._body = self._body, QWidget()
        column = QVBoxLayout(self._body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(theme.gap_px)
        column.addLayout(self._controls(snap, tr, theme))
        settings = self.counter.settings
        if snap.phase is not CounterPhase.RATING:
            self._rating_wait.stop()
            self._low_level, self._reason = None, None
        elif not self._rating_wait.isActive():
            self._rating_wait.start(RATING_WAIT_MS)
        if snap.phase is CounterPhase.RATING and self._reason is not None:
            prompt = self._callback(column, tr, theme)
        elif snap.phase is CounterPhase.RATING and self._low_level is not None:
            prompt = self._reasons(column, tr)
        elif snap.phase is CounterPhase.RATING:
            prompt = self._levels(column, snap, tr, theme)
        elif self.thanking:
            prompt = tr("window.thanks")
            column.addWidget(label(prompt, "title", center=True))
        elif snap.ticket is not None:
            prompt = tr("window.call", ticket=snap.ticket, window=settings.window)
            column.addStretch(1)
            call = label(prompt, "title", center=True, data=(snap.ticket,))
            call.setObjectName("Call")  # read from across the hall: twice the title's size
            call.setStyleSheet(f"font-size: {2 * theme.title_px}px;")
            column.addWidget(call)
            if snap.phase is CounterPhase.SERVING:
                column.addWidget(label(tr("window.serving"), "heading", center=True))
        else:
            prompt = tr("window.idle", window=settings.window)
            self._idle(column, tr, theme, prompt)
        column.addStretch(1)
        swap(self._layout, old, self._body)
        self._say(prompt, snap)

    # -- parts -------------------------------------------------------------------------------

    def _controls(self, snap: CounterSnapshot, tr: Translator, theme: Theme) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(theme.gap_px)
        languages = self._languages
        following = languages[(languages.index(snap.language) + 1) % len(languages)]
        row.addWidget(
            button(
                self._catalogs.text(following, "meta.name"),
                partial(self.counter.set_language, following),
                "secondary",
            )
        )
        elder = "window.elder_off" if snap.elder else "window.elder_on"
        row.addWidget(
            button(tr(elder), partial(self.counter.set_elder, not snap.elder), "secondary")
        )
        return row

    def _idle(self, column: QVBoxLayout, tr: Translator, theme: Theme, prompt: str) -> None:
        staff = self.counter.settings.staff
        column.addWidget(label(prompt, "title", center=True))
        photo = QLabel()
        photo.setObjectName("StaffPhoto")
        photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        photo.setPixmap(staff_picture(staff.photo, staff.name, theme.px(40)))
        column.addWidget(photo)
        column.addWidget(
            label(tr("window.staff", name=staff.name), "heading", center=True, data=(staff.name,))
        )
        column.addWidget(
            label(tr("window.staff_id", staff=staff.staff_id), center=True, data=(staff.staff_id,))
        )
        column.addWidget(label(tr("window.wait_for_call"), "muted", center=True))

    def _levels(
        self, column: QVBoxLayout, snap: CounterSnapshot, tr: Translator, theme: Theme
    ) -> str:
        prompt = tr("window.rate_title")
        column.addWidget(label(prompt, "title"))
        case = snap.case_number or ""
        column.addWidget(label(tr("window.rate_case", case=case), "muted", data=(case,)))
        # Side by side, stars above words: five levels fit a landscape screen in elder mode.
        levels = QHBoxLayout()
        levels.setSpacing(theme.gap_px)
        for level in LEVELS:
            words = tr(f"rate.level{level}")
            card = CardButton(
                [label(stars(level), center=True), label(words, "heading", center=True)],
                partial(self.choose_level, level),
                theme.gap_px // 2,
            )
            card.setObjectName("ServiceTile")
            card.setAccessibleName(f"{stars(level)}  {words}")
            levels.addWidget(card, 1)  # five equal choices
        column.addLayout(levels)
        column.addWidget(button(tr("rate.skip"), self._skip, "secondary"))
        return prompt

    def _reasons(self, column: QVBoxLayout, tr: Translator) -> str:
        prompt = tr("rate.reason_title")
        column.addWidget(label(prompt, "title"))
        for reason in REASONS:
            column.addWidget(
                button(
                    tr(f"rate.reason.{reason}"), partial(self.choose_reason, reason), "secondary"
                )
            )
        return prompt

    def _callback(self, column: QVBoxLayout, tr: Translator, theme: Theme) -> str:
        """As at the kiosk: a number to call back about a poor rating, or none."""
        prompt = tr("rate.callback_title")
        column.addWidget(label(prompt, "title"))
        column.addWidget(label(tr("rate.callback_body"), "muted"))
        keypad = Keypad(tr, theme.gap_px, max_length=11)
        keypad.submitted.connect(self._rate_low)
        column.addWidget(keypad)
        column.addWidget(button(tr("rate.no_callback"), partial(self._rate_low, ""), "secondary"))
        return prompt

    # -- rating ------------------------------------------------------------------------------

    def choose_level(self, level: int) -> None:
        if level in LOW_LEVELS:
            self._low_level = level
            self.show_snapshot(self.counter.snapshot)
            return
        self._thank()
        self.counter.rate(level)

    def choose_reason(self, reason: str) -> None:
        self._reason = reason
        self.show_snapshot(self.counter.snapshot)

    def _rate_low(self, callback: str) -> None:
        level, reason = self._low_level, self._reason
        self._low_level, self._reason = None, None
        if level is not None and reason is not None:
            self._thank()
            self.counter.rate(level, reason, callback)

    def _skip(self) -> None:
        self._low_level, self._reason = None, None
        self.counter.skip_rating()

    def _thank(self) -> None:
        self._thanks.start(THANKS_MS)

    def announce(self, called: TicketCalled) -> None:
        """A ticket called or called again: said aloud every time, in the screen's language."""
        snap = self.counter.snapshot
        text = self._catalogs.translator(snap.language)(
            "window.call", ticket=called.ticket, window=called.window
        )
        self._spoken = text
        if self._voice is not None:
            self._voice.chime()
            self._voice.say(text, snap.language)

    def _say(self, prompt: str, snap: CounterSnapshot) -> None:
        voice = self._voice
        if voice is None or prompt == self._spoken:
            return
        self._spoken = prompt
        voice.say(prompt, snap.language)


def staff_picture(photo: bytes, name: str, side: int) -> QPixmap:
    """The staff member's photo, or, without one, a circle with the first character of the
    name (a window never shows an empty frame)."""
    picture = QPixmap()
    if photo and picture.loadFromData(photo):
        return picture.scaled(
            side,
            side,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    picture = QPixmap(side, side)
    picture.fill(Qt.GlobalColor.transparent)
    painter = QPainter(picture)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#0B5AA2"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(0, 0, side, side)
    font = QFont(painter.font())
    font.setPixelSize(side // 2)
    painter.setFont(font)
    painter.setPen(QColor("#FFFFFF"))
    painter.drawText(picture.rect(), Qt.AlignmentFlag.AlignCenter, name[:1])
    painter.end()
    return picture
