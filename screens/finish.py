"""The end of a service: done, and an invitation to rate it."""

from __future__ import annotations

from screens.context import ScreenContext
from screens.widgets import Screen, button, label


class FinishScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, visit, service = ctx.tr, ctx.visit, ctx.snapshot.service
        assert service is not None
        self.column.addStretch(1)
        self.column.addWidget(label(tr("finish.title"), "title", center=True))
        self.column.addWidget(label(tr.pick(service.name), "heading", center=True))
        self.column.addWidget(label(tr("finish.body"), center=True))
        self.column.addStretch(1)
        self.column.addWidget(button(tr("finish.rate"), visit.to_rating))
        self.column.addWidget(button(tr("finish.done"), visit.skip_rating, role="secondary"))
        self.column.addStretch(1)
