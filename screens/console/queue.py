"""The offline queue: records per state, the oldest waiting, the last sync and error, why
sending is blocked, every record the platform refused with its reason; "sync now", and letting
a blocked queue go on once the cause is dealt with (DESIGN.md §4)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer

from screens.console.page import ConsolePage, PageSetup, Table, raw
from screens.widgets import button, label, scrolling

REFRESH_MS = 2000
STATES = ("pending", "in_flight", "acked", "rejected")


class QueuePage(ConsolePage):
    def __init__(self, at: PageSetup) -> None:
        super().__init__(at, at.tr("console.page.queue"))
        self._summary = Table(at.theme.gap_px)
        self.column.addWidget(self._summary)
        self.column.addWidget(label(at.tr("console.queue.rejected"), "heading"))
        self._rejected = Table(at.theme.gap_px)
        self.column.addWidget(scrolling(self._rejected), 1)
        self.message = label("", "muted")
        self.column.addWidget(self.message)
        self.sync_button = button(at.tr("console.queue.sync_now"), self.sync_now)
        self.unblock_button = button(at.tr("console.queue.unblock"), self.unblock)
        self.unblock_button.setEnabled(False)
        self.action_row.addWidget(self.sync_button)
        self.action_row.addWidget(self.unblock_button)
        self.finish_layout()
        self._reading, self._blocked = False, ""
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        if at.console.tools.queue_stats is None:
            self.unavailable("queue")
            self.sync_button.setEnabled(False)
            return
        self._timer.start(REFRESH_MS)
        self.refresh()

    def closing(self) -> None:
        self._timer.stop()

    def refresh(self) -> None:
        stats = self.console.tools.queue_stats
        if self._reading or stats is None:
            return
        self._reading = True
        self.run("queue-stats", stats, self._show, self._failed)

    def sync_now(self) -> None:
        sync_now = self.console.tools.sync_now
        if sync_now is not None:
            sync_now()
            self.console.record("sync_now")
            self.message.setText(self._tr("console.queue.syncing"))

    def unblock(self) -> None:
        unblock = self.console.tools.unblock_queue
        if unblock is None:
            return
        self.unblock_button.setEnabled(False)

        def done(_: object) -> None:
            self.console.record("queue_unblocked", self._blocked)
            self.message.setText(self._tr("console.queue.unblocked"))
            self.refresh()

        def failed(error: Exception) -> None:
            self.console.record("queue_unblock_failed", str(error))
            self.message.setText(str(error))

        self.run("queue-unblock", unblock, done, failed)

    def _show(self, stats: Any) -> None:
        self._reading = False
        tr = self._tr
        counts = ", ".join(
            f"{tr(f'console.queue.state.{s}')} {stats.counts.get(s, 0)}" for s in STATES
        )
        rows = [
            ("counts", counts),
            ("oldest_pending", stats.oldest_pending or "-"),
            ("next_attempt", stats.next_attempt or "-"),
            ("last_sync", stats.last_sync or tr("console.never")),
            ("last_error", stats.last_error or "-"),
            ("blocked", stats.blocked or tr("console.queue.not_blocked")),
        ]
        self._summary.fill(
            [
                [
                    label(tr(f"console.queue.{k}"), "muted"),
                    raw(v, "notice" if k == "blocked" and stats.blocked else ""),
                ]
                for k, v in rows
            ],
            1,
        )
        self._blocked = stats.blocked or ""
        self.unblock_button.setEnabled(bool(stats.blocked))
        refused = [
            [raw(f"#{r.seq} {r.kind}, {r.created}\n{r.code or '-'}: {r.reason or ''}", "")]
            for r in stats.rejected
        ]
        self._rejected.fill(refused or [[label(tr("console.queue.none_rejected"), "muted")]], 0)

    def _failed(self, error: Exception) -> None:
        self._reading = False
        self.message.setText(str(error))
