"""The bar on top of every screen: back, home, language and help, always in the same place;
then the voice controls (beside them on a landscape panel, which has height to spare for the
screen, not width; under them in portrait), and who is helping when a helper took over."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.visit import Phase
from screens.context import ScreenContext
from screens.voice_bar import VoiceBar
from screens.widgets import button, label


class Header(QWidget):
    def __init__(self, ctx: ScreenContext, voice_bar: VoiceBar | None = None) -> None:
        super().__init__()
        self.setObjectName("Header")
        tr, visit, snap, theme = ctx.tr, ctx.visit, ctx.snapshot, ctx.theme
        pad = theme.gap_px
        column = QVBoxLayout(self)
        column.setContentsMargins(pad, pad, pad, pad)
        column.setSpacing(pad)
        row = QHBoxLayout()
        row.setSpacing(theme.gap_px)
        column.addLayout(row)
        in_visit = snap.phase is not Phase.ATTRACT and not snap.help_requested
        if in_visit and snap.phase in (Phase.CATALOG, Phase.GUIDE, Phase.STEP):
            row.addWidget(button(tr("header.back"), visit.back), 1)
        if in_visit:
            row.addWidget(button(tr("header.home"), visit.cancel), 1)
        languages = visit.settings.languages
        following = languages[(languages.index(snap.language) + 1) % len(languages)]
        # The button names the language it switches to, in that language.
        language = button(
            tr.catalogs.text(following, "meta.name"), lambda: visit.set_language(following)
        )
        language.setAccessibleName(tr("header.language"))
        row.addWidget(language, 1)
        if not snap.help_requested:
            row.addWidget(button(tr("header.help"), visit.request_help), 1)
        if voice_bar is not None and not theme.panel.portrait:
            row.addWidget(voice_bar, voice_bar.controls)  # its buttons as wide as these
        if snap.helper:
            helper = QHBoxLayout()
            helper.setSpacing(theme.gap_px)
            helper.addWidget(label(tr("header.helper", staff=snap.helper)), 1)
            helper.addWidget(button(tr("header.hand_back"), visit.helper_hands_back))
            column.addLayout(helper)
        if voice_bar is not None and theme.panel.portrait:
            column.addWidget(voice_bar)
