"""好差评: five levels, none preselected, words and stars so colour is never the only cue."""

from __future__ import annotations

from functools import partial

from screens.context import ScreenContext
from screens.widgets import CardButton, Screen, button, label

LEVELS = (5, 4, 3, 2, 1)  # 非常满意 first, as on the national evaluation system


class RateScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, visit, theme = ctx.tr, ctx.visit, ctx.theme
        self.column.addWidget(label(tr("rate.title"), "title"))
        self.column.addWidget(label(tr("rate.body"), "muted"))
        for level in LEVELS:
            stars = "★" * level + "☆" * (5 - level)
            card = CardButton(
                [label(f"{stars}  {tr(f'rate.level{level}')}", wrap=False)],
                partial(visit.rate, level),
                theme.gap_px // 2,
            )
            card.setObjectName("ServiceTile")
            self.column.addWidget(card)
        self.column.addStretch(1)
        self.column.addWidget(button(tr("rate.skip"), visit.skip_rating, role="secondary"))
