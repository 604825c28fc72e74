"""The staff console of a service window (landscape): call, recall, skip or transfer a ticket;
the citizen identified by card or e-ID code at the counter; their applications waiting at the
platform, taken in one by one; the receipt; closing the case. The rating is the citizen's, on
their own screen: staff see only that it is being given. Five taps in the top-left corner and
the PIN open the technician's console, as on a kiosk."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QHideEvent, QMouseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.console import TechnicianConsole
from kiosk.counter import Counter, CounterPhase, CounterSnapshot
from kiosk.i18n import Translator
from screens.keypad import Keypad
from screens.technician import TechnicianAccess
from screens.theme import Theme
from screens.widgets import button, label
from screens.window.body import restarting, swap

ServiceName = Callable[[str], str]  # service id → its name in the staff's language


class StaffConsole(QWidget):
    def __init__(
        self,
        counter: Counter,
        theme: Theme,
        tr: Translator,
        service_name: ServiceName,
        console: TechnicianConsole,
    ) -> None:
        super().__init__()
        self.setObjectName("Screen")
        self.counter, self.theme, self._tr, self._service_name = counter, theme, tr, service_name
        # Staff stay at the counter, so the case goes on under the console.
        self.technician = TechnicianAccess(
            self, console, theme, lambda: (theme, tr), lambda: None, lambda: None, QApplication.quit
        )
        self.setStyleSheet(theme.stylesheet())
        self._layout = QVBoxLayout(self)
        margin = theme.margin_px
        self._layout.setContentsMargins(margin, margin, margin, margin)
        self._layout.setSpacing(theme.gap_px)
        self._body: QWidget | None = None
        self._restarting = False  # after an unexpected error nothing is drawn again
        self._transferring = False
        self._online = True
        self.show_snapshot(counter.snapshot)

    def show_restarting(self) -> None:
        """An unexpected error (screens/crash.py): say so; nothing here acts any more."""
        self._restarting = True
        self.technician.close()
        self._body = swap(self._layout, self._body, restarting(self._tr))

    # A press reaches an application filter at the QWindow first: only those are counted,
    # and only this window's (the citizen's screen is another). Installed while shown.

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        handle = self.windowHandle()
        if (
            event.type() == QEvent.Type.MouseButtonPress
            and isinstance(event, QMouseEvent)
            and handle is not None
            and watched is handle
        ):
            self.technician.tap(self.mapFromGlobal(event.globalPosition().toPoint()))
        return False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if (app := QApplication.instance()) is not None:
            app.installEventFilter(self)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if (app := QApplication.instance()) is not None:
            app.removeEventFilter(self)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.technician.overlay is not None:
            self.technician.overlay.setGeometry(self.rect())

    def set_online(self, online: bool) -> None:
        if online != self._online:
            self._online = online
            self.show_snapshot(self.counter.snapshot)

    def show_snapshot(self, snap: CounterSnapshot) -> None:
        if self._restarting:
            return
        old, self._body = self._body, QWidget()
        column = QVBoxLayout(self._body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(self.theme.gap_px)
        column.addLayout(self._header(snap))
        columns = QHBoxLayout()
        columns.setSpacing(self.theme.margin_px)
        columns.addLayout(self._ticket_panel(snap), 2)
        columns.addLayout(self._citizen_panel(snap), 3)
        column.addLayout(columns, 1)
        if snap.notice:
            column.addWidget(label(self._tr(snap.notice), "notice"))
        swap(self._layout, old, self._body)
        if self.technician.overlay is not None:  # the new body was stacked above it
            self.technician.overlay.raise_()

    # -- parts -------------------------------------------------------------------------------

    def _header(self, snap: CounterSnapshot) -> QHBoxLayout:
        tr, settings = self._tr, self.counter.settings
        row = QHBoxLayout()
        staff = settings.staff
        row.addWidget(
            label(
                tr("counter.header", window=settings.window, name=staff.name, staff=staff.staff_id),
                "heading",
                data=(staff.name, staff.staff_id),
            ),
            1,
        )
        state = "counter.online" if self._online and not snap.offline else "counter.offline"
        row.addWidget(label(tr(state), "" if state == "counter.online" else "notice"))
        row.addWidget(label(tr("counter.rated", count=snap.rated), "muted"))
        return row

    def _ticket_panel(self, snap: CounterSnapshot) -> QVBoxLayout:
        tr, counter = self._tr, self.counter
        panel = QVBoxLayout()
        panel.setSpacing(self.theme.gap_px)
        panel.addWidget(label(tr("counter.current"), "muted"))
        ticket = snap.ticket or "—"
        panel.addWidget(label(ticket, "title", data=(ticket,)))
        idle = snap.phase in (CounterPhase.IDLE, CounterPhase.CALLED)
        actions = [
            ("counter.call_next", counter.call_next, idle and not snap.busy),
            ("counter.recall", counter.recall, snap.ticket is not None and idle),
            ("counter.skip", counter.skip, snap.phase is CounterPhase.CALLED),
            ("counter.transfer", self._ask_window, snap.ticket is not None and not snap.busy
             and snap.phase in (CounterPhase.CALLED, CounterPhase.SERVING)),
        ]  # fmt: skip
        for key, action, enabled in actions:
            widget = button(tr(key), action, "" if key == "counter.call_next" else "secondary")
            widget.setEnabled(enabled)
            panel.addWidget(widget)
        if self._transferring:
            panel.addWidget(label(tr("counter.transfer_to"), "heading"))
            keypad = Keypad(tr, self.theme.gap_px, max_length=3)
            keypad.submitted.connect(self._transfer)
            panel.addWidget(keypad)
        panel.addStretch(1)
        return panel

    def _citizen_panel(self, snap: CounterSnapshot) -> QVBoxLayout:
        tr, counter = self._tr, self.counter
        panel = QVBoxLayout()
        panel.setSpacing(self.theme.gap_px)
        if snap.phase is CounterPhase.RATING:
            case = snap.case_number or ""
            panel.addWidget(label(tr("counter.closed", case=case), "heading", data=(case,)))
            panel.addWidget(label(tr("counter.rating_in_progress")))
            panel.addStretch(1)
            return panel
        citizen = snap.citizen
        if citizen is None:
            panel.addWidget(label(tr("counter.identify"), "heading"))
            panel.addStretch(1)
            return panel
        who = f"{citizen.name}  {citizen.masked_number}"
        panel.addWidget(label(who, "heading", data=(who,)))
        if snap.case_number:
            case = snap.case_number
            panel.addWidget(label(tr("counter.case", case=case), "muted", data=(case,)))
        panel.addWidget(label(tr("counter.applications"), "heading"))
        rows = QGridLayout()
        rows.setSpacing(self.theme.gap_px)
        if not snap.applications:
            key = "counter.loading" if snap.busy else "counter.no_applications"
            rows.addWidget(label(tr(key), "muted"), 0, 0)
        for row, application in enumerate(snap.applications):
            name = self._service_name(application.service_id)
            text = f"{name}  {application.case_number}"
            rows.addWidget(label(text, data=(application.case_number,)), row, 0)
            taken = application.case_number in snap.accepted
            take = button(
                tr("counter.accepted" if taken else "counter.accept"),
                partial(counter.accept, application.case_number),
                "secondary",
            )
            take.setEnabled(not taken)
            rows.addWidget(take, row, 1)
        rows.setColumnStretch(0, 1)
        panel.addLayout(rows)
        panel.addStretch(1)
        finish = QHBoxLayout()
        finish.setSpacing(self.theme.gap_px)
        receipt = button(tr("counter.print_receipt"), counter.print_receipt, "secondary")
        close = button(tr("counter.close_case"), counter.close_case)
        for widget in (receipt, close):
            widget.setEnabled(not snap.busy and snap.case_number is not None)
            finish.addWidget(widget)
        panel.addLayout(finish)
        return panel

    # -- transfer -----------------------------------------------------------------------------

    def _ask_window(self) -> None:
        self._transferring = True
        self.show_snapshot(self.counter.snapshot)

    def _transfer(self, window: str) -> None:
        self._transferring = False
        if window:
            self.counter.transfer(window)
        else:
            self.show_snapshot(self.counter.snapshot)
