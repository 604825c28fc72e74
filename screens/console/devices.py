"""The devices: every device's state, why, and its last error, live (read every second on a
worker: a device that is opening holds its lock, and the screen must not wait for it); and a
device's own page with its counters and info and its three health checks (DESIGN.md §3)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QPushButton, QSizePolicy, QWidget

from kiosk.i18n import Translator
from screens.console.page import ConsolePage, PageSetup, Table, hugging, raw, show_raw
from screens.widgets import button, label, scrolling

REFRESH_MS = 1000
LEVELS = ("internal", "external", "interactive")
SW3 = "idcard.sw3."  # the card reader's result codes: idcard.sw3.41


def problem_summary(tr: Translator, code: str) -> str:
    """What a device problem's code means and what to do, in the console's language; "" for a
    code without a text (a newer adapter's)."""
    if code.startswith(SW3):
        return tr("device.problem.idcard.sw3", code=code.removeprefix(SW3).upper())
    key = f"device.problem.{code}"
    return tr(key) if tr.has(key) else ""


class LiveStatusPage(ConsolePage):
    """A page that reads the devices' statuses every second and shows them."""

    def __init__(
        self,
        at: PageSetup,
        title: str,
        raw_parts: tuple[str, ...] = (),
    ) -> None:
        super().__init__(at, title, raw_parts)
        self._reading = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)

    def start_refreshing(self) -> None:
        if self.console.tools.device_statuses is None:
            self.unavailable("devices")
            return
        self._timer.start(REFRESH_MS)
        self.refresh()

    def refresh(self) -> None:
        statuses = self.console.tools.device_statuses
        if self._reading or statuses is None:  # the last read still waits for a device
            return
        self._reading = True
        self.run("device-statuses", statuses, self._read, self._read_failed)

    def closing(self) -> None:
        self._timer.stop()

    def _read(self, statuses: Sequence[Any]) -> None:
        self._reading = False
        self.show_statuses(statuses)

    def _read_failed(self, error: Exception) -> None:
        self._reading = False
        self.show_statuses([])
        self.column.insertWidget(1, raw(str(error), "notice"))

    def show_statuses(self, statuses: Sequence[Any]) -> None:
        raise NotImplementedError

    def state_label(self, status: Any) -> QWidget:
        state = str(status.state)
        mark = label(self._tr(f"device.state.{state}"), "" if state == "online" else "notice")
        mark.setProperty("deviceState", state)
        mark.setProperty("device", status.name)
        return mark


class DeviceListPage(LiveStatusPage):
    def __init__(self, at: PageSetup) -> None:
        super().__init__(at, at.tr("console.page.devices"))
        self.column.addWidget(label(at.tr("console.devices.hint"), "muted"))
        self._table = Table(at.theme.gap_px)
        self.column.addWidget(scrolling(self._table), 1)
        self.finish_layout()
        self.start_refreshing()

    def show_statuses(self, statuses: Sequence[Any]) -> None:
        rows = []
        for status in statuses:
            name = button(status.name, partial(self.go.emit, "devices", status.name), "secondary")
            name.setProperty("citizenData", [status.name])
            name.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # never cut
            mark = self.state_label(status)
            mark.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
            rows.append([name, mark, self._why(status)])
        self._table.fill(rows, stretch_column=2)

    def _why(self, status: Any) -> QWidget:
        """A device that is down: what its last error means, in the console's language; else
        its own detail."""
        error = status.last_error
        summary = problem_summary(self._tr, error.code) if error else ""
        if summary and str(status.state) != "online":
            return label(f"{summary} [{error.code}]", "muted", data=(error.code,))
        return raw(f"{status.detail} [{error.code}]" if error else status.detail)


class DeviceDetailPage(LiveStatusPage):
    def __init__(
        self,
        at: PageSetup,
        device: str,
    ) -> None:
        title = at.tr("console.device.title", device=device)
        super().__init__(at, title, raw_parts=(device,))
        self.device = device
        self._table = Table(at.theme.gap_px)
        self.column.addWidget(self._table)
        self._hint = label("", "muted")
        self.column.addWidget(self._hint)
        self.checks: dict[str, QPushButton] = {}
        buttons = Table(at.theme.gap_px)
        for level in LEVELS:
            self.checks[level] = button(at.tr(f"console.check.{level}"), partial(self.check, level))
        buttons.fill([list(self.checks.values())])
        self.column.addWidget(buttons)
        self.result = raw("", "")
        self.result.setObjectName("CheckResult")
        self.result.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.column.addWidget(scrolling(self.result), 1)
        if device in at.console.tools.cameras:
            self.action_row.addWidget(
                button(at.tr("console.page.camera"), partial(self.go.emit, "camera", device))
            )
        self.finish_layout()
        self.start_refreshing()

    def show_statuses(self, statuses: Sequence[Any]) -> None:
        status = next((s for s in statuses if s.name == self.device), None)
        if status is None:
            return
        tr = self._tr
        self._hint.setText(tr(f"console.checks.{status.kind}"))
        error = status.last_error
        info = status.info
        described = [
            ("state", hugging(self.state_label(status))),
            ("detail", raw(status.detail, "")),
            ("last_error", raw(f"{error.code}: {error.technician}" if error else "-", "")),
            ("advice", label((problem_summary(tr, error.code) if error else "") or "-")),
            ("counters", raw(_pairs(status.counters) or "-", "")),
            ("info", raw(_pairs(vars(info)) or "-", "")),
        ]
        self._table.fill([[label(tr(f"console.device.{k}"), "muted"), v] for k, v in described], 1)

    def check(self, level: str) -> None:
        check_health = self.console.tools.check_health
        if check_health is None:
            return
        for widget in self.checks.values():
            widget.setEnabled(False)
        self.result.setText(self._tr(f"console.checking.{level}"))

        def work() -> Any:
            return check_health(self.device, level)

        self.run(f"check-{self.device}", work, self._checked, self._check_failed)

    def _checked(self, report: Any) -> None:
        verdict = self._tr("console.passed" if report.ok else "console.failed")
        details = "\n".join((f"({report.ms:.0f} ms)", *report.lines))
        show_raw(self.result, f"{verdict} {details}", details)
        self.result.setProperty("role", "" if report.ok else "notice")
        self.result.setStyleSheet("")  # re-apply the role
        self.console.record(
            "health_check", f"{self.device} {report.level}: {'OK' if report.ok else 'FAILED'}"
        )
        self._enable()

    def _check_failed(self, error: Exception) -> None:
        show_raw(self.result, f"{self._tr('console.failed')}\n{error}", str(error))
        self.console.record("health_check", f"{self.device}: could not run: {error}")
        self._enable()

    def _enable(self) -> None:
        for widget in self.checks.values():
            widget.setEnabled(True)


def _pairs(values: Any) -> str:
    return ", ".join(f"{k} {v}" for k, v in dict(values).items() if v not in ("", None))
