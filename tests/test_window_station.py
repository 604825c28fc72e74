"""A staffed service window (issue 7) on a whole site: a kiosk prints a ticket, the window calls
it, reads the citizen's card, takes in the application the citizen made earlier, prints the
receipt and closes the case; the citizen rates it on their own screen, and the platform gets
the call, the closure and the rating with the case number and the staff number. Offline, the
window calls by its own count and everything reaches the platform once it is back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

import main
from central.fault_proxy import Down, FaultProxy
from central.process import CentralProcess, stored_records
from devices.model import DeviceState
from devices.sim.idcard import CITIZENS, IdCardSimulator
from devices.sim.printer import PrinterSimulator
from devices.sim.scanner import ScannerSimulator
from kiosk.catalog import Service
from kiosk.config import Config, WindowConfig
from kiosk.counter import CounterPhase
from kiosk.i18n import Catalogs
from offline_queue.outbox import Outbox
from screens.console.devices import DeviceListPage
from screens.technician import PinOverlay
from screens.voice import RecordingEngine, Voice
from tests import screen_checks as checks
from tests.conftest import DEMO_PIN, rotated
from tests.kiosk_site import WAIT_MS, Site, citizen_number, take_a_ticket
from tests.test_diagnostics import state_of
from tests.test_window import shown_texts, touch
from tests.waiting import wait_until
from tour_window import DEMO_WINDOW, demo_station, window_scenes
from window_station import Station, build_station, connect_station_devices, connect_station_queue

WINDOW_ID = "W-TEST-05"
STAFF = "S0517"
REASON_WAITING = "等候时间长"


@dataclass
class Counter:
    station: Station
    devices: main.Devices
    outbox: Outbox
    voice: RecordingEngine

    def id_reader(self) -> IdCardSimulator:
        return self.devices.simulator(IdCardSimulator)

    def scanner(self) -> ScannerSimulator:
        return self.devices.simulator(ScannerSimulator)

    def printer(self) -> PrinterSimulator:
        return self.devices.simulator(PrinterSimulator)


@contextmanager
def window_at(
    qtbot: QtBot,
    config: Config,
    services: list[Service],
    catalogs: Catalogs,
    font: str,
    platform_url: str,
    data_dir: Path,
) -> Iterator[Counter]:
    """Window 5 of the site of `config`, with its own card reader, scanner and printer."""
    counter_devices = ("id_reader", "scanner", "receipt_printer")
    window_config = replace(
        config,
        mode="window",
        kiosk_id=WINDOW_ID,
        platform_url=platform_url,
        data_dir=data_dir,
        panel=rotated(config.panel) if config.panel.portrait else config.panel,
        window=WindowConfig("5", STAFF, "李娜", None, ("A", "B")),
        devices={k: v for k, v in config.devices.items() if k in counter_devices},
    )
    engine = RecordingEngine()
    station = build_station(window_config, services, catalogs, font, voice=Voice(engine))
    for widget in (station.staff, station.citizen):
        qtbot.addWidget(widget)
        widget.resize(*window_config.panel.resolution)
        widget.show()
    devices = main.build_devices(window_config, station.bus)
    devices.start()
    outbox = main.open_outbox(window_config, station.bus, [devices])
    try:
        connect_station_devices(station, window_config, devices)
        connect_station_queue(station, window_config, outbox)
        wait_until(
            lambda: all(s.state is DeviceState.ONLINE for s in devices.supervisor.statuses()),
            "the window's devices online",
            timeout_s=WAIT_MS / 1000,
        )
        yield Counter(station, devices, outbox, engine)
    finally:
        outbox.close()
        devices.stop()
        station.bridge.close()


def press(qtbot: QtBot, screen: QWidget, text: str) -> None:
    """Press the enabled button on `screen` named `text` (a rating level: its words after
    the stars), once the screen shows it."""

    def named() -> list[QAbstractButton]:
        return [
            b
            for b in screen.findChildren(QAbstractButton)
            if b.isVisible()
            and b.isEnabled()
            and text in (b.text(), b.accessibleName().rpartition("  ")[2])
        ]

    qtbot.waitUntil(lambda: len(named()) == 1, timeout=WAIT_MS)
    qtbot.mouseClick(named()[0], Qt.MouseButton.LeftButton)


def texts(screen: QWidget) -> str:
    return "\n".join(shown_texts(screen))


def window_records(central: CentralProcess, kind: str) -> list[dict]:
    """The window's records of `kind` at the platform (none before it enrolled)."""
    if not _enrolled(central):
        return []
    return [r for r in stored_records(central.url, WINDOW_ID) if r["kind"] == kind]


