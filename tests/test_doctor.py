"""`main.py doctor`: what a technician reads over SSH, and the exit status monitoring reads."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from devices.model import DeviceState
from kiosk.logs import LOG_FILE, LogSettings, configure_logging
from status_report import StatusWriter, status_path
from tests.conftest import ROOT
from tests.kiosk_site import Site, print_a_certificate
from tests.test_logs import NAMES, NUMBERS
from tests.waiting import wait_until


def site_config(directory: Path, data_dir: Path, platform_url: str) -> Path:
    """The default site with its data in `data_dir` and its platform at `platform_url`."""
    text = (ROOT / "config" / "default.toml").read_text(encoding="utf-8")
    text = text.replace('directory = "../var"', f'directory = "{data_dir}"')
    text = text.replace('url = "http://127.0.0.1:8700"', f'url = "{platform_url}"')
    (directory / "services").symlink_to(ROOT / "config" / "services")
    path = directory / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def doctor(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "doctor", "--config", str(config), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def closed_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return int(free.getsockname()[1])


def test_a_stopped_kiosk_with_no_platform_is_reported_plainly(tmp_path: Path) -> None:
    config = site_config(tmp_path, tmp_path / "data", f"http://127.0.0.1:{closed_port()}")
    result = doctor(config)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "the kiosk is not running" in out
    assert "!!  tcp" in out and "Connection refused" in out and "--  http  not tried" in out
    assert "Needs attention:" in out and "Traceback" not in out + result.stderr

    found = json.loads(doctor(config, "--json").stdout)
    assert found["kiosk"]["running"] is False and found["devices"] is None
    assert [s["ok"] for s in found["platform"]["steps"]][:2] == [True, False]


def test_a_running_kiosk_with_an_unplugged_reader_says_which_device_and_why(
    site: Site, tmp_path: Path
) -> None:
    supervisor = site.devices.supervisor
    writer = StatusWriter(site.config.data_dir, lambda: supervisor, lambda: site.outbox, 0.2)
    writer.start()
    try:
        site.id_reader().unplug()
        wait_until(
            lambda: any(
                s.name == "id_reader" and s.state is DeviceState.POWER_OFF
                for s in supervisor.statuses()
            ),
            "the reader seen unplugged",
        )
        wait_until(lambda: '"power_off"' in status_path(site.config.data_dir).read_text(), "")
        config = site_config(tmp_path, site.config.data_dir, site.central.url)
        result = doctor(config, "--json")
        assert result.returncode == 1, result.stderr
        found = json.loads(result.stdout)
        states = {d["name"]: d["state"] for d in found["devices"]}
        assert states["id_reader"] == "power_off" and states["receipt_printer"] == "online"
        assert all(step["ok"] is not False for step in found["platform"]["steps"])
        assert found["queue"]["blocked"] is None
        assert [a for a in found["attention"] if a.startswith("device id_reader: power_off")]
        assert len(found["attention"]) == 1

        text = doctor(config).stdout
        assert "running (pid" in text and "!!  id_reader (id_card_reader): power_off" in text
        assert "OK  receipt_printer" in text and "OK  http" in text
    finally:
        writer.stop()
    assert not status_path(site.config.data_dir).exists()  # a kiosk that stopped says so


def test_a_status_file_from_a_kiosk_that_froze_is_not_believed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    status_path(data).write_text(json.dumps({"written": 1.0, "pid": 1, "devices": []}), "utf-8")
    config = site_config(tmp_path, data, f"http://127.0.0.1:{closed_port()}")
    found = json.loads(doctor(config, "--json").stdout)
    assert found["kiosk"]["running"] is False
    assert "not running or is stuck" in found["kiosk"]["state"]


@pytest.mark.usefixtures("restored_logging")
def test_a_support_bundle_holds_report_config_and_logs_but_no_citizen_and_no_secret(
    qtbot: QtBot, site: Site, tmp_path: Path
) -> None:
    data = site.config.data_dir
    configure_logging(LogSettings(level="DEBUG"), data / "logs")
    supervisor = site.devices.supervisor
    writer = StatusWriter(data, lambda: supervisor, lambda: site.outbox, 0.2)
    writer.start()
    try:
        print_a_certificate(qtbot, site)
        # A line some other tool (or an older version) wrote without masking.
        with (data / "logs" / LOG_FILE).open("a", encoding="utf-8") as log:
            log.write(f"card of {NUMBERS[0]}, call back 13812345678\n")
        config = site_config(tmp_path, data, site.central.url)
        bundle = tmp_path / "support.zip"
        result = doctor(config, "--bundle", str(bundle))
    finally:
        writer.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"support bundle {bundle}" in result.stderr
    with zipfile.ZipFile(bundle) as opened:
        names = set(opened.namelist())
        texts = {name: opened.read(name).decode("utf-8") for name in names}
    assert {"report.json", "report.txt", "config.toml", "status.json", "logs/kiosk.log"} <= names
    assert "kiosk.visit: visit ended" in texts["logs/kiosk.log"]
    assert "138****5678" in texts["logs/kiosk.log"]
    assert 'pin_hash = "<removed>"' in texts["config.toml"] and "scrypt$" not in "".join(
        texts.values()
    )
    everything = "".join(texts.values())
    assert not [n for n in NUMBERS if n in everything] and "13812345678" not in everything
    assert not [name for name in NAMES if name in everything]


def test_a_bundle_that_cannot_be_written_is_one_clear_line(tmp_path: Path) -> None:
    config = site_config(tmp_path, tmp_path / "data", f"http://127.0.0.1:{closed_port()}")
    result = doctor(config, "--bundle", str(tmp_path / "no-such-folder" / "support.zip"))
    assert result.returncode == 2
    assert "doctor: cannot write the bundle" in result.stderr and "Traceback" not in result.stderr
