"""The citizen-facing screen of a service window (a second display, or a second window when
there is one screen): while idle, the window's number and who staffs it, with photo and staff
number; the ticket called and being served; after the case closes, the rating of 好差评 tied
to the case number, as at the kiosk: the five levels (words and stars), for a poor one why and
a call-back number, then the four indicators (one a page in elder mode). Elder mode and voice
work here too. Staff never see the rating: it goes from here to the queue."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.counter import Counter, CounterPhase, CounterSnapshot, RatingStep, TicketCalled
from kiosk.i18n import Catalogs, Translator
from kiosk.visit import INDICATORS
from screens.keypad import Keypad
from screens.rate import LEVELS, REASONS, indicator_grid, one_indicator, stars
from screens.theme import Theme
from screens.widgets import CardButton, button, label
from screens.window.body import restarting, swap

if TYPE_CHECKING:  # the voice loads after the first paint
    from screens.voice import Voice

THANKS_MS = 6000
RATING_WAIT_MS = 120_000  # a citizen who walks away: the window is free again


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
        elif not self._rating_wait.isActive():
            self._rating_wait.start(RATING_WAIT_MS)
        if snap.phase is CounterPhase.RATING:
            prompt = self._rating(column, snap, tr, theme)
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

    def _rating(
        self, column: QVBoxLayout, snap: CounterSnapshot, tr: Translator, theme: Theme
    ) -> str:
        step = snap.rating.step
        if step is RatingStep.REASON:
            return self._reasons(column, tr)
        if step is RatingStep.CALLBACK:
            return self._callback(column, tr, theme)
        if step is RatingStep.INDICATORS and snap.elder:
            return self._one_indicator(column, snap, tr)
        if step is RatingStep.INDICATORS:
            return self._indicators(column, snap, tr, theme)
        return self._levels(column, snap, tr, theme)

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
                partial(self.counter.rate, level),
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
                    tr(f"rate.reason.{reason}"),
                    partial(self.counter.rate_reason, reason),
                    "secondary",
                )
            )
        return prompt

    def _callback(self, column: QVBoxLayout, tr: Translator, theme: Theme) -> str:
        """As at the kiosk: a number to call back about a poor rating, or none."""
        prompt = tr("rate.callback_title")
        column.addWidget(label(prompt, "title"))
        column.addWidget(label(tr("rate.callback_body"), "muted"))
        counter = self.counter
        keypad = Keypad(tr, theme.gap_px, max_length=11)
        keypad.submitted.connect(lambda phone: counter.rate_callback(phone))  # see rate.py
        column.addWidget(keypad)
        column.addWidget(
            button(tr("rate.no_callback"), partial(counter.rate_callback, ""), "secondary")
        )
        return prompt

    def _indicators(
        self, column: QVBoxLayout, snap: CounterSnapshot, tr: Translator, theme: Theme
    ) -> str:
        prompt = tr("rate.indicators_title")
        column.addWidget(label(prompt, "title"))
        column.addWidget(label(tr("rate.indicators_body"), "muted"))
        chosen = snap.rating.indicators
        column.addLayout(indicator_grid(tr, theme.gap_px, chosen, self.counter.rate_indicator))
        column.addWidget(button(tr("rate.submit"), self.submit))
        return prompt

    def _one_indicator(self, column: QVBoxLayout, snap: CounterSnapshot, tr: Translator) -> str:
        indicator = INDICATORS[snap.rating.page]
        last = indicator == INDICATORS[-1]
        prompt = tr(f"rate.indicator.{indicator}")
        column.addWidget(label(tr("rate.indicators_title"), "muted"))
        column.addWidget(label(prompt, "title"))

        def pick(level: int | None) -> None:
            if level is not None:
                self.counter.rate_indicator(indicator, level)
            if last:
                self.submit()
            else:
                self.counter.next_indicator()

        choices, done = one_indicator(tr, last, pick)
        for choice in choices:
            column.addWidget(choice)
        column.addWidget(done)
        return prompt

    # -- rating ------------------------------------------------------------------------------

    def submit(self) -> None:
        self._thanks.start(THANKS_MS)
        self.counter.submit_rating()

    def _skip(self) -> None:
        self.counter.skip_rating()

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