@pytest.fixture
def counter(
    qtbot: QtBot,
    site: Site,
    services: list[Service],
    catalogs: Catalogs,
    font: str,
    tmp_path: Path,
) -> Iterator[Counter]:
    with window_at(
        qtbot, site.config, services, catalogs, font, site.central.url, tmp_path / "window"
    ) as running:
        yield running


def test_a_ticket_from_a_kiosk_is_served_at_the_window_and_rated_by_the_citizen(
    qtbot: QtBot, site: Site, counter: Counter
) -> None:
    citizen = CITIZENS[0]
    number = citizen_number(citizen)
    # The citizen applied at a kiosk earlier (an application waiting at the platform).
    earlier = site.outbox.submit(
        "application",
        {
            "site_id": site.config.site_id,
            "service_id": "senior-preferential-card",
            "case_number": "K-DEMO-0001-20261203-0042",
            "subject": {"id_number": number, "name": "王秀英", "card_type": "resident"},
            "values": {},
        },
    )
    earlier.result(10)
    ticket = take_a_ticket(qtbot, site.kiosk)
    qtbot.waitUntil(lambda: any(r["kind"] == "ticket" for r in site.arrived()), timeout=WAIT_MS)

    staff, screen = counter.station.staff, counter.station.citizen
    assert "5 号窗口" in texts(screen) and "李娜" in texts(screen) and STAFF in texts(screen)
    press(qtbot, staff, "叫下一位")
    qtbot.waitUntil(lambda: f"请 {ticket} 号到 5 号窗口" in texts(screen), timeout=WAIT_MS)
    assert ticket in texts(staff)
    assert any(f"请 {ticket} 号到 5 号窗口" in u.text for u in counter.voice.utterances)

    counter.id_reader().place(citizen)
    qtbot.waitUntil(lambda: "K-DEMO-0001-20261203-0042" in texts(staff), timeout=WAIT_MS)
    assert number not in texts(staff) and number[:6] in texts(staff)  # masked
    press(qtbot, staff, "受理")
    qtbot.waitUntil(lambda: "已受理" in texts(staff), timeout=2000)
    press(qtbot, staff, "打印回执")
    receipt = counter.printer().wait_for_receipts(1)[0]
    assert receipt.image is not None
    press(qtbot, staff, "办结")
    qtbot.waitUntil(lambda: "请为本次服务评价" in texts(screen), timeout=2000)
    assert "非常满意" not in texts(staff)  # the rating is the citizen's alone
    case_number = counter.station.counter.snapshot.case_number
    assert case_number and case_number.startswith(WINDOW_ID)

    press(qtbot, screen, "非常满意")
    press(qtbot, screen, "服务态度 4 星")  # the indicators, as at the kiosk: any, or none
    press(qtbot, screen, "服务效率 5 星")
    assert counter.station.counter.snapshot.phase is CounterPhase.RATING  # not before submit
    press(qtbot, screen, "提交评价")
    qtbot.waitUntil(lambda: "谢谢您的评价" in texts(screen), timeout=2000)
    assert counter.station.counter.snapshot.phase is CounterPhase.IDLE

    central = site.central
    qtbot.waitUntil(lambda: bool(window_records(central, "rating")), timeout=WAIT_MS)
    (rating,) = window_records(central, "rating")
    assert rating["payload"]["case_number"] == case_number
    assert rating["payload"]["staff_id"] == STAFF and rating["payload"]["level"] == 5
    assert rating["payload"]["indicators"] == {"attitude": 4, "efficiency": 5}
    (closure,) = window_records(central, "case_closure")
    assert closure["payload"]["accepted"] == ["K-DEMO-0001-20261203-0042"]
    assert closure["payload"]["ticket"] == ticket
    (call,) = window_records(central, "ticket_call")
    assert call["payload"]["ticket"] == ticket and call["payload"]["source"] == "platform"
    hall = requests.get(f"{central.url}/hall/{site.config.site_id}", timeout=10)
    assert f"请 {ticket} 号到 5 号窗口" in hall.text  # the site's calling board
    # Taken in: the platform no longer lists the application for this citizen.
    assert counter.outbox.platform.applications(number).applications == []


