"""A whole site for end-to-end tests: a kiosk wired as `main` wires it, on the device
simulators, an encrypted queue and a real central platform (the `site` fixture), and what the
tests of services do over and over: tap through, rate, read what the platform received."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import main
from central.process import CentralProcess, stored_records
from devices.idcard.card import parse_text
from devices.model import DeviceState
from devices.sim.camera import CameraSimulator
from devices.sim.idcard import CITIZENS, IdCardSimulator, SimCard
from devices.sim.printer import PrinterSimulator
from devices.sim.scanner import ScannerSimulator
from kiosk.config import Config
from kiosk.timers import ManualScheduler
from kiosk.visit import Phase
from offline_queue.outbox import Outbox
from screens.voice import RecordingEngine
from tests.conftest import KioskFactory
from tests.test_window import settle, shown_texts, tap
from tests.waiting import wait_until

WAIT_MS = 15_000


@dataclass
class Site:
    kiosk: main.Kiosk
    devices: main.Devices
    outbox: Outbox
    central: CentralProcess
    config: Config
    clock: ManualScheduler  # the visit's time limits

    def printer(self) -> PrinterSimulator:
        return self.devices.simulator(PrinterSimulator)

    def id_reader(self) -> IdCardSimulator:
        return self.devices.simulator(IdCardSimulator)

    def scanner(self) -> ScannerSimulator:
        return self.devices.simulator(ScannerSimulator)

    def camera(self) -> CameraSimulator:
        return self.devices.simulator(CameraSimulator)

    def voice(self) -> RecordingEngine:
        """What the kiosk's voice said (make_kiosk gives every kiosk a recording engine)."""
        engine = self.kiosk.voice.engine if self.kiosk.voice else None
        assert isinstance(engine, RecordingEngine)
        return engine

    def arrived(self) -> list[dict]:
        """What the platform holds from this kiosk, in sequence order."""
        return stored_records(self.central.url, self.config.kiosk_id)


@pytest.fixture
def site(
    make_kiosk: KioskFactory, config: Config, central: CentralProcess, tmp_path: Path
) -> Iterator[Site]:
    """A kiosk wired as `main` wires it: devices on their simulators, queue, platform."""
    local = replace(config, platform_url=central.url, data_dir=tmp_path)
    with wired_site(make_kiosk, local, central) as running:
        yield running


@contextmanager
def wired_site(make_kiosk: KioskFactory, config: Config, central: CentralProcess) -> Iterator[Site]:
    """The kiosk of `config` with its devices started and its queue open and connected."""
    clock = ManualScheduler()
    kiosk = make_kiosk(site_config=config, scheduler=clock)
    devices, outbox = main.start_devices_and_queue(kiosk, config)
    try:
        # A citizen arrives after the kiosk is up: devices open on their own threads, and a
        # busy machine can take a second or two (a printer still opening hides "开始办理").
        wait_until(
            lambda: all(s.state is DeviceState.ONLINE for s in devices.supervisor.statuses()),
            "every simulated device online",
            timeout_s=WAIT_MS / 1000,
        )
        yield Site(kiosk, devices, outbox, central, config, clock)
    finally:
        outbox.close()
        devices.stop()


FULL_NUMBER = re.compile(r"\d{15,}|\d{17}[\dXx]")


def citizen_number(card: SimCard) -> str:
    return parse_text(card.text).number


def open_service(qtbot: QtBot, kiosk: main.Kiosk, name: str) -> None:
    """From the first screen to the first step of the service called `name`."""
    tap(qtbot, kiosk, "开始办理")
    tap(qtbot, kiosk, name)
    # The guide offers to start once what the service needs is up (the platform, for some:
    # the kiosk learns it can reach it from its first sync, on its own thread).
    qtbot.waitUntil(lambda: "开始办理" in shown_texts(kiosk.window), timeout=WAIT_MS)
    tap(qtbot, kiosk, "开始办理")
    assert kiosk.visit.snapshot.phase is Phase.STEP


def take_a_ticket(qtbot: QtBot, kiosk: main.Kiosk) -> str:
    """A citizen takes a ticket for 社保医保 from the attract screen; its number."""
    tap(qtbot, kiosk, "开始办理")
    tap(qtbot, kiosk, "取号")
    qtbot.waitUntil(lambda: "开始办理" in shown_texts(kiosk.window), timeout=WAIT_MS)
    tap(qtbot, kiosk, "开始办理")
    assert "请选择：办理业务" in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "社保医保")
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.phase is Phase.FINISH, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    ticket = kiosk.visit.snapshot.case.ticket
    assert ticket is not None
    return ticket.number


def confirm_and_finish(qtbot: QtBot, kiosk: main.Kiosk) -> str:
    """Confirm, wait for the finish screen (saved, printed) and give the case number it shows."""
    tap(qtbot, kiosk, "确认办理")
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.phase is Phase.FINISH, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    case_number = kiosk.visit.snapshot.case.case_number
    assert f"回执编号：{case_number}" in shown_texts(kiosk.window)
    return case_number


def key_in(qtbot: QtBot, kiosk: main.Kiosk, digits: str) -> None:
    """Type `digits` on the screen's keypad and press OK."""
    for digit in digits:
        tap(qtbot, kiosk, digit)
    tap(qtbot, kiosk, "确定")


def rate_fully(qtbot: QtBot, kiosk: main.Kiosk, level: str) -> None:
    """Give `level`, then go through whatever pages the mode asks (one indicator a page in
    elder mode) until the rating is submitted."""
    tap(qtbot, kiosk, "评价本次服务")
    tap(qtbot, kiosk, level)
    while kiosk.visit.snapshot.phase is Phase.RATE:
        names = shown_texts(kiosk.window)
        tap(qtbot, kiosk, "提交评价" if "提交评价" in names else "跳过此项")


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging replaces the root logger's handlers; pytest's own go back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def print_a_certificate(qtbot: QtBot, site: Site) -> None:
    """王秀英 prints her social insurance certificate on the receipt printer and leaves
    without rating: a visit that reads a card, asks the platform and prints."""
    kiosk = site.kiosk
    open_service(qtbot, kiosk, "社保参保证明打印")
    site.id_reader().place(CITIZENS[0])
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.elder_offer, timeout=WAIT_MS)
    settle(qtbot, kiosk)  # the window shows a change one queued event after the visit makes it
    tap(qtbot, kiosk, "不用了")
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.step == "confirm", timeout=WAIT_MS)
    settle(qtbot, kiosk)
    tap(qtbot, kiosk, "确认办理")
    tap(qtbot, kiosk, "小票打印")
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.phase is Phase.FINISH, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    site.printer().wait_for_receipts(1)
    tap(qtbot, kiosk, "不评价，结束")
