"""The composition root's devices: what `make run` starts from config/default.toml."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import main
from devices.idcard.card import CardRead, parse_text
from devices.model import DeviceState, StatusChanged
from devices.sim.idcard import CITIZENS, IdCardSimulator
from kiosk.config import Config, ConfigError, DeviceConfig
from kiosk.events import EventBus
from tests.waiting import wait_until


@pytest.fixture
def site(config: Config, tmp_path: Path) -> Config:
    return replace(config, data_dir=tmp_path)


@pytest.fixture
def started() -> Iterator[Callable[[Config, EventBus], main.Devices]]:
    running: list[main.Devices] = []

    def start(config: Config, bus: EventBus) -> main.Devices:
        devices = main.build_devices(config, bus)
        running.append(devices)
        devices.start()
        return devices

    yield start
    for devices in running:
        devices.stop()


def test_the_default_site_runs_every_device_on_its_simulator(site: Config, started) -> None:
    bus = EventBus()
    reads: list[CardRead] = []
    read = threading.Event()

    def on_read(event: CardRead) -> None:
        reads.append(event)
        read.set()

    bus.subscribe(CardRead, on_read)
    devices = started(site, bus)
    supervisor = devices.supervisor

    def all_online() -> bool:
        return all(s.state is DeviceState.ONLINE for s in supervisor.statuses())

    assert wait_until(all_online), supervisor.statuses()
    assert {s.kind for s in supervisor.statuses()} == {d.kind for d in site.devices.values()}
    reader_sim = devices.simulator(IdCardSimulator)
    reader_sim.place(CITIZENS[0])
    assert read.wait(10), "no card read reached the bus"
    assert reads[0].card == parse_text(CITIZENS[0].text, CITIZENS[0].photo)


def test_a_device_that_is_not_there_is_reported_and_the_others_run(site: Config, started) -> None:
    absent = DeviceConfig("door_scanner", "serial_scanner", False, "/dev/ttyUSB-not-here")
    bus = EventBus()
    changes: list[StatusChanged] = []
    bus.subscribe(StatusChanged, changes.append)
    devices = started(replace(site, devices={**site.devices, "door_scanner": absent}), bus)
    statuses = devices.supervisor.devices

    assert wait_until(lambda: statuses["id_reader"].state is DeviceState.ONLINE)
    assert wait_until(lambda: statuses["door_scanner"].state is DeviceState.POWER_OFF)
    assert "/dev/ttyUSB-not-here" in statuses["door_scanner"].status().detail
    assert any(c.device == "door_scanner" for c in changes)


def test_a_bad_device_option_is_a_config_error_naming_the_key(site: Config) -> None:
    scanner = site.devices["scanner"]
    bad = replace(scanner, options={"baud": 9600})
    with pytest.raises(ConfigError) as error:
        main.build_devices(replace(site, devices={**site.devices, "scanner": bad}), EventBus())
    assert error.value.key == "devices.scanner.options.baud"
    assert "unknown" in error.value.problem
