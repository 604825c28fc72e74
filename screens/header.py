"""The bar on top of every screen: back, home, language and help, always in the same place."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.visit import Phase
from screens.context import ScreenContext
from screens.widgets import button


class Header(QWidget):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__()
        self.setObjectName("Header")
        tr, visit, snap, theme = ctx.tr, ctx.visit, ctx.snapshot, ctx.theme
        row = QHBoxLayout(self)
        pad = theme.gap_px
        row.setContentsMargins(pad, pad, pad, pad)
        row.setSpacing(theme.gap_px)
        in_visit = snap.phase is not Phase.ATTRACT and not snap.help_requested
        if in_visit and snap.phase in (Phase.CATALOG, Phase.GUIDE, Phase.STEP):
            row.addWidget(button(tr("header.back"), visit.back))
        if in_visit:
            row.addWidget(button(tr("header.home"), visit.cancel))
        languages = visit.settings.languages
        following = languages[(languages.index(snap.language) + 1) % len(languages)]
        # The button names the language it switches to, in that language.
        language = button(
            tr.catalogs.text(following, "meta.name"), lambda: visit.set_language(following)
        )
        language.setAccessibleName(tr("header.language"))
        row.addWidget(language)
        if not snap.help_requested:
            row.addWidget(button(tr("header.help"), visit.request_help))
