"""The first screen: welcome, start, elder mode one tap away (DESIGN.md §6)."""

from __future__ import annotations

from screens.context import ScreenContext
from screens.widgets import Screen, button, label


class AttractScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, visit, elder = ctx.tr, ctx.visit, ctx.snapshot.elder
        self.column.addStretch(2)
        self.column.addWidget(label(tr("attract.welcome"), "title", center=True))
        self.column.addWidget(label(tr("attract.how"), "muted", center=True))
        self.column.addStretch(1)
        start = button(tr("attract.start"), visit.start)
        start.setMinimumHeight(ctx.theme.target_px * 2)
        self.column.addWidget(start)
        # The label says what a tap will do, so colour is never the only cue (§6).
        self.column.addWidget(
            button(
                tr("attract.elder_off" if elder else "attract.elder_on"),
                lambda: visit.set_elder(not elder),
                role="secondary",
            )
        )
        self.column.addStretch(2)
