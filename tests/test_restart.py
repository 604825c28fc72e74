"""A kiosk killed outright (power cut, OOM, a watchdog restart) comes back by itself: its
devices online again and its queue whole, and what it had queued reaches the platform once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import main
from central.fault_proxy import FaultProxy
from central.process import CentralProcess, stored_records
from kiosk.config import load_config
from kiosk.events import EventBus
from status_report import status_path
from tests.conftest import ROOT
from tests.test_doctor import site_config
from tests.waiting import wait_until

BEFORE = 5  # records queued while the platform could not be reached


@pytest.fixture
def kiosks() -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(config: Path) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "main.py", "--config", str(config)],
            cwd=ROOT,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def status_of(path: Path, pid: int) -> dict[str, Any] | None:
    try:
        status: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return status if status.get("pid") == pid else None


def up_and_holding(path: Path, pid: int, pending: int) -> bool:
    status = status_of(path, pid)
    return bool(
        status
        and status["devices"]
        and all(d["state"] == "online" for d in status["devices"])
        and status["queue"]
        and status["queue"]["counts"]["pending"] == pending
    )


def test_a_killed_kiosk_comes_back_with_its_devices_and_its_whole_queue(
    tmp_path: Path, central: CentralProcess, kiosks: Callable[[Path], subprocess.Popen[str]]
) -> None:
    with FaultProxy(central.url) as proxy:
        proxy.down()
        config_path = site_config(tmp_path, tmp_path / "data", proxy.url)
        config = load_config(config_path)
        outbox = main.open_outbox(config, EventBus())
        for i in range(BEFORE):
            outbox.submit("audit", {"action": "queued before the kill", "i": i}).result(10)
        outbox.close()
        status = status_path(config.data_dir)

        first = kiosks(config_path)
        wait_until(lambda: up_and_holding(status, first.pid, BEFORE), "first start", 60)
        first.kill()  # SIGKILL: no clean-up of any kind
        first.wait(timeout=10)

        second = kiosks(config_path)
        wait_until(lambda: up_and_holding(status, second.pid, BEFORE), "back after the kill", 60)
        proxy.up()

        def arrived() -> list[dict[str, Any]]:
            try:
                return stored_records(central.url, config.kiosk_id)
            except requests.HTTPError:  # 404 until the kiosk has enrolled
                return []

        wait_until(lambda: len(arrived()) == BEFORE, "the queue sent once the platform is back", 60)
        assert sorted(r["payload"]["i"] for r in arrived()) == list(range(BEFORE))
