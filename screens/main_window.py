"""The main window: a header and one screen built from the visit's snapshot, plus overlays.

Every change of phase, language or mode builds the screen anew from the snapshot and deletes the
old one, so no widget keeps anything of a visit that has ended (DESIGN.md §6).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QHideEvent,
    QMouseEvent,
    QResizeEvent,
    QShowEvent,
    QWindow,
)
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from kiosk.console import TechnicianConsole
from kiosk.flow import Flow
from kiosk.helpers import HelperDesk
from kiosk.i18n import Catalogs, Translator
from kiosk.timers import Scheduler
from kiosk.visit import Phase, Visit, VisitSnapshot
from offline_queue.status import SyncStatus
from screens.attract import AttractScreen
from screens.catalog import CatalogScreen
from screens.context import FaceSource, ScreenContext
from screens.elder_offer import ElderOfferScreen
from screens.finish import FinishScreen
from screens.guide import GuideScreen
from screens.header import Header
from screens.help import HelpScreen
from screens.offline_banner import OfflineBanner
from screens.overlay import Overlay
from screens.rate import RateScreen
from screens.technician import TechnicianAccess
from screens.theme import Theme
from screens.timeout import TimeoutOverlay
from screens.voice_bar import VoiceBar
from screens.widgets import Screen, label

log = logging.getLogger(__name__)

ScreenFactory = Callable[[ScreenContext], QWidget]
PHASE_SCREENS: Mapping[Phase, ScreenFactory] = {
    Phase.ATTRACT: AttractScreen,
    Phase.CATALOG: CatalogScreen,
    Phase.GUIDE: GuideScreen,
    Phase.FINISH: FinishScreen,
    Phase.RATE: RateScreen,
}


class Speaker(Protocol):
    """Voice guidance (screens.voice.Voice)."""

    def say(self, text: str, language: str) -> None: ...
    def stop(self) -> None: ...
    def repeat(self) -> None: ...
    def volume_up(self) -> None: ...
    def volume_down(self) -> None: ...


@dataclass(frozen=True)
class Services:
    """What the step screens use besides the visit; all optional (the tour has none)."""

    flow: Flow | None = None
    faces: FaceSource | None = None
    helpers: HelperDesk | None = None
    voice: Speaker | None = None


class MainWindow(QWidget):
    first_painted = Signal()

    def __init__(
        self,
        visit: Visit,
        catalogs: Catalogs,
        themes: Mapping[bool, Theme],  # by elder mode
        step_screens: Mapping[str, ScreenFactory],
        scheduler: Scheduler,
        console: TechnicianConsole,
        kiosk_mode: bool,
        services: Services = Services(),
    ) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.visit, self._catalogs, self._themes = visit, catalogs, themes
        self._step_screens, self._scheduler = step_screens, scheduler
        self.console = console
        self._kiosk_mode = kiosk_mode
        self._services = services
        self._may_close = not kiosk_mode
        self._painted = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._header: QWidget | None = None
        self._screen: QWidget | None = None
        self._key: VisitSnapshot | None = None
        self._style_elder: bool | None = None
        self._timeout: TimeoutOverlay | None = None
        self._timeout_key: tuple[object, ...] | None = None
        self.technician = TechnicianAccess(
            self,
            console,
            themes[False],
            self._technician_context,
            entered=self._end_visit,  # a citizen's visit under the console ends: they see nothing
            left=self._end_visit,
            quit=self._quit_by_technician,
        )
        self._offline_banner = OfflineBanner()
        self._last_prompt: int | None = None  # hash of what was last spoken: no text kept
        self._layout.addWidget(self._offline_banner.widget)
        self._snapshot = visit.snapshot
        self.show_snapshot(visit.snapshot)

    @property
    def screen_widget(self) -> QWidget | None:
        return self._screen

    @property
    def snapshot(self) -> VisitSnapshot:
        """The snapshot the window shows now (it trails the visit by one queued event)."""
        return self._snapshot

    @property
    def overlay(self) -> Overlay | None:
        return self.technician.overlay or self._timeout

    def context(self, snapshot: VisitSnapshot) -> ScreenContext:
        tr = self._catalogs.translator(snapshot.language)
        s = self._services
        return ScreenContext(
            snapshot, tr, self._themes[snapshot.elder], self.visit, s.flow, s.faces, s.helpers
        )

    def show_snapshot(self, snapshot: VisitSnapshot) -> None:
        self._snapshot = snapshot
        ctx = self.context(snapshot)
        if self._style_elder is not snapshot.elder:
            self.setStyleSheet(ctx.theme.stylesheet())
            self._style_elder = snapshot.elder
        self.setWindowTitle(ctx.tr("app.window_title"))
        key = replace(snapshot, warning_until=None)  # the warning is an overlay, not a screen
        if key != self._key:
            self._key = key
            screen = self._build_screen(ctx)
            self._replace_screen(Header(ctx, self._voice_bar(ctx)), screen)
            self._offline_banner.retranslate(ctx.tr)
            self._speak(ctx, screen)
        self._show_timeout(ctx)

    def show_latest(self, snapshot: VisitSnapshot) -> None:
        """From the bridge, queued: one tap can change the visit twice (a face accepted, then
        the next step), and a screen built for the state in between would start its work (a
        camera check) and its voice for nothing. Only the visit's newest state is drawn."""
        if snapshot is self.visit.snapshot:
            self.show_snapshot(snapshot)

    def refresh_availability(self) -> None:
        """What can start changed (the platform, a printer): rebuild a screen that says so.
        Only the catalog and a guide show it; a screen in a step keeps what the citizen did."""
        if self._snapshot.phase in (Phase.CATALOG, Phase.GUIDE):
            self._key = None
            self.show_snapshot(self._snapshot)

    def use_voice(self, voice: Speaker) -> None:
        """Voice guidance is ready: the screens speak and show their voice controls."""
        self._services = replace(self._services, voice=voice)
        self._key = None
        self.show_snapshot(self._snapshot)

    def use_faces(self, faces: FaceSource) -> None:
        """The camera is ready: face and photo steps can capture."""
        self._services = replace(self._services, faces=faces)

    def _voice_bar(self, ctx: ScreenContext) -> VoiceBar | None:
        voice = self._services.voice
        return VoiceBar(ctx, voice) if voice is not None else None

    def _speak(self, ctx: ScreenContext, screen: QWidget) -> None:
        voice = self._services.voice
        if voice is None:
            return
        if not ctx.snapshot.voice:
            voice.stop()
            self._last_prompt = None
            return
        if isinstance(screen, Screen):
            screen.say.connect(lambda text: voice.say(text, ctx.snapshot.language))
            language, text = ctx.snapshot.language, "\n".join(screen.spoken)
            # A screen rebuilt for a detail (busy, a value kept) says nothing new: starting the
            # same sentence again would cut it off mid-word, again and again.
            if hash((language, text)) != self._last_prompt:
                self._last_prompt = hash((language, text))
                voice.say(text, language)

    def show_sync_status(self, status: SyncStatus) -> None:
        self._offline_banner.show_status(status, self.context(self._snapshot).tr)

    def _build_screen(self, ctx: ScreenContext) -> QWidget:
        snapshot = ctx.snapshot
        if snapshot.help_requested:
            return HelpScreen(ctx)
        if snapshot.elder_offer:
            return ElderOfferScreen(ctx)
        if snapshot.phase is Phase.STEP:
            assert snapshot.step is not None
            return self._step_screens[snapshot.step](ctx)
        return PHASE_SCREENS[snapshot.phase](ctx)

    def _replace_screen(self, header: QWidget, screen: QWidget) -> None:
        for old in (self._header, self._screen):
            if old is not None:
                self._layout.removeWidget(old)
                old.hide()
                old.deleteLater()
        self._header, self._screen = header, screen
        self._layout.insertWidget(0, header)
        self._layout.insertWidget(1, screen, 1)  # above the offline banner
        # A layout shows widgets added to a visible window only on a later, queued event;
        # showing them now means no frame (and no test) ever sees the window empty.
        if self.isVisible():
            header.show()
            screen.show()
        if self.overlay is not None:
            self.overlay.raise_()

    def _show_timeout(self, ctx: ScreenContext) -> None:
        key = (self._key, ctx.snapshot.warning_until)
        if key == self._timeout_key:
            return
        self._timeout_key = key
        if self._timeout is not None:
            self._timeout.close_overlay()
            self._timeout = None
        if ctx.snapshot.warning_until is not None:
            self._timeout = TimeoutOverlay(self, ctx, self._scheduler)
            self._timeout.present()
            if self.technician.overlay is not None:
                self.technician.overlay.raise_()

    def show_restarting(self) -> Overlay:
        """The kiosk is about to restart after an unexpected error: say so, take every touch."""
        ctx = self.context(self._snapshot)
        overlay = Overlay(self, ctx.theme)
        overlay.column.addWidget(label(ctx.tr("restart.title"), "title"))
        overlay.column.addWidget(label(ctx.tr("restart.body")))
        self.technician.show(overlay)  # kept on top of any other overlay, as the PIN pad is
        return overlay

    # -- technician access ----------------------------------------------------------------

    def _technician_context(self) -> tuple[Theme, Translator]:
        ctx = self.context(self._snapshot)
        return ctx.theme, ctx.tr

    def _end_visit(self) -> None:
        if self.visit.snapshot.phase is not Phase.ATTRACT:
            self.visit.cancel()

    def _quit_by_technician(self) -> None:
        self._may_close = True
        self.close()
        QApplication.quit()

    # -- Qt events ------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Watches every press in the application: it restarts the idle time, and five taps
        in the top-left corner open the technician PIN. A press reaches an application filter
        twice, at the QWindow and then at the widget; only the first is counted."""
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            self.visit.touch()
            if self._services.voice is not None and isinstance(watched, QWindow):
                self._services.voice.stop()  # a touch silences the guidance (§6)
            position = self.mapFromGlobal(event.globalPosition().toPoint())
            counted = isinstance(watched, QWindow)
            if counted:
                self.technician.tap(QPoint(position))
        return False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def hideEvent(self, event: QHideEvent) -> None:
        # A hidden window has no taps to watch; every application filter left installed
        # costs every event in the application a Python call (the tour shows hundreds).
        super().hideEvent(event)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            # Queued, so it fires once this paint has reached the screen.
            QTimer.singleShot(0, self.first_painted.emit)
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        for overlay in (self._timeout, self.technician.overlay):
            if overlay is not None:
                overlay.setGeometry(self.rect())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
        else:
            event.ignore()  # a kiosk is left only through the technician PIN
