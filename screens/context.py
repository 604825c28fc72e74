"""What every screen is built from: the visit's snapshot, the texts, the theme, the actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.flow import Flow
from kiosk.helpers import HelperDesk
from kiosk.i18n import Translator
from kiosk.visit import Visit, VisitSnapshot
from screens.theme import Theme

# Starts a face capture: (challenge or "" for a plain photo, progress callback on any thread)
# → a function that stops it. Progress objects are devices.face_session.FaceProgress.
FaceSource = Callable[[str, Callable[[Any], None]], Callable[[], None]]


@dataclass(frozen=True)
class ScreenContext:
    snapshot: VisitSnapshot
    tr: Translator
    theme: Theme
    visit: Visit
    flow: Flow | None = None
    faces: FaceSource | None = None
    helpers: HelperDesk | None = None

    def screen_args(self) -> tuple[int, int]:
        return self.theme.margin_px, self.theme.gap_px

    def notice_text(self) -> str:
        notice = self.snapshot.notice
        return self.tr(notice.key, **notice.params) if notice else ""
