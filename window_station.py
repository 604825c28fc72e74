"""A staffed service window (`mode = "window"`, issue 7), put together: the counter (core), the
staff console and the citizen screen, the devices at the counter and the offline queue.

Part of the composition root with `main.py` and `adapters.py` (DESIGN.md §2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from adapters import PlatformAdapter, background_queue, site_calendar
from console_tools import site_tools, with_devices, with_queue
from kiosk.catalog import Service
from kiosk.config import Config, WindowConfig
from kiosk.console import TechnicianAction, TechnicianConsole
from kiosk.counter import (
    Counter,
    CounterBackend,
    CounterChanged,
    CounterSettings,
    CounterSnapshot,
    Staff,
    TicketCalled,
)
from kiosk.events import EventBus
from kiosk.i18n import Catalogs, Translator
from kiosk.lockouts import LockoutFile
from kiosk.ports import EidOutcome, Runner
from kiosk.records import RecordBuilder
from kiosk.technician import PinGuard
from screens.background import BackgroundRunner
from screens.bridge import CoreBridge
from screens.fonts import cap_height_ratio
from screens.qt_scheduler import QtScheduler
from screens.theme import Theme
from screens.window.citizen import CitizenScreen
from screens.window.staff import StaffConsole

if TYPE_CHECKING:
    from devices.printing.document import Document
    from main import Devices
    from offline_queue.outbox import Outbox
    from offline_queue.status import SyncStatus
    from screens.voice import Voice


Names = Mapping[str, Mapping[str, str]]  # service id → its name per language


@dataclass
class Station:
    bus: EventBus
    counter: Counter
    staff: StaffConsole
    citizen: CitizenScreen
    bridge: CoreBridge
    technician: TechnicianConsole  # behind five taps in the staff console's corner and a PIN
    platform: PlatformAdapter | None = None  # once the queue is open


def build_station(
    config: Config,
    services: list[Service],
    catalogs: Catalogs,
    font_family: str,
    runner: Runner | None = None,
    voice: Voice | None = None,
) -> Station:
    window = config.window
    assert window is not None, "mode = window needs a [window] table (kiosk.config checks)"
    photo = window.staff_photo.read_bytes() if window.staff_photo else b""
    staff = Staff(window.staff_id, window.staff_name, photo)
    tr = catalogs.translator(config.language)
    settings = CounterSettings(window.number, staff, window.prefixes, tr.pick(config.site_name))
    site_day = site_calendar(config)
    bus = EventBus()
    names = {service.id: service.name for service in services}
    counter = Counter(
        settings,
        CounterBackend(
            runner or BackgroundRunner(), receipt=receipt_maker(config, window, catalogs, names)
        ),
        RecordBuilder(config.site_id, site_day),
        bus,
        now=lambda: datetime.now(UTC),
        today=lambda: site_day(datetime.now(UTC)),
    )
    ratio = cap_height_ratio(font_family)
    themes = {elder: Theme(config.panel, elder, font_family, ratio) for elder in (False, True)}
    lockouts = LockoutFile(config.data_dir / "pin-lockouts.json")
    technician = TechnicianConsole(
        PinGuard(config.technician_pin_hash, QtScheduler(), lockouts), bus
    )
    technician.tools = site_tools(config)
    console = StaffConsole(counter, themes[False], tr, partial(service_name, names, tr), technician)
    citizen = CitizenScreen(counter, themes, catalogs, catalogs.languages, voice)
    bridge = CoreBridge(bus)

    def changed(_: CounterChanged) -> None:
        # The newest state, not the event's: one queued behind others is already old, and
        # drawing it would throw away what the citizen's screen is in the middle of.
        console.show_snapshot(counter.snapshot)
        citizen.show_snapshot(counter.snapshot)

    bridge.forward(CounterChanged, changed)
    bridge.forward(TicketCalled, citizen.announce)
    bridge.sync_status_changed.connect(lambda status: console.set_online(not status.offline))
    return Station(bus, counter, console, citizen, bridge, technician)


def connect_station_queue(station: Station, config: Config, outbox: Outbox) -> None:
    """The platform's tickets and applications, the queue for records (the technician's
    actions among them, as audit records), the case numbering, the console's queue page."""
    from kiosk.numbering import Numbering
    from offline_queue.eid_check import EidChecker
    from offline_queue.outbox import QueuePaths

    keys = QueuePaths.under(config.data_dir).eid_keys
    eid = EidChecker(keys, config.data_dir / "eid-used.json", outbox.platform)
    platform = PlatformAdapter(outbox, eid, config.site_id)
    station.platform = platform

    def status(event: SyncStatus) -> None:
        platform.set_status(event)

    station.bridge.sync_status_changed.connect(status)
    counter, queue = station.counter, background_queue(outbox)
    counter.backend = replace(
        counter.backend,
        waiting_tickets=platform.waiting_tickets,
        applications=platform.applications,
        queue=queue,
        numbering=Numbering(config.data_dir / "numbering.json", config.kiosk_id),
    )
    builder = RecordBuilder(config.site_id, site_calendar(config))
    station.bus.subscribe(
        TechnicianAction,
        lambda e: queue(*builder.audit(e.action, "technician", datetime.now(UTC), e.detail)),
    )
    station.technician.tools = with_queue(station.technician.tools, outbox)


