"""Identification: the ID card on the reader, or the e-ID code shown to the camera or scanner.

With 代办 (proxy), three pages: the relative's card, the citizen's card, the citizen's consent.
The reading itself happens in the flow engine; this screen says what to do and what went wrong.
"""

from __future__ import annotations

from screens.context import ScreenContext
from screens.widgets import Screen, button


class IdentifyStep(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, snap, flow = ctx.tr, ctx.snapshot, ctx.flow
        service = snap.service
        assert service is not None and flow is not None
        stage = flow.identify_stage(snap)
        if service.identity == "eid_code":
            self.add(tr("identify.eid_title"), "title")
            self.add(tr("identify.eid_body"))
        elif stage == "consent":
            self._consent(ctx)
            return
        else:
            self.add(tr(f"identify.{stage}_title"), "title")
            self.add(tr("identify.card_body"))
        self.add_notice(ctx.notice_text())
        if snap.busy:
            self.add(tr("identify.checking"), "muted")
        self.column.addStretch(1)
        if service.proxy_allowed and not snap.case.proxy_mode:
            self.column.addWidget(button(tr("identify.proxy"), flow.start_proxy, role="secondary"))

    def _consent(self, ctx: ScreenContext) -> None:
        tr, case, flow = ctx.tr, ctx.snapshot.case, ctx.flow
        assert case.proxy is not None and case.citizen is not None and flow is not None
        self.add(tr("identify.consent_title"), "title")
        self.add(
            tr(
                "identify.consent_body",
                citizen=case.citizen.name,
                proxy=case.proxy.name,
                proxy_number=case.proxy.masked_number,
            ),
            data=(case.citizen.name, case.proxy.name, case.proxy.masked_number),
        )
        self.column.addStretch(1)
        self.column.addWidget(button(tr("identify.consent_yes"), flow.give_consent))
        self.column.addWidget(button(tr("identify.consent_no"), ctx.visit.cancel, role="secondary"))