def test_nobody_waiting_is_said_and_a_walk_in_rates_low_with_a_reason(
    qtbot: QtBot, site: Site, counter: Counter
) -> None:
    staff, screen = counter.station.staff, counter.station.citizen
    press(qtbot, staff, "叫下一位")
    qtbot.waitUntil(lambda: "现在没有人排队" in texts(staff), timeout=WAIT_MS)
    assert counter.station.counter.snapshot.ticket is None
    counter.id_reader().place(CITIZENS[1])  # a citizen who came to the window without a ticket
    qtbot.waitUntil(lambda: "办结" in texts(staff) and "正在向平台查询" not in texts(staff),
                    timeout=WAIT_MS)  # fmt: skip
    press(qtbot, staff, "办结")
    press(qtbot, screen, "非常不满意")
    press(qtbot, screen, REASON_WAITING)
    for key in (*"13812345678", "确定"):  # a number to be called back on, as at the kiosk
        press(qtbot, screen, key)
    press(qtbot, screen, "提交评价")  # no indicator chosen
    qtbot.waitUntil(lambda: bool(window_records(site.central, "rating")), timeout=WAIT_MS)
    (rating,) = window_records(site.central, "rating")
    assert rating["payload"]["level"] == 1 and rating["payload"]["reason"] == "waiting"
    assert rating["payload"]["callback_phone"] == "13812345678"
    assert rating["payload"]["indicators"] == {}
    (closure,) = window_records(site.central, "case_closure")
    assert "ticket" not in closure["payload"] and closure["payload"]["accepted"] == []


