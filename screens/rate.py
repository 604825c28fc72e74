"""好差评: five levels, none preselected, words and stars so colour is never the only cue; for
不满意 and 非常不满意 a reason and an optional call-back number; then the four indicators
(整体满意度, 服务效率, 服务水平, 服务态度), one per page in elder mode."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from PySide6.QtWidgets import QGridLayout, QPushButton

from kiosk.i18n import Translator
from kiosk.visit import INDICATORS, RATING_LEVELS, RatePage
from screens.context import ScreenContext
from screens.keypad import Keypad
from screens.widgets import CardButton, Screen, button, label

LEVELS = (5, 4, 3, 2, 1)  # 非常满意 first, as on the national evaluation system
REASONS = ("waiting", "complicated", "device", "attitude", "other")


def stars(level: int) -> str:
    return "★" * level + "☆" * (RATING_LEVELS - level)


class RateScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        page = ctx.snapshot.page
        if page == RatePage.LEVEL:
            self._levels(ctx)
        elif page == RatePage.REASON:
            self._reasons(ctx)
        elif page == RatePage.CALLBACK:
            self._callback(ctx)
        elif ctx.snapshot.elder:
            self._one_indicator(
                ctx, INDICATORS[min(page - RatePage.INDICATORS, len(INDICATORS) - 1)]
            )
        else:
            self._indicators(ctx)

    def _levels(self, ctx: ScreenContext) -> None:
        tr, visit = ctx.tr, ctx.visit
        self.add(tr("rate.title"), "title")
        self.add(tr("rate.body"), "muted")
        for level in LEVELS:
            card = CardButton(
                [label(f"{stars(level)}  {tr(f'rate.level{level}')}", wrap=False)],
                partial(visit.rate, level),
                ctx.theme.gap_px // 2,
            )
            card.setObjectName("ServiceTile")
            self.column.addWidget(card)
        self.column.addStretch(1)
        self.column.addWidget(button(tr("rate.skip"), visit.skip_rating, role="secondary"))

    def _reasons(self, ctx: ScreenContext) -> None:
        tr, visit = ctx.tr, ctx.visit
        self.add(tr("rate.reason_title"), "title")
        for reason in REASONS:
            self.column.addWidget(
                button(tr(f"rate.reason.{reason}"), partial(visit.rate_reason, reason), "secondary")
            )
        self.column.addStretch(1)

    def _callback(self, ctx: ScreenContext) -> None:
        tr, visit = ctx.tr, ctx.visit
        self.add(tr("rate.callback_title"), "title")
        self.add(tr("rate.callback_body"), "muted")
        keypad = Keypad(tr, ctx.theme.gap_px, max_length=11)
        # A closure: a bound method of the (plain) visit, connected directly, leaves ~750 bytes
        # behind when the keypad goes in PySide6 6.11 (see screens/qt_scheduler.py).
        keypad.submitted.connect(lambda number: visit.rate_callback(number))
        self.column.addStretch(1)
        self.column.addWidget(keypad)
        self.column.addWidget(
            button(tr("rate.no_callback"), lambda: visit.rate_callback(""), "secondary")
        )

    def _indicators(self, ctx: ScreenContext) -> None:
        tr, visit = ctx.tr, ctx.visit
        self.add(tr("rate.indicators_title"), "title")
        self.add(tr("rate.indicators_body"), "muted")
        chosen = ctx.snapshot.case.rating.indicators
        self.column.addLayout(indicator_grid(tr, ctx.theme.gap_px, chosen, visit.rate_indicator))
        self.column.addStretch(1)
        self.column.addWidget(button(tr("rate.submit"), visit.submit_rating))

    def _one_indicator(self, ctx: ScreenContext, indicator: str) -> None:
        tr, visit, snap = ctx.tr, ctx.visit, ctx.snapshot
        last = indicator == INDICATORS[-1]
        self.add(tr("rate.indicators_title"), "muted")
        self.add(tr(f"rate.indicator.{indicator}"), "title")

        def pick(level: int | None) -> None:
            if level is not None:
                visit.rate_indicator(indicator, level)
            if last:
                visit.submit_rating()
            else:
                visit.set_page(snap.page + 1)

        choices, done = one_indicator(tr, last, pick)
        for choice in choices:
            self.column.addWidget(choice)
        self.column.addStretch(1)
        self.column.addWidget(done)


# The indicators' choices, for the kiosk's rating and the service window's citizen screen.


def indicator_grid(
    tr: Translator, gap_px: int, chosen: Mapping[str, int], pick: Callable[[str, int], None]
) -> QGridLayout:
    """Every indicator with its five star levels, the chosen ones ticked."""
    grid = QGridLayout()
    grid.setSpacing(gap_px)
    for row, indicator in enumerate(INDICATORS):
        name = tr(f"rate.indicator.{indicator}")
        grid.addWidget(label(name, "heading"), 2 * row, 0, 1, 5)
        for level in range(1, RATING_LEVELS + 1):
            mark = "✓" if chosen.get(indicator) == level else ""
            choice = button(f"{mark}{level}★", partial(pick, indicator, level), "secondary")
            choice.setAccessibleName(tr("rate.indicator_level", indicator=name, level=level))
            grid.addWidget(choice, 2 * row + 1, level - 1)
    return grid


def one_indicator(
    tr: Translator, last: bool, pick: Callable[[int | None], None]
) -> tuple[list[QPushButton], QPushButton]:
    """Elder mode's page of one indicator: its five levels in words, and a button that skips
    it (or, on the last page, submits); `pick(None)` is that button."""
    levels = [
        button(f"{stars(level)} {tr(f'rate.level{level}')}", partial(pick, level), "secondary")
        for level in LEVELS
    ]
    return levels, button(tr("rate.submit" if last else "rate.skip_one"), partial(pick, None))
