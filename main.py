"""The composition root: parse arguments, load the config, build the core and the window.

Only this module wires the packages together (DESIGN.md §2).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt

from kiosk.catalog import Service, load_catalog
from kiosk.config import Config, ConfigError, Panel, load_config
from kiosk.events import EventBus
from kiosk.i18n import Catalogs
from kiosk.technician import PinGuard, hash_pin
from kiosk.timers import ManualScheduler, Scheduler
from kiosk.visit import Visit, VisitSettings
from screens.app import create_application, quit_on_termination_signals
from screens.background import run_in_background
from screens.bridge import CoreBridge
from screens.fonts import INSTALL_HINT, cap_height_ratio, find_cjk_font
from screens.main_window import MainWindow
from screens.qt_scheduler import QtScheduler
from screens.steps import STEP_SCREENS
from screens.theme import Theme
from screens.tour import write_tour

if TYPE_CHECKING:
    from central.process import CentralProcess
    from devices.kinds import Simulator
    from devices.supervisor import Supervisor
    from offline_queue.outbox import Outbox
    from offline_queue.sync import SyncSettings
    from offline_queue.wire import DeviceHealth

DEFAULT_CONFIG = Path(__file__).resolve().parent / "config" / "default.toml"
EXIT_CONFIG, EXIT_NO_FONT, EXIT_NO_DISPLAY = 2, 3, 4

log = logging.getLogger("kiosk")


@dataclass
class Kiosk:
    bus: EventBus
    visit: Visit
    window: MainWindow
    bridge: CoreBridge


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
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "hash-pin":
        return _hash_pin()
    try:
        config = load_config(args.config)
        services = load_catalog(config.services_dir)
    except ConfigError as e:
        print(f"kiosk: config error: {e}", file=sys.stderr)
        return EXIT_CONFIG
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
    app = create_application()
    font = find_cjk_font()
    if font is None:
        print(f"kiosk: {INSTALL_HINT}", file=sys.stderr)
        return EXIT_NO_FONT
    catalogs = Catalogs.load()
    if args.tour:
        return _tour(args.tour, config, services, catalogs, font)

    kiosk = build_kiosk(config, services, catalogs, QtScheduler(), font, kiosk_mode=args.kiosk)
    quit_on_termination_signals(app)
    window = kiosk.window
    if args.exit_after_first_paint:
        window.first_painted.connect(lambda: (print("first-paint", flush=True), app.quit()))
    running: list[Devices] = []
    outboxes: list[Outbox] = []
    platforms: list[CentralProcess] | None = [] if args.start_platform else None
    if not args.exit_after_first_paint:
        # Built after the first paint, on a worker: adapters and simulators cost ~250 ms
        # (imports, the camera simulator's first frame), and the attract screen stays live.
        window.first_painted.connect(lambda: _start_devices(app, config, kiosk.bus, running))
        window.first_painted.connect(
            lambda: _open_queue(config, kiosk.bus, running, outboxes, platforms)
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
    # Before the interpreter ends, while worker threads can still be joined.
    for outbox in outboxes:
        outbox.close()
    for devices in running:
        devices.stop()
    for platform in platforms or ():
        platform.stop()
    return code


def _start_devices(
    app: QCoreApplication, config: Config, bus: EventBus, running: list[Devices]
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
) -> None:
    """Open the encrypted queue and start syncing, on a worker (imports, key files, SQLite);
    first start a local platform into `platforms` if asked to and none answers (make run)."""

    def work() -> Outbox:
        if platforms is not None:
            _start_local_platform(config, platforms)
        return open_outbox(config, bus, devices)

    def failed(error: Exception) -> None:
        # The kiosk goes on: services that must queue a record say they are unavailable.
        log.error("the offline queue could not be opened: %s", error)

    run_in_background("open-queue", work, opened.append, failed)


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
        QueuePaths.under(config.data_dir),
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
) -> Kiosk:
    bus = EventBus()
    settings = VisitSettings(
        default_language=config.language,
        languages=catalogs.languages,
        elder_default=config.elder_mode_default,
        time_limits=config.time_limits_for(elder=False),
        elder_time_limits=config.time_limits_for(elder=True),
        ready_steps=frozenset(STEP_SCREENS),
    )
    visit = Visit(services, settings, bus, scheduler)
    ratio = cap_height_ratio(font_family)
    themes = {elder: Theme(config.panel, elder, font_family, ratio) for elder in (False, True)}
    guard = PinGuard(config.technician_pin_hash, scheduler)
    window = MainWindow(visit, catalogs, themes, STEP_SCREENS, scheduler, guard, kiosk_mode)
    bridge = CoreBridge(bus)
    bridge.visit_changed.connect(window.show_snapshot, Qt.ConnectionType.QueuedConnection)
    bridge.sync_status_changed.connect(window.show_sync_status, Qt.ConnectionType.QueuedConnection)
    return Kiosk(bus, visit, window, bridge)


def _tour(
    directory: Path, config: Config, services: list[Service], catalogs: Catalogs, font: str
) -> int:
    scheduler = ManualScheduler()
    portrait = config.panel if config.panel.portrait else _rotated(config.panel)
    kiosks: list[Kiosk] = []

    def window(upright: bool) -> MainWindow:
        panel = portrait if upright else _rotated(portrait)
        kiosk = build_kiosk(replace(config, panel=panel), services, catalogs, scheduler, font)
        kiosk.window.resize(*panel.resolution)
        kiosks.append(kiosk)  # kept alive until the tour is written
        return kiosk.window

    written = write_tour(directory, window, services, catalogs.languages, scheduler.now())
    print(f"wrote {len(written)} screenshots to {directory}")
    return 0


def _rotated(panel: Panel) -> Panel:
    width, height = panel.resolution
    return Panel(panel.height_mm, panel.width_mm, (height, width))


if __name__ == "__main__":
    sys.exit(main())
