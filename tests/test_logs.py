"""Technicians' logs (issue 6): rotating files, one line per event, and no citizen in them."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from devices.idcard.card import parse_text
from devices.sim.idcard import CITIZENS
from kiosk.config import ConfigError, load_config
from kiosk.logs import LOG_FILE, LogSettings, configure_logging, mask_personal
from tests.conftest import ROOT
from tests.kiosk_site import Site, print_a_certificate

CARDS = [parse_text(card.text) for card in CITIZENS]
NUMBERS = [card.number for card in CARDS]
NAMES = [card.name for card in CARDS]


@pytest.mark.parametrize("number", NUMBERS)
def test_every_kind_of_identity_number_is_masked(number: str) -> None:
    line = mask_personal(f"card read: {number}, again ({number})")
    assert number not in line
    assert line.count(number[:3]) == 2 and line.count(number[-2:]) >= 2  # still recognisable


def test_mobile_numbers_are_masked_and_other_numbers_are_not() -> None:
    kept = (
        "case K-DEMO-0001-20261203-0007",
        "at 2026-12-03T08:02:44.343Z",
        "records up to 1234567890123",  # 13 digits: a count, not a person
        "hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "ticket A023, seq 100200",
    )
    for text in kept:
        assert mask_personal(text) == text
    assert mask_personal("call back 13812345678") == "call back 138****5678"


def test_log_lines_carry_time_level_component_and_go_to_a_file(
    tmp_path: Path, restored_logging: None
) -> None:
    path = configure_logging(LogSettings(level="DEBUG"), tmp_path / "logs")
    assert path == tmp_path / "logs" / LOG_FILE
    logging.getLogger("devices.idcard").info("read %s", NUMBERS[0])
    try:
        raise ValueError(f"bad id_number {NUMBERS[1]!r}")  # what a validation error may quote
    except ValueError:
        logging.getLogger("kiosk.flow").exception("step failed")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].split(" ", 3)[2:] == [
        "INFO",
        f"devices.idcard: read {mask_personal(NUMBERS[0])}",
    ]
    assert " ERROR kiosk.flow: step failed" in text and "ValueError: bad id_number" in text
    assert not any(number in text for number in NUMBERS)


def test_logs_rotate_and_keep_only_the_backups_asked_for(
    tmp_path: Path, restored_logging: None
) -> None:
    path = configure_logging(LogSettings(max_bytes=10_000, backups=2), tmp_path)
    assert path is not None
    for i in range(1000):
        logging.getLogger("offline_queue.sync").info("batch %d sent", i)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        LOG_FILE,
        f"{LOG_FILE}.1",
        f"{LOG_FILE}.2",
    ]
    assert all(p.stat().st_size <= 10_000 for p in tmp_path.iterdir())


def test_levels_per_component(tmp_path: Path, restored_logging: None) -> None:
    path = configure_logging(LogSettings(level="WARNING", levels={"devices": "DEBUG"}), tmp_path)
    assert path is not None
    logging.getLogger("devices.scanner").debug("a scanner detail")
    logging.getLogger("kiosk.flow").info("a flow detail")
    text = path.read_text(encoding="utf-8")
    assert "a scanner detail" in text and "a flow detail" not in text


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_log_folder_leaves_the_kiosk_logging_to_stderr(
    tmp_path: Path, restored_logging: None
) -> None:
    tmp_path.chmod(0o500)
    try:
        assert configure_logging(LogSettings(), tmp_path / "logs") is None
    finally:
        tmp_path.chmod(0o700)


def test_an_unwritable_log_file_leaves_the_kiosk_logging_to_stderr(
    tmp_path: Path, restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "logs").write_text("a file where the folder should be")
    assert configure_logging(LogSettings(), tmp_path / "logs") is None
    assert "cannot write logs to" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "bad", "key"),
    [
        ('level = "INFO"', 'level = "LOUD"', "logging.level"),
        ("levels = {}", 'levels = { "devices" = "LOUD" }', "logging.levels.devices"),
    ],
)
def test_a_bad_log_level_is_a_config_error(tmp_path: Path, line: str, bad: str, key: str) -> None:
    text = (ROOT / "config" / "default.toml").read_text(encoding="utf-8")
    assert line in text
    path = tmp_path / "site.toml"
    path.write_text(text.replace(line, bad, 1).replace('"../var"', f'"{tmp_path}"'), "utf-8")
    (tmp_path / "services").symlink_to(ROOT / "config" / "services")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.key == key, raised.value
    assert "must be one of" in raised.value.problem


def test_a_whole_visit_logged_at_debug_names_no_citizen(
    qtbot: QtBot, site: Site, tmp_path: Path, restored_logging: None
) -> None:
    path = configure_logging(LogSettings(level="DEBUG"), tmp_path / "logs")
    assert path is not None
    print_a_certificate(qtbot, site)
    text = path.read_text(encoding="utf-8")
    assert "kiosk.visit: visit ended" in text  # the visit was logged, the platform calls too
    assert not [n for n in NAMES if n in text], "a citizen's name is in the log"
    assert not [n for n in NUMBERS if n in text], "an identity number is in the log"
