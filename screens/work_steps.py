"""Steps the kiosk does while the citizen waits: fetch a record, save the case, print.

They start by themselves (the flow engine runs them); the screen says what is happening, and
on a problem says what went wrong and offers to try again. A print step whose service prints on
more than one medium first asks which.
"""

from __future__ import annotations

from functools import partial

from screens.context import ScreenContext
from screens.widgets import Screen, button


class WorkStep(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, snap, visit, flow = ctx.tr, ctx.snapshot, ctx.visit, ctx.flow
        step, service = snap.step, snap.service
        assert step is not None and service is not None and flow is not None
        if step == "print" and not snap.case.print_medium and len(service.media) > 1:
            self.add(tr("print.choose"), "title")
            for medium in service.media:
                self.column.addWidget(
                    button(tr(f"print.{medium}"), partial(flow.choose_medium, medium))
                )
            self.column.addStretch(1)
            return
        self.column.addStretch(1)
        self.add(tr(f"work.{step}"), "title", center=True)
        self.add_notice(ctx.notice_text())
        self.column.addStretch(1)
        if snap.notice is not None:
            self.column.addWidget(button(tr("work.retry"), visit.retry))
            if step == "print" and snap.case.case_number and "record" in service.produces:
                self.column.addWidget(
                    button(tr("print.skip"), flow.finish_without_printout, role="secondary")
                )
        self.column.addStretch(1)
