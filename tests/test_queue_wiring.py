"""The queue as the kiosk wires it: opened from the config, syncing to the configured platform,
its status on the bus and on screen, and `make run`'s local platform."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import requests
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

import main
from adapters import background_queue
from central.process import CentralProcess, start_if_absent, stored_records
from kiosk.config import Config
from kiosk.events import EventBus
from offline_queue.status import SyncStatus
from screens.tour import OFFLINE
from tests.conftest import KioskFactory
from tests.waiting import wait_until


def test_the_configured_queue_syncs_to_the_configured_platform(
    tmp_path: Path, config: Config, central: CentralProcess
) -> None:
    site = replace(config, platform_url=central.url, data_dir=tmp_path)
    bus = EventBus()
    statuses: list[SyncStatus] = []
    bus.subscribe(SyncStatus, statuses.append)
    outbox = main.open_outbox(site, bus)
    try:
        outbox.submit("ticket", {"number": "A001"}).result(timeout=10)
        wait_until(lambda: statuses and statuses[-1].connected and not statuses[-1].waiting)
    finally:
        outbox.close()
    assert [r["payload"] for r in stored_records(central.url, config.kiosk_id)] == [
        {"number": "A001"}
    ]
    assert (tmp_path / "queue.sqlite").exists() and (tmp_path / "keys" / "queue.key").exists()


def test_records_queued_in_the_background_keep_their_order_and_a_refusal_is_logged(
    tmp_path: Path, config: Config, central: CentralProcess, caplog: pytest.LogCaptureFixture
) -> None:
    site = replace(config, platform_url=central.url, data_dir=tmp_path)
    outbox = main.open_outbox(site, EventBus())
    queue = background_queue(outbox)

    def arrived() -> list[dict]:
        try:
            return stored_records(central.url, config.kiosk_id)
        except requests.HTTPError:  # not enrolled yet
            return []

    try:
        for n in range(20):
            queue("ticket_call", {"ticket": f"A{n:03d}", "date": "2026-12-03"})
        queue("rating", {"level": 1.5})  # the queue takes no floats
        wait_until(lambda: "the queue refused a rating record" in caplog.text)
        wait_until(lambda: len(arrived()) == 20, "twenty calls at the platform")
    finally:
        outbox.close()
    assert [r["payload"]["ticket"] for r in arrived()] == [f"A{n:03d}" for n in range(20)]


def test_the_screen_says_when_records_wait_for_the_network(
    make_kiosk: KioskFactory, qtbot: QtBot
) -> None:
    kiosk = make_kiosk()

    def banner() -> QLabel:
        found = kiosk.window.findChild(QLabel, "OfflineBanner")
        assert isinstance(found, QLabel)
        return found

    assert not banner().isVisible()
    kiosk.bus.publish(OFFLINE)
    qtbot.waitUntil(lambda: banner().isVisible())
    assert "37" in banner().text() and "网络" in banner().text()
    kiosk.visit.set_language("en")
    qtbot.waitUntil(lambda: "Offline" in banner().text())
    kiosk.bus.publish(replace(OFFLINE, connected=True, waiting=0, last_error=None))
    qtbot.waitUntil(lambda: not banner().isVisible())


def test_make_run_starts_a_local_platform_only_when_none_answers(
    tmp_path: Path, central: CentralProcess
) -> None:
    assert start_if_absent(central.url, tmp_path / "other.sqlite") is None  # one answers
    assert start_if_absent("https://platform.example.org", tmp_path / "x.sqlite") is None
    free = CentralProcess(tmp_path / "probe.sqlite")
    free.start()
    url = free.url
    free.stop()  # its port is free again
    started = start_if_absent(url, tmp_path / "local" / "central.sqlite")
    assert started is not None
    try:
        assert started.url == url and (tmp_path / "local" / "central.sqlite").exists()
    finally:
        started.stop()
