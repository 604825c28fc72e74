"""Shown after the help button: help is coming (the request itself goes through the bus)."""

from __future__ import annotations

from screens.context import ScreenContext
from screens.widgets import Screen, button, label


class HelpScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr = ctx.tr
        self.column.addStretch(1)
        self.column.addWidget(label(tr("help.title"), "title", center=True))
        self.column.addWidget(label(tr("help.body"), center=True))
        self.column.addStretch(1)
        self.column.addWidget(button(tr("help.back"), ctx.visit.dismiss_help))
        self.column.addStretch(1)
