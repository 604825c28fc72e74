"""Offered when the card says 65 or older: switch to elder mode (large text, voice)?"""

from __future__ import annotations

from screens.context import ScreenContext
from screens.widgets import Screen, button


class ElderOfferScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, visit = ctx.tr, ctx.visit
        self.column.addStretch(1)
        self.add(tr("elder_offer.title"), "title", center=True)
        self.add(tr("elder_offer.body"), center=True)
        self.column.addStretch(1)
        self.column.addWidget(button(tr("elder_offer.yes"), lambda: visit.set_elder(True)))
        self.column.addWidget(button(tr("elder_offer.no"), visit.decline_elder, role="secondary"))
        self.column.addStretch(1)
