"""The composition root: parse arguments, load the config, build the core and the window.

Only this module wires the packages together (DESIGN.md §2).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from adapters import printouts, site_calendar
from console_tools import site_tools, with_devices, with_queue
from heap import heap_trimmer, map_large_blocks
from kiosk.catalog import Service, load_catalog
from kiosk.config import Config, ConfigError, Panel, load_config
from kiosk.console import TechnicianAction, TechnicianConsole
from kiosk.events import EventBus
from kiosk.flow import Backend, Flow
from kiosk.helpers import HelperDesk, HelperSignIn
from kiosk.i18n import Catalogs
from kiosk.lockouts import LockoutFile
from kiosk.logs import LogSettings, configure_logging
from kiosk.ports import Payload, Runner
from kiosk.records import RecordBuilder, timestamp
from kiosk.technician import PinGuard, hash_pin
from kiosk.timers import ManualScheduler, Scheduler
from kiosk.visit import AssistRequested, ServiceRated, Visit, VisitEnded, VisitSettings
from offline_queue.status import SyncStatus
from screens.app import create_application, quit_on_termination_signals
from screens.background import BackgroundRunner, run_in_background
from screens.bridge import CoreBridge
from screens.context import FaceSource
from screens.crash import install_crash_handler
from screens.fonts import INSTALL_HINT, cap_height_ratio, find_cjk_font
from screens.input_method import prepare_environment
from screens.main_window import MainWindow, Services
from screens.qt_scheduler import QtScheduler
from screens.steps import STEP_SCREENS
from screens.theme import Theme
from screens.tour import write_tour
from screens.watchdog import GuiWatchdog, SystemdNotifier
from status_report import StatusWriter

if TYPE_CHECKING:
    from central.process import CentralProcess
    from devices.camera import Camera
    from devices.kinds import Simulator
    from devices.supervisor import Supervisor
    from offline_queue.outbox import Outbox
    from offline_queue.sync import SyncSettings
    from offline_queue.wire import DeviceHealth
    from screens.voice import Voice

DEFAULT_CONFIG = Path(__file__).resolve().parent / "config" / "default.toml"
EXIT_CONFIG, EXIT_NO_FONT, EXIT_NO_DISPLAY = 2, 3, 4
TRIM_AFTER_MS = 2000

log = logging.getLogger("kiosk")
S = TypeVar("S")


@dataclass
class Kiosk:
    bus: EventBus
    visit: Visit
    flow: Flow
    window: MainWindow
    bridge: CoreBridge
    voice: Voice | None


@dataclass
class Devices:
    supervisor: Supervisor
    simulators: list[Simulator]

    def start(self) -> None:
        self.supervisor.start()

    def stop(self) -> None:
        self.supervisor.stop()
        for simulator in self.simulators:
            simulator.stop()

    def simulator(self, kind: type[S]) -> S:
        """The running simulator of that class (a test or a benchmark drives it)."""
        return next(s for s in self.simulators if isinstance(s, kind))


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="site config (TOML)")
    parser.add_argument(
        "--kiosk",
        action="store_true",
        help="full screen, no frame, no cursor; leave only with the technician PIN",
    )
    parser.add_argument(
        "--tour",
        type=Path,
        metavar="DIR",
        help="write a PNG of every screen to DIR and exit (needs no display)",
    )
    parser.add_argument(
        "--start-platform",
        action="store_true",
        help="start a local central platform when the configured one is on this machine and "
        "does not answer (make run does this)",
    )
    parser.add_argument(
        "--exit-after-first-paint",
        action="store_true",
        help="print the time to the first painted screen and exit (benchmarks)",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("hash-pin", help="read a technician PIN and print its hash for the config")
    doctor = commands.add_parser(
        "doctor", help="the kiosk's health in a terminal; exit status 1 when something is wrong"
    )
    doctor.add_argument("--json", action="store_true", help="print JSON, for monitoring")
    doctor.add_argument(
        "--bundle", type=Path, metavar="FILE.zip", help="also write a support bundle (no citizen)"
    )
    # Also after the command (`main.py doctor --config site.toml`); unset, the main one holds.
    doctor.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging(LogSettings(), None)  # masked, to stderr, until the config says more
    if args.command == "hash-pin":
        return _hash_pin()
    try:
        config = load_config(args.config)
        services = load_catalog(config.services_dir)
    except ConfigError as e:
        print(f"kiosk: config error: {e}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "doctor":
        from doctor import run

        return run(config, args.json, args.bundle)
    if not args.tour:
        configure_logging(config.logging, config.data_dir / "logs")
    if args.tour:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif not _display_available():
        print(
            "kiosk: no display. Run `make run` (it starts a virtual screen with VNC), or set "
            "DISPLAY, or QT_QPA_PLATFORM=offscreen to run without showing anything.",
            file=sys.stderr,
        )
        return EXIT_NO_DISPLAY
    return _run_qt(args, config, services)


def _hash_pin() -> int:
    pin = getpass.getpass("technician PIN (digits): ") if sys.stdin.isatty() else input()
    if not pin.isdigit() or len(pin) < 6:
        print("kiosk: the PIN must be at least 6 digits", file=sys.stderr)
        return EXIT_CONFIG
    print(hash_pin(pin))
    return 0


def _display_available() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _run_qt(args: argparse.Namespace, config: Config, services: list[Service]) -> int:
    if not prepare_environment():  # Qt picks its input method as the application starts
        log.info("no on-screen keyboard (PySide6-Addons): staff type text answers")
    app = create_application()
    font = find_cjk_font()
    if font is None:
        print(f"kiosk: {INSTALL_HINT}", file=sys.stderr)
        return EXIT_NO_FONT
    catalogs = Catalogs.load()
    if args.tour:
        return _tour(args.tour, config, services, catalogs, font)
    if config.mode == "window":
        return _run_window(app, args, config, services, catalogs, font)

    kiosk = build_kiosk(config, services, catalogs, QtScheduler(), font, kiosk_mode=args.kiosk)
    quit_on_termination_signals(app)
    window = kiosk.window
    parts = Background(app, config, kiosk.bus, window.show_restarting, window, args.start_platform)
    window.first_painted.connect(parts.watchdog.ready)
    if args.exit_after_first_paint:
        window.first_painted.connect(lambda: (print("first-paint", flush=True), app.quit()))
    else:
        # Voice after the first paint too: the Qt speech helper is a second process, and the
        # first screen needs no voice unless the config asks for it (then it speaks on load).
        window.first_painted.connect(lambda: attach_voice(kiosk, start_voice(config)))
        # Built after the first paint, on workers: adapters and simulators cost ~250 ms
        # (imports, the camera simulator's first frame), and the attract screen stays live.
        window.first_painted.connect(
            lambda: parts.start(
                lambda devices: connect_devices(kiosk, config, devices),
                lambda outbox: connect_queue(kiosk, config, outbox),
            )
        )
    width, height = config.panel.resolution
    window.resize(width, height)
    if args.kiosk:
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        app.setOverrideCursor(Qt.CursorShape.BlankCursor)
        window.showFullScreen()
    else:
        window.show()
    log.info("kiosk %s at %s is running (%s)", config.kiosk_id, config.site_id, config.mode)
    code = app.exec()
    parts.stop()
    if kiosk.voice is not None:
        kiosk.voice.close()
    return code


def _run_window(
    app: QApplication,
    args: argparse.Namespace,
    config: Config,
    services: list[Service],
    catalogs: Catalogs,
    font: str,
) -> int:
    """A staffed service window: the staff console, and the citizen screen on the second
    display (or in a second window when there is one display)."""
    from window_station import build_station, connect_station_devices, connect_station_queue

    station = build_station(config, services, catalogs, font)
    quit_on_termination_signals(app)

    def show_restarting() -> None:
        station.staff.show_restarting()
        station.citizen.show_restarting()

    parts = Background(
        app, config, station.bus, show_restarting, station.staff, args.start_platform
    )

    def start() -> None:
        parts.watchdog.ready()
        if args.exit_after_first_paint:
            print("first-paint", flush=True)
            app.quit()
            return
        station.citizen.use_voice(start_voice(config))
        parts.start(
            lambda devices: connect_station_devices(station, config, devices),
            lambda outbox: connect_station_queue(station, config, outbox),
        )

    width, height = config.panel.resolution
    displays = app.screens()
    for widget, display in ((station.staff, displays[0]), (station.citizen, displays[-1])):
        widget.resize(width, height)
        widget.setWindowTitle(f"{config.kiosk_id}")
        if len(displays) > 1:
            widget.move(display.geometry().topLeft())
        if args.kiosk:
            widget.setWindowFlag(Qt.WindowType.FramelessWindowHint)
            widget.showFullScreen()
        else:
            widget.show()
    QTimer.singleShot(0, start)  # once the windows are up
    log.info("window %s at %s is running", config.kiosk_id, config.site_id)
    code = app.exec()
    parts.stop()
    if station.citizen.voice is not None:
        station.citizen.voice.close()
    return code


class Background:
    """What a kiosk and a service window alike run beside their screens: the devices and the
    queue (opened on workers once the first screen is up), the local platform if asked for,
    the status file for `doctor`, the systemd watchdog and the "restarting" screen."""

    def __init__(
        self,
        app: QApplication,
        config: Config,
        bus: EventBus,
        show_restarting: Callable[[], object],
        gui: QObject,  # the watchdog's timer runs on its thread, the GUI thread
        start_platform: bool,
    ) -> None:
        self._app, self._config, self._bus = app, config, bus
        self.devices: list[Devices] = []
        self.outboxes: list[Outbox] = []
        self.platforms: list[CentralProcess] | None = [] if start_platform else None
        self._status = StatusWriter(
            config.data_dir,
            lambda: self.devices[0].supervisor if self.devices else None,
            lambda: self.outboxes[0] if self.outboxes else None,
        )
        self._started = False
        install_crash_handler(show_restarting, app.exit)  # "restarting", then exit 70
        self.watchdog = GuiWatchdog(SystemdNotifier(), parent=gui)

    def start(
        self, connect_devices: Callable[[Devices], None], connect_queue: Callable[[Outbox], None]
    ) -> None:
        self._started = True
        config, bus = self._config, self._bus
        _start_devices(self._app, config, bus, self.devices, connect_devices)
        _open_queue(config, bus, self.devices, self.outboxes, self.platforms, connect_queue)
        self._status.start()

    def stop(self) -> None:
        """Before the interpreter ends, while worker threads can still be joined."""
        self.watchdog.stopping()
        if self._started:  # an unstarted writer must not remove a running kiosk's file
            self._status.stop()
        for outbox in self.outboxes:
            outbox.close()
        for devices in self.devices:
            devices.stop()
        for platform in self.platforms or ():
            platform.stop()


def _start_devices(
    app: QCoreApplication,
    config: Config,
    bus: EventBus,
    running: list[Devices],
    connect: Callable[[Devices], None],
) -> None:
    """Build the devices on a worker (imports and simulators take ~250 ms), then start them."""

    def started(devices: Devices) -> None:
        from devices.wedge import WedgeScanner
        from screens.wedge_input import WedgeInput

        for device in devices.supervisor.devices.values():
            if isinstance(device, WedgeScanner):
                app.installEventFilter(WedgeInput(device, parent=app))
        devices.start()
        running.append(devices)
        connect(devices)

    def failed(error: Exception) -> None:
        if isinstance(error, ConfigError):
            print(f"kiosk: config error: {error}", file=sys.stderr)
            app.exit(EXIT_CONFIG)
        else:  # the kiosk goes on; services that need devices say they are unavailable
            log.error("devices could not be started", exc_info=error)

    run_in_background("build-devices", lambda: build_devices(config, bus), started, failed)


def _open_queue(
    config: Config,
    bus: EventBus,
    devices: list[Devices],
    opened: list[Outbox],
    platforms: list[CentralProcess] | None,
    connect: Callable[[Outbox], None],
) -> None:
    """Open the encrypted queue and start syncing, on a worker (imports, key files, SQLite);
    first start a local platform into `platforms` if asked to and none answers (make run)."""

    def work() -> Outbox:
        if platforms is not None:
            _start_local_platform(config, platforms)
        return open_outbox(config, bus, devices)

    def done(outbox: Outbox) -> None:
        opened.append(outbox)
        connect(outbox)

    def failed(error: Exception) -> None:
        # The kiosk goes on: services that must queue a record say they are unavailable.
        log.error("the offline queue could not be opened: %s", error)

    run_in_background("open-queue", work, done, failed)


def _start_local_platform(config: Config, started: list[CentralProcess]) -> None:
    from central.process import start_if_absent

    try:
        platform = start_if_absent(config.platform_url, config.data_dir / "central.sqlite")
    except RuntimeError as error:  # the kiosk works offline; records wait in the queue
        log.error("the local platform did not start: %s", error)
        return
    if platform is not None:
        started.append(platform)


def open_outbox(config: Config, bus: EventBus, devices: Sequence[Devices] = ()) -> Outbox:
    """The offline queue of this kiosk, syncing to the configured platform, its status on the
    bus and the devices' states in its heartbeats."""
    from offline_queue.outbox import Outbox, QueuePaths

    return Outbox.open(
        QueuePaths.under(config.data_dir, config.key_dir),
        kiosk_id=config.kiosk_id,
        site_id=config.site_id,
        platform_url=config.platform_url,
        verify_tls=config.platform_verify_tls,
        publish=bus.publish,
        device_health=lambda: _device_health(devices),
        settings=sync_settings(config),
        timeout_s=config.sync.timeout_s,
        software=f"kiosk-terminal {_version()}",
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kiosk-terminal")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "source"


def sync_settings(config: Config) -> SyncSettings:
    from datetime import timedelta

    from offline_queue.sync import SyncSettings

    sync = config.sync
    return SyncSettings(
        batch_records=sync.batch_records,
        batch_bytes=sync.batch_bytes,
        backoff_base_s=sync.backoff_base_s,
        backoff_cap_s=sync.backoff_cap_s,
        heartbeat_s=sync.heartbeat_s,
        retention=timedelta(days=sync.retention_days),
    )


def _device_health(devices: Sequence[Devices]) -> list[DeviceHealth]:
    from offline_queue.wire import DeviceHealth

    return [
        DeviceHealth(name=s.name, kind=s.kind, state=s.state.value, detail=s.detail[:1024])
        for running in devices
        for s in running.supervisor.statuses()
    ]


def start_devices_and_queue(kiosk: Kiosk, config: Config) -> tuple[Devices, Outbox]:
    """The devices started and the queue opened, both plugged into the kiosk, here and now:
    for benchmarks and tests. The kiosk itself does this on workers after its first paint."""
    devices = build_devices(config, kiosk.bus)
    devices.start()
    try:
        outbox = open_outbox(config, kiosk.bus, [devices])
    except BaseException:
        devices.stop()
        raise
    connect_devices(kiosk, config, devices)
    connect_queue(kiosk, config, outbox)
    return devices, outbox


def connect_queue(kiosk: Kiosk, config: Config, outbox: Outbox) -> None:
    """Give the flow engine the platform, the queue and the numbering, and queue what the
    visit reports (ratings, assist requests, helpers signing in, the technician's actions) as
    records; and the technician's console its queue page."""
    from adapters import PlatformAdapter, RecordsAdapter, background_queue
    from kiosk.numbering import Numbering
    from offline_queue.eid_check import EidChecker
    from offline_queue.outbox import QueuePaths

    keys = QueuePaths.under(config.data_dir).eid_keys
    eid = EidChecker(keys, config.data_dir / "eid-used.json", outbox.platform)
    platform = PlatformAdapter(outbox, eid, config.site_id)
    records = RecordsAdapter(outbox, config.platform_url, config.data_dir)
    numbering = Numbering(config.data_dir / "numbering.json", config.kiosk_id)
    flow, bus, builder = kiosk.flow, kiosk.bus, kiosk.flow.records

    def status(event: SyncStatus) -> None:
        if platform.set_status(event):
            kiosk.window.refresh_availability()

    background = background_queue(outbox)

    def queue(record: tuple[str, Payload]) -> None:
        background(*record)

    def now() -> datetime:
        return datetime.now(UTC)

    kiosk.bridge.sync_status_changed.connect(status)
    bus.subscribe(
        ServiceRated,
        lambda e: queue(
            builder.rating(
                e.service_id,
                e.case_number,
                e.level,
                e.indicators,
                e.reason,
                e.callback,
                e.audit,
                now(),
            )
        ),
    )
    bus.subscribe(
        AssistRequested, lambda e: queue(builder.assist_request(e.phase.value, e.service_id, now()))
    )
    bus.subscribe(
        HelperSignIn,
        lambda e: queue(
            builder.audit("helper_sign_in" if e.ok else "helper_sign_in_failed", e.staff_id, now())
        ),
    )
    bus.subscribe(
        TechnicianAction,
        lambda e: queue(builder.audit(e.action, "technician", now(), e.detail)),
    )
    console = kiosk.window.console
    console.tools = with_queue(console.tools, outbox)
    flow.backend = replace(flow.backend, platform=platform, records=records, numbering=numbering)
    kiosk.window.refresh_availability()


def connect_devices(kiosk: Kiosk, config: Config, devices: Devices) -> None:
    """Give the flow engine the printers and camera, and bring card reads, scanned codes and
    finished print jobs to it on the GUI thread."""
    from adapters import PrintersAdapter, person_from_card
    from devices.camera import Camera
    from devices.codes import CodeScanned
    from devices.idcard.card import CardRead
    from devices.model import DeviceError, StatusChanged
    from devices.printing.jobs import PrintFinished

    flow, bridge, window = kiosk.flow, kiosk.bridge, kiosk.window
    zone = ZoneInfo(config.timezone)
    bridge.forward(
        CardRead, lambda e: flow.card_read(person_from_card(e.card, datetime.now(zone).date()))
    )
    bridge.forward(CodeScanned, lambda e: flow.code_scanned(e.code.text))
    bridge.forward(
        PrintFinished,
        lambda e: flow.print_finished(e.job, e.ok, e.problem.notice.value if e.problem else ""),
    )
    bridge.forward(StatusChanged, lambda _: window.refresh_availability())
    kinds = {name: device.kind for name, device in devices.supervisor.devices.items()}
    bridge.forward(
        DeviceError, lambda e: flow.device_error(kinds.get(e.device, ""), e.problem.notice.value)
    )
    cameras = [d for d in devices.supervisor.devices.values() if isinstance(d, Camera)]
    flow.backend = replace(flow.backend, printers=PrintersAdapter(devices.supervisor))
    if cameras:
        window.use_faces(face_source(cameras[0]))
    window.console.tools = with_devices(window.console.tools, devices.supervisor)
    window.refresh_availability()


def face_source(camera: Camera) -> FaceSource:
    """Starts a face capture on `camera`: a turn-the-head challenge picked at random, or for
    "" (a form's photo) just a steady, sharp frontal picture."""
    from devices.face_session import FaceSession

    def start(challenge: str, on_progress: Callable[[Any], None]) -> Callable[[], None]:
        session = FaceSession(camera, on_progress, challenge="photo" if not challenge else None)
        session.start()
        return session.stop

    return start


def build_devices(config: Config, bus: EventBus) -> Devices:
    """The configured devices, their events forwarded to the bus, and the simulators of those
    with `simulated = true` running (not yet opened: call `start()`)."""
    from devices import kinds  # the device layer loads after the first paint
    from devices.supervisor import Supervisor

    simulators: list[Simulator] = []
    adapters = []
    try:
        for name, device_config in config.devices.items():
            port = device_config.port
            if device_config.simulated:
                simulator = kinds.simulator(device_config.kind, config.data_dir / "simulators")
                if simulator is not None:
                    simulators.append(simulator)
                    port = simulator.address
                elif device_config.kind == "a4_printer":
                    port = str(config.data_dir / "a4-printouts")
            try:
                device = kinds.build(device_config.kind, name, port, device_config.options)
            except ValueError as e:
                key, _, problem = str(e).partition(": ")
                key = key.replace("option ", "options.")
                raise ConfigError(config.path, f"devices.{name}.{key}", problem) from e
            device.subscribe(bus.publish)
            adapters.append(device)
    except BaseException:
        for simulator in simulators:
            simulator.stop()
        raise
    return Devices(Supervisor(adapters), simulators)


def build_kiosk(
    config: Config,
    services: Sequence[Service],
    catalogs: Catalogs,
    scheduler: Scheduler,
    font_family: str,
    kiosk_mode: bool = False,
    runner: Runner | None = None,
    voice: Voice | None = None,
) -> Kiosk:
    """The core, the flow engine and the window on one bus. Without `voice` the kiosk is
    silent and shows no voice controls."""
    map_large_blocks()  # before the window's first images: see heap.py
    bus = EventBus()
    settings = VisitSettings(
        default_language=config.language,
        languages=catalogs.languages,
        elder_default=config.elder_mode_default,
        time_limits=config.time_limits_for(elder=False),
        elder_time_limits=config.time_limits_for(elder=True),
        ready_steps=frozenset(STEP_SCREENS),
        elder_offer_age=config.elder_offer_age,
        voice_default=config.voice.guidance_default,
    )
    visit = Visit(services, settings, bus, scheduler)
    site_day = site_calendar(config)
    flow = Flow(
        visit,
        Backend(runner or BackgroundRunner()),
        RecordBuilder(config.site_id, site_day),
        printouts(config, catalogs),
        now=lambda: datetime.now(UTC),
        site_timezone_today=lambda: site_day(datetime.now(UTC)),
    )
    visit.attach(flow, clock=lambda: timestamp(datetime.now(UTC)))
    ratio = cap_height_ratio(font_family)
    themes = {elder: Theme(config.panel, elder, font_family, ratio) for elder in (False, True)}
    lockouts = LockoutFile(config.data_dir / "pin-lockouts.json")
    console = TechnicianConsole(PinGuard(config.technician_pin_hash, scheduler, lockouts), bus)
    console.tools = site_tools(config)
    helpers = HelperDesk(config.helpers, scheduler, bus, lockouts)
    window = MainWindow(
        visit,
        catalogs,
        themes,
        STEP_SCREENS,
        scheduler,
        console,
        kiosk_mode,
        Services(flow=flow, helpers=helpers),
    )
    bridge = CoreBridge(bus)
    trim_heap = heap_trimmer()  # once the citizen has gone, not while the next screen paints
    bridge.forward(VisitEnded, lambda _: QTimer.singleShot(TRIM_AFTER_MS, trim_heap))
    bridge.visit_changed.connect(window.show_latest, Qt.ConnectionType.QueuedConnection)
    bridge.sync_status_changed.connect(window.show_sync_status, Qt.ConnectionType.QueuedConnection)
    kiosk = Kiosk(bus, visit, flow, window, bridge, None)
    if voice is not None:
        attach_voice(kiosk, voice)
    return kiosk


def start_voice(config: Config) -> Voice:
    from screens.voice import Voice, choose_engine

    return Voice(choose_engine(config.voice.engine), config.voice.volume_step)


def attach_voice(kiosk: Kiosk, voice: Voice) -> None:
    """Voice guidance for the window: the screens speak, a visit that ends is forgotten (so
    "repeat" cannot say it again), and an assist request rings for staff."""
    kiosk.voice = voice
    kiosk.window.use_voice(voice)
    kiosk.bridge.forward(VisitEnded, lambda _: voice.forget())
    kiosk.bridge.forward(AssistRequested, lambda _: voice.chime())


def _tour(
    directory: Path, config: Config, services: list[Service], catalogs: Catalogs, font: str
) -> int:
    from screens.voice import RecordingEngine, Voice
    from tour_console import tour_tools

    scheduler = ManualScheduler()
    console_tools = tour_tools(config)
    portrait = config.panel if config.panel.portrait else _rotated(config.panel)
    kiosks: list[Kiosk] = []

    def window(upright: bool) -> MainWindow:
        panel = portrait if upright else _rotated(portrait)
        # A recording voice: the elder screens show their voice controls, and nothing sounds.
        voice = Voice(RecordingEngine())
        kiosk = build_kiosk(
            replace(config, panel=panel), services, catalogs, scheduler, font, voice=voice
        )
        kiosk.window.resize(*panel.resolution)
        kiosk.window.use_faces(_tour_faces())
        kiosk.window.console.tools = console_tools
        kiosks.append(kiosk)  # kept alive until the tour is written
        return kiosk.window

    from tour_window import write_window_tour

    written = write_tour(directory, window, services, catalogs.languages, scheduler.now())
    written += write_window_tour(directory, config, services, catalogs, font)
    print(f"wrote {len(written)} screenshots to {directory}")
    return 0


def _tour_faces() -> FaceSource:
    """The tour's camera: one picture of the simulated citizen facing it, found in the
    outline: asked to turn to her left for a face check, to hold still for a photo."""
    from devices.face_session import FaceProgress
    from devices.liveness import Guidance
    from devices.sim.faces import face_frame

    frame = face_frame("front")
    height, width = frame.shape[:2]
    size, box = (width, height), (width * 3 // 8, height // 6, width // 4, height // 3)

    def start(challenge: str, on_progress: Callable[[Any], None]) -> Callable[[], None]:
        if challenge:
            on_progress(FaceProgress(Guidance.TURN_LEFT, box, size, frame, None, "turn_left"))
        else:
            on_progress(FaceProgress(Guidance.HOLD_STILL, box, size, frame, None, "photo"))
        return lambda: None

    return start


def _rotated(panel: Panel) -> Panel:
    width, height = panel.resolution
    return Panel(panel.height_mm, panel.width_mm, (height, width))


if __name__ == "__main__":
    sys.exit(main())
