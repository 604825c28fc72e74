"""The way to the platform, step by step (DNS, TCP, TLS, HTTP, clock), each step saying what
it found in words a technician can act on (offline_queue/connectivity.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from screens.console.page import ConsolePage, PageSetup, Table, raw, show_raw
from screens.widgets import button, label, scrolling

MARKS = {True: "console.step.ok", False: "console.step.failed", None: "console.step.skipped"}


class PlatformPage(ConsolePage):
    def __init__(self, at: PageSetup) -> None:
        super().__init__(at, at.tr("console.page.platform"))
        self.verdict = label("", "heading")
        self.column.addWidget(self.verdict)
        self._steps = Table(at.theme.gap_px)
        self.column.addWidget(scrolling(self._steps), 1)
        self.again = button(at.tr("console.platform.again"), self.check)
        self.action_row.addWidget(self.again)
        self.finish_layout()
        self.check()

    def check(self) -> None:
        check_platform = self.console.tools.check_platform
        if check_platform is None:
            self.verdict.setText(self._tr("console.not_up.platform"))
            self.again.setEnabled(False)
            return
        self.again.setEnabled(False)
        self.verdict.setText(self._tr("console.platform.checking"))
        self.run("platform-check", check_platform, self._show, self._failed)

    def _show(self, steps: Sequence[Any]) -> None:
        self.again.setEnabled(True)
        failed = [s for s in steps if s.ok is False]
        key = "console.platform.failed" if failed else "console.platform.ok"
        step = failed[0].name.upper() if failed else ""
        show_raw(self.verdict, self._tr(key, step=step), *([step] if step else []))
        rows = []
        for step in steps:
            mark = label(self._tr(MARKS[step.ok]), "notice" if step.ok is False else "")
            mark.setProperty("stepOk", str(step.ok))
            rows.append([raw(step.name.upper(), ""), mark, raw(step.detail, "")])
        self._steps.fill(rows, 2)
        outcome = f"failed at {failed[0].name}: {failed[0].detail}" if failed else "OK"
        self.console.record("platform_check", outcome)

    def _failed(self, error: Exception) -> None:
        self.again.setEnabled(True)
        show_raw(self.verdict, str(error))
        self.console.record("platform_check", f"could not run: {error}")
