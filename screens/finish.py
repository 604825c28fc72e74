"""The end of a service: done, the case or ticket number, and an invitation to rate it."""

from __future__ import annotations

from screens.context import ScreenContext
from screens.widgets import Screen, button


class FinishScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, visit, snap = ctx.tr, ctx.visit, ctx.snapshot
        service, case = snap.service, snap.case
        assert service is not None
        self.column.addStretch(1)
        self.add(tr("finish.title"), "title", center=True)
        self.add(tr.pick(service.name), "heading", center=True)
        if case.ticket is not None:
            number = case.ticket.number
            self.add(tr("finish.ticket", ticket=number), "title", center=True, data=(number,))
        elif case.case_number:
            number = case.case_number
            self.add(tr("finish.case", case=number), center=True, data=(number,))
        if case.spoken_receipt and case.printed:
            self.spoken.append(case.spoken_receipt)
        self.add(tr("finish.body" if case.printed else "finish.no_printout"), center=True)
        self.column.addStretch(1)
        self.column.addWidget(button(tr("finish.rate"), visit.to_rating))
        self.column.addWidget(button(tr("finish.done"), visit.skip_rating, role="secondary"))
        self.column.addStretch(1)
