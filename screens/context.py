"""What every screen is built from: the visit's snapshot, the texts, the theme, the actions."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.i18n import Translator
from kiosk.visit import Visit, VisitSnapshot
from screens.theme import Theme


@dataclass(frozen=True)
class ScreenContext:
    snapshot: VisitSnapshot
    tr: Translator
    theme: Theme
    visit: Visit

    def screen_args(self) -> tuple[int, int]:
        return self.theme.margin_px, self.theme.gap_px