def test_a_citizen_who_leaves_without_rating_frees_the_window(
    qtbot: QtBot, site: Site, counter: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("screens.window.citizen.RATING_WAIT_MS", 300)
    staff = counter.station.staff
    counter.id_reader().place(CITIZENS[0])
    press(qtbot, staff, "办结")
    qtbot.waitUntil(lambda: "请为本次服务评价" in texts(counter.station.citizen), timeout=2000)
    qtbot.waitUntil(
        lambda: counter.station.counter.snapshot.phase is CounterPhase.IDLE, timeout=3000
    )
    assert "叫下一位" in texts(staff)
    qtbot.waitUntil(lambda: bool(window_records(site.central, "case_closure")), timeout=WAIT_MS)
    assert not window_records(site.central, "rating")  # nobody rated: nothing is made up


def test_in_elder_mode_the_indicators_come_one_a_page_and_the_last_submits(
    qtbot: QtBot, site: Site, counter: Counter
) -> None:
    staff, screen = counter.station.staff, counter.station.citizen
    press(qtbot, screen, "长者模式")
    counter.id_reader().place(CITIZENS[0])
    press(qtbot, staff, "办结")
    press(qtbot, screen, "满意")
    for indicator, choice in (
        ("整体满意度", "★★★★☆ 满意"),
        ("服务效率", "跳过此项"),
        ("服务水平", "★★★★★ 非常满意"),
        ("服务态度", "★★★★★ 非常满意"),  # the last page: choosing submits
    ):

        def its_page(name: str = indicator) -> bool:
            return name in texts(screen)

        qtbot.waitUntil(its_page, timeout=2000)
        press(qtbot, screen, choice)
    qtbot.waitUntil(lambda: "谢谢您的评价" in texts(screen), timeout=2000)
    qtbot.waitUntil(lambda: bool(window_records(site.central, "rating")), timeout=WAIT_MS)
    (rating,) = window_records(site.central, "rating")
    assert rating["payload"]["level"] == 4
    assert rating["payload"]["indicators"] == {"overall": 4, "competence": 5, "attitude": 5}


def test_a_technician_opens_the_console_at_the_window_and_the_case_goes_on(
    qtbot: QtBot, site: Site, counter: Counter
) -> None:
    """Five taps in the staff console's corner and the PIN, as on a kiosk: the window's own
    devices, each action audited; the citizen at the counter is still served afterwards."""
    staff, screen = counter.station.staff, counter.station.citizen
    counter.id_reader().place(CITIZENS[0])
    qtbot.waitUntil(lambda: "办结" in texts(staff), timeout=WAIT_MS)
    for _ in range(5):  # on the citizen's screen: nothing opens there
        touch(qtbot, screen, QPoint(10, 10))
    assert staff.technician.overlay is None
    for _ in range(5):
        touch(qtbot, staff, QPoint(10, 10))
    pad = staff.technician.overlay
    assert isinstance(pad, PinOverlay)
    for key in (*DEMO_PIN, "确定"):
        press(qtbot, pad, key)
    press(qtbot, staff, "设备状态")
    page = staff.technician.overlay
    assert isinstance(page, DeviceListPage)
    qtbot.waitUntil(lambda: state_of(page, "receipt_printer") == "正常", timeout=3000)
    assert state_of(page, "id_reader") == "正常" and state_of(page, "camera") == ""  # none here
    drawn = staff.findChildren(QWidget)
    staff.counter.set_elder(True)  # the counter changes: its screen redraws under the console
    qtbot.waitUntil(lambda: staff.findChildren(QWidget) != drawn, timeout=2000)
    centre = staff.childAt(staff.rect().center())
    assert centre is not None and (centre is page or page.isAncestorOf(centre))
    press(qtbot, page, "返回菜单")
    press(qtbot, staff, "返回服务界面")
    assert staff.technician.overlay is None
    assert counter.station.counter.snapshot.phase is CounterPhase.SERVING

    press(qtbot, staff, "办结")
    qtbot.waitUntil(lambda: bool(window_records(site.central, "audit")), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(window_records(site.central, "audit")) == 3, timeout=WAIT_MS)
    actions = [r["payload"]["action"] for r in window_records(site.central, "audit")]
    assert actions == ["console_opened", "page_opened", "console_left"]


def test_an_e_id_code_at_the_counter_recall_and_transfer_to_another_window(
    qtbot: QtBot, site: Site, counter: Counter
) -> None:
    from tests.test_services_bundle_eid import issue_eid

    ticket = take_a_ticket(qtbot, site.kiosk)
    qtbot.waitUntil(lambda: any(r["kind"] == "ticket" for r in site.arrived()), timeout=WAIT_MS)
    staff, screen = counter.station.staff, counter.station.citizen
    press(qtbot, staff, "叫下一位")
    qtbot.waitUntil(lambda: ticket in texts(staff), timeout=WAIT_MS)
    calls_before = len(counter.voice.chimes)
    press(qtbot, staff, "重新呼叫")
    qtbot.waitUntil(lambda: len(counter.voice.chimes) > calls_before, timeout=2000)

    counter.scanner().scan(issue_eid(site))
    number = citizen_number(CITIZENS[0])
    qtbot.waitUntil(lambda: number[:6] in texts(staff), timeout=WAIT_MS)
    assert number not in texts(staff)
    press(qtbot, staff, "转其他窗口")
    for key in ("7", "确定"):
        press(qtbot, staff, key)
    qtbot.waitUntil(
        lambda: "5 号窗口" in texts(screen) and ticket not in texts(screen), timeout=2000
    )
    assert counter.station.counter.snapshot.citizen is None  # nothing of her stays here

    def actions() -> list[tuple[str, str]]:
        calls = window_records(site.central, "ticket_call")
        return [(c["payload"]["action"], c["payload"].get("to_window", "")) for c in calls]

    qtbot.waitUntil(lambda: len(actions()) == 3, timeout=WAIT_MS)
    assert actions() == [("call", ""), ("recall", ""), ("transfer", "7")]
    assert not window_records(site.central, "case_closure")


def test_offline_the_window_calls_by_its_own_count_and_syncs_later(
    qtbot: QtBot,
    config: Config,
    services: list[Service],
    catalogs: Catalogs,
    font: str,
    central: CentralProcess,
    tmp_path: Path,
) -> None:
    with FaultProxy(central.url) as proxy:
        proxy.set_mode(Down())
        with window_at(
            qtbot, config, services, catalogs, font, proxy.url, tmp_path / "window"
        ) as counter:
            staff, screen = counter.station.staff, counter.station.citizen
            press(qtbot, staff, "叫下一位")
            qtbot.waitUntil(lambda: "请 A001 号到 5 号窗口" in texts(screen), timeout=WAIT_MS)
            assert "按本窗口计数叫号" in texts(staff)
            press(qtbot, staff, "过号")
            press(qtbot, staff, "叫下一位")
            qtbot.waitUntil(lambda: "请 A002 号到 5 号窗口" in texts(screen), timeout=WAIT_MS)
            counter.id_reader().place(CITIZENS[0])
            qtbot.waitUntil(lambda: "平台暂时连不上" in texts(staff), timeout=WAIT_MS)
            press(qtbot, staff, "办结")
            press(qtbot, screen, "满意")
            press(qtbot, screen, "提交评价")
            assert not _enrolled(central)  # nothing reached the platform while it was down

            proxy.up()
            counter.outbox.sync_now()
            qtbot.waitUntil(lambda: bool(window_records(central, "rating")), timeout=30_000)
            kinds = [r["kind"] for r in stored_records(central.url, WINDOW_ID)]
            assert kinds == ["ticket_call", "ticket_call", "ticket_call", "case_closure", "rating"]
            calls = window_records(central, "ticket_call")
            assert [(c["payload"]["ticket"], c["payload"]["action"]) for c in calls] == [
                ("A001", "call"),
                ("A001", "skip"),
                ("A002", "call"),
            ]
            assert {c["payload"]["source"] for c in calls if "source" in c["payload"]} == {"local"}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_both_screens_meet_the_accessibility_rules_at_every_step(
    config: Config, services: list[Service], catalogs: Catalogs, font: str, language: str
) -> None:
    """The tour's pictures, measured: sizes, targets, contrast, nothing cut off, the right
    language; the citizen screen in elder mode too (the staff console has one size)."""
    other_names = checks.other_language_names(catalogs, language)
    problems: list[str] = []
    measured = 0
    for scene in window_scenes(config, services, catalogs, font, [language]):
        found = checks.check_screen(scene.widget, scene.theme, language, other_names)
        problems += [f"{scene.name}: {p}" for p in found]
        measured += len(checks.texts(scene.widget))
    assert measured > 60  # the checks looked at real widgets
    assert not problems, "\n".join(problems)


def test_the_citizen_screen_shows_the_staff_members_photo(
    qtbot: QtBot,
    config: Config,
    services: list[Service],
    catalogs: Catalogs,
    font: str,
    tmp_path: Path,
) -> None:
    photo = QImage(120, 160, QImage.Format.Format_RGB32)
    photo.fill(QColor("#C0392B"))
    path = tmp_path / "S0517.png"
    assert photo.save(str(path))
    window = replace(DEMO_WINDOW, staff_photo=path)
    station = build_station(replace(config, mode="window", window=window), services, catalogs, font)
    qtbot.addWidget(station.citizen)
    shown = station.citizen.findChild(QLabel, "StaffPhoto")
    assert shown is not None
    picture = shown.pixmap().toImage()
    assert picture.pixelColor(picture.width() // 2, picture.height() // 2) == QColor("#C0392B")
    station.bridge.close()


def test_after_an_unexpected_error_both_screens_say_restarting_and_stay(
    qtbot: QtBot, config: Config, services: list[Service], catalogs: Catalogs, font: str
) -> None:
    station = demo_station(
        replace(config, mode="window", window=DEMO_WINDOW), services, catalogs, font
    )
    for widget in (station.staff, station.citizen):
        qtbot.addWidget(widget)
        widget.show()
    station.staff.show_restarting()
    station.citizen.show_restarting()
    station.counter.call_next()  # whatever else happens, the message stays
    QApplication.processEvents()
    for widget in (station.staff, station.citizen):
        assert "本机正在重新启动，请稍候" in texts(widget)
        assert "A023" not in texts(widget)
    station.bridge.close()


def _enrolled(central: CentralProcess) -> bool:
    kiosks = requests.get(f"{central.url}/v1/kiosks", timeout=10).json()["kiosks"]
    return any(k["kiosk_id"] == WINDOW_ID for k in kiosks)
