"""A kiosk whose disk fills up (logs, printouts, another program): the services that must keep
a record say so on their tiles before anyone starts them; a citizen already at the last step
is told plainly instead of "try again"; nothing already kept is lost; and once space is freed
the kiosk serves again. On a real filesystem of 256 MB (tmpfs), where mounting is allowed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import doctor
import main
from adapters import RecordsAdapter
from central.process import CentralProcess
from kiosk.config import Config
from kiosk.events import EventBus
from kiosk.ports import CannotSave
from kiosk.visit import Phase
from tests.conftest import KioskFactory
from tests.kiosk_site import WAIT_MS, Site, take_a_ticket, wired_site
from tests.test_services_pension import tile
from tests.test_window import shown_texts, tap
from tests.waiting import wait_until

CANNOT_SAVE = "本机暂时不能保存业务，请到人工窗口办理。"  # guide.queue_down
UNREACHABLE = "http://127.0.0.1:9"  # the platform plays no part here


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"no tmpfs can be mounted here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


@pytest.fixture
def site(
    make_kiosk: KioskFactory, config: Config, central: CentralProcess, small_disk: Path
) -> Iterator[Site]:
    local = replace(config, platform_url=central.url, data_dir=small_disk / "kiosk")
    with wired_site(make_kiosk, local, central) as running:
        yield running


def fill(disk: Path, leave_bytes: int) -> Path:
    """Take the disk's free space down to about `leave_bytes` with one file."""
    filler = disk / "filler"
    take = shutil.disk_usage(disk).free - leave_bytes
    with filler.open("ab") as f:
        for _ in range(take // 2**20):
            f.write(bytes(2**20))
        f.write(bytes(take % 2**20))
    return filler


def tile_says_unavailable(qtbot: QtBot, kiosk: main.Kiosk, unavailable: bool) -> None:
    """The disk is looked at once a second at most: the catalog says so by the next look."""

    def says() -> bool:
        kiosk.window.refresh_availability()
        return ("暂不可用" in tile(kiosk, "取号")) is unavailable

    qtbot.waitUntil(says, timeout=WAIT_MS)


def tickets_held(site: Site) -> list[str]:
    return [r["payload"]["ticket"] for r in site.arrived() if r["kind"] == "ticket"]


def test_a_full_disk_is_said_before_and_during_a_visit_and_nothing_is_lost(
    qtbot: QtBot, site: Site, small_disk: Path
) -> None:
    kiosk = site.kiosk
    first = take_a_ticket(qtbot, kiosk)
    qtbot.waitUntil(lambda: tickets_held(site) == [first], timeout=WAIT_MS)
    tap(qtbot, kiosk, "不评价，结束")

    # Nearly full: the ticket's tile says it cannot start; the guide says why.
    filler = fill(small_disk, RecordsAdapter.MIN_FREE_BYTES // 2)
    tap(qtbot, kiosk, "开始办理")
    tile_says_unavailable(qtbot, kiosk, True)
    tap(qtbot, kiosk, "取号")
    assert CANNOT_SAVE in shown_texts(kiosk.window)
    assert "开始办理" not in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "返回")

    # Room again: a citizen starts, and the disk fills up under her before her ticket is kept.
    filler.unlink()
    tile_says_unavailable(qtbot, kiosk, False)
    tap(qtbot, kiosk, "取号")
    qtbot.waitUntil(lambda: "开始办理" in shown_texts(kiosk.window), timeout=WAIT_MS)
    tap(qtbot, kiosk, "开始办理")
    filler = fill(small_disk, 0)
    tap(qtbot, kiosk, "社保医保")
    qtbot.waitUntil(lambda: CANNOT_SAVE in shown_texts(kiosk.window), timeout=WAIT_MS)
    assert kiosk.visit.snapshot.phase is Phase.STEP  # not finished: no ticket she cannot use
    assert "出了点问题" not in " ".join(shown_texts(kiosk.window))  # not "try again"

    # Space freed (a technician cleared it): the next ticket is kept, and so was the first.
    filler.unlink()
    tap(qtbot, kiosk, "重试")
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.phase is Phase.FINISH, timeout=WAIT_MS)
    second = kiosk.visit.snapshot.case.ticket
    assert second is not None and second.number != first
    qtbot.waitUntil(lambda: tickets_held(site) == [first, second.number], timeout=WAIT_MS)


def test_the_queue_on_a_full_disk_raises_cannot_save_and_keeps_its_chain(
    small_disk: Path, config: Config, tmp_path: Path
) -> None:
    local = replace(
        config, data_dir=small_disk / "kiosk", key_dir=tmp_path / "keys", platform_url=UNREACHABLE
    )
    outbox = main.open_outbox(local, EventBus())
    records = RecordsAdapter(outbox, UNREACHABLE, local.data_dir)
    try:
        records.submit("audit", {"action": "before"})
        filler = fill(small_disk, 0)
        assert not records.can_save()
        full = "cannot keep audit: OperationalError: database or disk is full"
        with pytest.raises(CannotSave, match=full):
            records.submit("audit", {"action": "during", "padding": "x" * 100_000})
        filler.unlink()
        wait_until(records.can_save, "room again", timeout_s=5)
        records.submit("audit", {"action": "after"})
        counts = outbox.stats().result(10).counts
        assert counts["pending"] == 2  # before and after, numbered 1 and 2: no gap, no loss
        assert outbox.head().result(10).seq == 2
    finally:
        outbox.close()


def test_doctor_says_when_the_data_disk_is_nearly_full(small_disk: Path, config: Config) -> None:
    local = replace(config, data_dir=small_disk / "kiosk", platform_url=UNREACHABLE)
    assert not [a for a in doctor.report(local)["attention"] if a.startswith("disk:")]
    fill(small_disk, 10 * 2**20)
    found = doctor.report(local)
    assert 9 < found["disk"]["free_mb"] <= 10
    (said,) = [a for a in found["attention"] if a.startswith("disk:")]
    assert "with less than 16 MB the kiosk takes no visits that keep a record" in said
    assert f"Disk {local.data_dir}: 10 MB free" in doctor.text(found)