def connect_station_devices(station: Station, config: Config, devices: Devices) -> None:
    """A card read or an e-ID code scanned at the counter identifies the citizen; the receipt
    printer prints the case's receipt."""
    from adapters import PrintersAdapter, person_from_card
    from devices.codes import CodeScanned
    from devices.idcard.card import CardRead
    from kiosk.case import Person

    counter, zone = station.counter, ZoneInfo(config.timezone)
    station.bridge.forward(
        CardRead,
        lambda e: counter.identified(person_from_card(e.card, datetime.now(zone).date())),
    )

    def scanned(event: CodeScanned) -> None:
        checker = station.platform
        if checker is None:  # the queue (and with it the platform client) is not open yet
            return

        def done(outcome: EidOutcome) -> None:
            if outcome.valid:
                counter.identified(Person(outcome.id_number, outcome.name, "eid_code"))

        counter.backend.runner.run(
            "counter-eid",
            lambda: checker.check_eid(event.code.text, datetime.now(UTC).timestamp()),
            done,
            lambda error: None,
        )

    station.bridge.forward(CodeScanned, scanned)
    counter.backend = replace(counter.backend, printers=PrintersAdapter(devices.supervisor))
    station.technician.tools = with_devices(station.technician.tools, devices.supervisor)


def service_name(names: Names, tr: Translator, service_id: str) -> str:
    """A service's name in `tr`'s language; its id when the catalog does not know it."""
    return tr.pick(names[service_id]) if service_id in names else service_id


def receipt_maker(
    config: Config, window: WindowConfig, catalogs: Catalogs, names: Names
) -> Callable[[CounterSnapshot], Document]:
    """The case's receipt, in the citizen's language: who (masked), where, the applications
    taken in with their case numbers, and the window's case number as a QR code."""
    zone = ZoneInfo(config.timezone)

    def make(snap: CounterSnapshot) -> Document:
        from kiosk import documents

        tr = catalogs.translator(snap.language)
        citizen, case = snap.citizen, snap.case_number
        assert citizen is not None and case is not None
        rows = [
            (tr("doc.name"), citizen.name),
            (tr("doc.id_number"), citizen.masked_number),
            (tr("doc.window.window"), window.number),
            (tr("doc.window.staff"), window.staff_id),
        ]
        taken = [
            (service_name(names, tr, a.service_id), a.case_number)
            for a in snap.applications
            if a.case_number in snap.accepted
        ]
        printout = documents.application_receipt(
            tr,
            tr("doc.window.title"),
            case,
            datetime.now(zone),
            rows,
            tr.pick(config.site_name),
            taken,
        )
        return printout.document

    return make
