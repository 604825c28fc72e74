"""Loading the site config: the shipped files are valid, broken ones say exactly what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devices import kinds
from kiosk.config import ConfigError, load_config
from tests.conftest import ROOT

DEFAULT = (ROOT / "config" / "default.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "services").symlink_to(ROOT / "config" / "services")
    return path


def test_the_default_config_describes_a_simulated_portrait_kiosk() -> None:
    config = load_config(ROOT / "config" / "default.toml")
    assert config.mode == "self-service" and config.language == "zh"
    assert config.panel.portrait and config.panel.resolution == (1080, 1920)
    assert 3.5 < config.panel.px_per_mm < 4.5
    assert all(device.simulated for device in config.devices.values())
    assert config.time_limits_for(elder=True).warning_s == 2 * config.time_limits.warning_s
    assert config.services_dir == ROOT / "config" / "services"


@pytest.mark.parametrize("path", sorted((ROOT / "config" / "sites").glob("*.toml")), ids=str)
def test_every_example_site_loads(path: Path) -> None:
    config = load_config(path)
    assert config.services_dir.is_dir()


BROKEN = [
    # (what to change in the default config, the key named, words of the problem)
    ('id = "K-DEMO-0001"', "id = 17", "kiosk.id", "must be a string"),
    ('mode = "self-service"', 'mode = "selfservice"', "kiosk.mode", "must be one of"),
    ("width_mm = 268.0", "width_mm = -1", "panel.width_mm", "greater than 0"),
    ("resolution = [1080, 1920]", "resolution = [1080]", "panel.resolution", "[width, height]"),
    ("warning_s = 30", "warning_s = 10", "time_limits.warning_s", "at least 20"),
    ("idle_s = 60", "idle_sec = 60", "time_limits.idle_sec", "unknown key"),
    ('url = "http://127.0.0.1:8700"', 'url = "127.0.0.1:8700"', "platform.url", "http://"),
    ("verify_tls = true", 'verify_tls = "yes"', "platform.verify_tls", "true or false"),
    (
        'url = "http://127.0.0.1:8700"',
        'url = "http://platform.example.org"',
        "platform.url",
        "must be https://",
    ),
    (
        'url = "http://127.0.0.1:8700"\nverify_tls = true',
        'url = "https://platform.example.org"\nverify_tls = false',
        "platform.verify_tls",
        "only for a platform on this machine",
    ),
    ("batch_records = 500", "batch_records = 0", "sync.batch_records", "between 1 and 1000"),
    ("backoff_cap_s = 300.0", "backoff_cap_s = -1.0", "sync.backoff_cap_s", "at least 1"),
    ('language = "zh"', 'language = "fr"', "kiosk.language", "no catalog for 'fr'"),
    ('pin_hash = "scrypt$', 'pin_hash = "plain$', "technician.pin_hash", "hash-pin"),
    ('kind = "camera"', 'kind = "webcam"', "devices.camera.kind", "must be one of"),
    (
        '[devices.scanner]\nkind = "serial_scanner"\nsimulated = true',
        '[devices.scanner]\nkind = "serial_scanner"',
        "devices.scanner.port",
        "simulated = true",
    ),
    ('en = "Demo community service centre"', 'eng = "Demo"', "site.name.en", "missing"),
    ('engine = "auto"', 'engine = "festival"', "voice.engine", "must be one of"),
    ("volume_step = 3", "volume_step = 9", "voice.volume_step", "between 1 and 5"),
    ('directory = "../var"', 'directory = "../var"\nkeys = " "', "data.keys", "name a directory"),
]


WINDOW = (ROOT / "config" / "sites" / "service-hall-window.toml").read_text(encoding="utf-8")
BROKEN_WINDOW = [
    ('prefixes = ["A", "B"]', 'prefixes = ["a"]', "window.prefixes", "in capitals"),
    ('prefixes = ["A", "B"]', "prefixes = []", "window.prefixes", "in capitals"),
    ('number = "5"', "number = 5", "window.number", "must be a string"),
    ('staff_id = "S0517"\n', "", "window.staff_id", "missing"),
    ('[window]\nnumber = "5"', '[counter]\nnumber = "5"', "window", "missing"),
    (
        'prefixes = ["A", "B"]',
        'prefixes = ["A"]\nstaff_photo = "nobody.jpg"',
        "window.staff_photo",
        "no picture",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"), BROKEN_WINDOW, ids=[b[3] for b in BROKEN_WINDOW]
)
def test_a_service_window_needs_its_window_table(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    assert old in WINDOW
    path = tmp_path / "sites" / "window.toml"
    path.parent.mkdir()
    path.write_text(WINDOW.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.key == key and problem in raised.value.problem


@pytest.mark.parametrize(("old", "new", "key", "problem"), BROKEN, ids=[b[2] for b in BROKEN])
def test_a_broken_value_names_the_file_the_key_and_the_problem(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    assert old in DEFAULT
    path = write(tmp_path, DEFAULT.replace(old, new, 1))
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.key == key
    assert problem in raised.value.problem
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("[site\nid=", "not valid TOML"), (b"\xff\xfe", "not UTF-8"), ("", "missing")],
)
def test_unreadable_files_get_one_clear_error(
    tmp_path: Path, text: str | bytes, problem: str
) -> None:
    path = tmp_path / "site.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ConfigError, match=problem):
        load_config(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_the_kiosk_prints_one_line_and_exits_2_on_a_broken_config(tmp_path: Path) -> None:
    path = write(tmp_path, DEFAULT.replace("warning_s = 30", "warning_s = 5"))
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"kiosk: config error: {path}: time_limits.warning_s: must be at least 20 "
        "seconds (DESIGN.md §6)"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_broken_service_file_is_a_config_error_too(tmp_path: Path) -> None:
    services = tmp_path / "services"
    services.mkdir()
    (services / "x.toml").write_text('id = "x"\n', encoding="utf-8")
    path = tmp_path / "site.toml"
    path.write_text(DEFAULT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"kiosk: config error: {services / 'x.toml'}: guide: missing")


def test_a_bad_device_option_is_a_config_error_too(tmp_path: Path) -> None:
    text = DEFAULT.replace(
        'kind = "serial_scanner"\n', 'kind = "serial_scanner"\noptions = { baud = 9600 }\n'
    )
    path = write(tmp_path, text.replace('directory = "../var"', f'directory = "{tmp_path}"'))
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 2, result.stderr
    assert f"kiosk: config error: {path}: devices.scanner.options.baud: unknown" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("path", sorted((ROOT / "config" / "sites").glob("*.toml")), ids=str)
def test_every_example_site_has_devices_that_accept_their_options(path: Path) -> None:
    for name, device in load_config(path).devices.items():
        kinds.build(device.kind, name, device.port or "/dev/null", device.options)
