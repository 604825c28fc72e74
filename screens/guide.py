"""A service's plain-language guide (办事指南) and the button that starts it."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from screens.context import ScreenContext
from screens.widgets import Screen, button, label, scrolling


class GuideScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, visit, theme = ctx.tr, ctx.visit, ctx.theme
        service = ctx.snapshot.service
        assert service is not None
        guide = service.guide
        self.column.addWidget(label(tr.pick(service.name), "title"))
        self.column.addWidget(label(tr.pick(service.summary), "muted"))

        body = QWidget()
        rows = QVBoxLayout(body)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(theme.gap_px)

        def section(heading: str, lines: list[str]) -> None:
            rows.addWidget(label(heading, "heading"))
            for line in lines:
                rows.addWidget(label(line))

        bullet = tr("guide.bullet")
        section(tr("guide.identity"), [tr(f"identity.{service.identity}")])
        section(tr("guide.materials"), [bullet + m for m in tr.pick(guide.materials)])
        section(tr("guide.duration"), [tr.pick(guide.duration)])
        section(tr("guide.cost"), [tr.pick(guide.cost)])
        section(tr("guide.notes"), [bullet + n for n in tr.pick(guide.notes)])
        if service.online_required:
            rows.addWidget(label(tr("guide.online_required"), "muted"))
        rows.addStretch(1)

        self.column.addWidget(scrolling(body), 1)

        reason = visit.unavailable(service)
        if reason:
            self.column.addWidget(label(tr(reason), "notice"))
        else:
            self.column.addWidget(button(tr("guide.start"), visit.begin))
