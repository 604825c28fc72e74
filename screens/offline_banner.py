"""A strip at the foot of every screen while records cannot reach the platform, so a citizen
knows their business is kept and will be sent (DESIGN.md §4: the kiosk keeps working offline)."""

from __future__ import annotations

from kiosk.i18n import Translator
from offline_queue.status import SyncStatus
from screens.widgets import label


class OfflineBanner:
    def __init__(self) -> None:
        self.widget = label("", role="notice", center=True)
        self.widget.setObjectName("OfflineBanner")
        self.widget.hide()
        self._status: SyncStatus | None = None

    def show_status(self, status: SyncStatus, tr: Translator) -> None:
        self._status = status
        self.retranslate(tr)

    def retranslate(self, tr: Translator) -> None:
        status = self._status
        if status is None or not status.offline:
            self.widget.hide()
            return
        self.widget.setText(tr("sync.offline", waiting=status.waiting))
        self.widget.show()
