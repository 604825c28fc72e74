"""Voice controls under the header: repeat, quieter, louder, voice off; or one "voice on"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QWidget

from screens.context import ScreenContext
from screens.widgets import button

if TYPE_CHECKING:
    from screens.main_window import Speaker


class VoiceBar(QWidget):
    def __init__(self, ctx: ScreenContext, voice: Speaker) -> None:
        super().__init__()
        self.setObjectName("VoiceBar")
        tr, visit = ctx.tr, ctx.visit
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(ctx.theme.gap_px)
        if ctx.snapshot.voice:
            row.addWidget(button(tr("voice.repeat"), voice.repeat, role="secondary"))
            row.addWidget(button(tr("voice.quieter"), voice.volume_down, role="secondary"))
            row.addWidget(button(tr("voice.louder"), voice.volume_up, role="secondary"))
            row.addWidget(button(tr("voice.off"), lambda: visit.set_voice(False), role="secondary"))
        else:
            row.addWidget(button(tr("voice.on"), lambda: visit.set_voice(True), role="secondary"))
        self.controls = row.count()
