"""The technician's console (issue 6) on a whole site: the gesture and PIN, the lock-out, each
device's health checks against the simulators (paper out, an unplugged reader), the camera
preview, the queue, the platform, the logs and the config, and the audit trail of it all."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

import main
from devices.camera import Camera
from devices.sim.idcard import CITIZENS
from kiosk.console import TechnicianAction
from kiosk.logs import configure_logging
from kiosk.timers import ManualScheduler
from kiosk.visit import Phase
from screens.console.camera import CameraPreviewPage
from screens.console.devices import DeviceDetailPage, DeviceListPage
from screens.console.lines import LinesPage
from screens.console.page import ConsolePage
from screens.console.platform import PlatformPage
from screens.console.queue import QueuePage
from screens.technician import PinOverlay, TechnicianMenu
from tests.conftest import DEMO_PIN, KioskFactory
from tests.kiosk_site import FULL_NUMBER, WAIT_MS, Site, citizen_number
from tests.test_window import settle, shown_texts, tap, touch


def unlock(qtbot: QtBot, kiosk: main.Kiosk, pin: str = DEMO_PIN) -> None:
    for _ in range(5):
        touch(qtbot, kiosk.window, QPoint(10, 10))
    pad = kiosk.window.overlay
    assert isinstance(pad, PinOverlay)
    keys = {b.text(): b for b in pad.findChildren(QPushButton)}
    for key in (*pin, "确定"):  # the pad's own keys: a service tile may show digits too
        qtbot.mouseClick(keys[key], Qt.MouseButton.LeftButton)


def open_page(qtbot: QtBot, site: Site, name: str) -> ConsolePage:
    unlock(qtbot, site.kiosk)
    tap(qtbot, site.kiosk, name)
    page = site.kiosk.window.overlay
    assert isinstance(page, ConsolePage)
    return page


def page_text(page: ConsolePage) -> str:
    """What the page shows; rows it took away are hidden, rows it just added are not yet
    visible (their parent lays them out on the next turn of the event loop)."""
    texts = [w.text() for w in page.findChildren(QLabel) if not w.isHidden()]
    texts += [w.toPlainText() for w in page.findChildren(QPlainTextEdit) if not w.isHidden()]
    return "\n".join(texts)


def state_of(page: ConsolePage, device: str) -> str:
    """The state the device list shows in the row of `device`."""
    for cell in page.findChildren(QLabel):
        if cell.isVisible() and cell.property("device") == device:
            return cell.text()
    return ""


def audited(site: Site) -> list[tuple[str, str]]:
    return [
        (r["payload"]["action"], r["payload"].get("detail", ""))
        for r in site.arrived()
        if r["kind"] == "audit" and r["payload"]["staff_id"] == "technician"
    ]


# -- entry, lock-out, leaving ----------------------------------------------------------------


def test_the_console_ends_a_visit_opens_with_the_pin_and_leaves_to_the_attract_screen(
    qtbot: QtBot, site: Site
) -> None:
    kiosk = site.kiosk
    tap(qtbot, kiosk, "开始办理")
    assert kiosk.visit.snapshot.phase is Phase.CATALOG
    unlock(qtbot, kiosk)
    assert isinstance(kiosk.window.overlay, TechnicianMenu)
    settle(qtbot, kiosk)
    assert kiosk.visit.snapshot.phase is Phase.ATTRACT  # nothing of a citizen under the console
    for page in (
        "设备状态",
        "摄像头预览",
        "串口列表",
        "上传队列",
        "平台连接",
        "最近日志",
        "当前配置",
    ):
        tap(qtbot, kiosk, page)
        assert isinstance(kiosk.window.overlay, ConsolePage), page
        tap(qtbot, kiosk, "返回菜单")
        assert isinstance(kiosk.window.overlay, TechnicianMenu)
    tap(qtbot, kiosk, "返回服务界面")
    assert kiosk.window.overlay is None
    assert kiosk.window.snapshot.phase is Phase.ATTRACT
    qtbot.waitUntil(lambda: ("console_left", "") in audited(site), timeout=WAIT_MS)
    actions = [action for action, _ in audited(site)]
    assert actions[0] == "console_opened" and actions.count("page_opened") == 7


def test_five_wrong_pins_lock_the_console_for_five_minutes_and_each_is_audited(
    qtbot: QtBot, make_kiosk: KioskFactory
) -> None:
    clock = ManualScheduler()
    kiosk = make_kiosk(scheduler=clock)
    actions: list[TechnicianAction] = []
    kiosk.bus.subscribe(TechnicianAction, actions.append)
    for _ in range(5):
        unlock(qtbot, kiosk, pin="000000")
        tap(qtbot, kiosk, "取消")
    assert any("已锁定" in text for text in _after_gesture(qtbot, kiosk))
    locked = kiosk.window.overlay
    assert isinstance(locked, PinOverlay) and not locked.keypad.isEnabled()  # no PIN typed
    tap(qtbot, kiosk, "取消")
    assert [a.action for a in actions] == ["pin_refused"] * 5
    assert "locked for five minutes" in actions[-1].detail

    clock.advance(300)
    unlock(qtbot, kiosk)
    assert isinstance(kiosk.window.overlay, TechnicianMenu)
    assert actions[-1].action == "console_opened"


def _after_gesture(qtbot: QtBot, kiosk: main.Kiosk) -> list[str]:
    for _ in range(5):
        touch(qtbot, kiosk.window, QPoint(10, 10))
    return shown_texts(kiosk.window)


# -- devices -----------------------------------------------------------------------------------


def test_the_device_list_shows_an_unplugged_reader_within_two_seconds(
    qtbot: QtBot, site: Site
) -> None:
    page = open_page(qtbot, site, "设备状态")
    assert isinstance(page, DeviceListPage)
    qtbot.waitUntil(lambda: state_of(page, "id_reader") == "正常", timeout=3000)
    assert state_of(page, "receipt_printer") == "正常"

    site.id_reader().unplug()
    qtbot.waitUntil(lambda: state_of(page, "id_reader") == "未连接", timeout=2000)
    # What the reader's last error means, in the console's language, beside its code.
    qtbot.waitUntil(
        lambda: (
            "串口打不开或已断开：检查线缆和配置中的端口，或有其他程序占用。 [port.unavailable]"
            in page_text(page)
        ),
        timeout=2000,
    )
    site.id_reader().replug()  # the supervisor reopens it, and the page says so
    qtbot.waitUntil(lambda: state_of(page, "id_reader") == "正常", timeout=10_000)


def open_device(qtbot: QtBot, site: Site, device: str) -> DeviceDetailPage:
    page = open_page(qtbot, site, "设备状态")
    qtbot.waitUntil(lambda: bool(state_of(page, device)), timeout=3000)
    tap(qtbot, site.kiosk, device)
    detail = site.kiosk.window.overlay
    assert isinstance(detail, DeviceDetailPage) and detail.device == device
    return detail


def run_check(qtbot: QtBot, page: DeviceDetailPage, level: str, timeout_ms: int = WAIT_MS) -> str:
    button = page.checks[level]
    qtbot.waitUntil(button.isEnabled, timeout=timeout_ms)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.checks[level].isEnabled(), timeout=timeout_ms)
    return page.result.text()


@pytest.mark.parametrize(
    "device", ["id_reader", "scanner", "camera", "receipt_printer", "a4_printer"]
)
def test_internal_and_external_checks_pass_on_healthy_devices(
    qtbot: QtBot, site: Site, device: str
) -> None:
    page = open_device(qtbot, site, device)
    qtbot.waitUntil(lambda: "正常" in page_text(page), timeout=3000)
    for level in ("internal", "external"):
        result = run_check(qtbot, page, level)
        assert result.startswith("通过"), f"{device} {level}: {result}"
    qtbot.waitUntil(
        lambda: sum(a == "health_check" for a, _ in audited(site)) == 2, timeout=WAIT_MS
    )
    assert (("health_check", f"{device} internal: OK")) in audited(site)


def test_a_printer_out_of_paper_fails_its_checks_and_says_why(qtbot: QtBot, site: Site) -> None:
    page = open_device(qtbot, site, "receipt_printer")
    site.printer().paper_out()
    internal = run_check(qtbot, page, "internal")
    assert internal.startswith("未通过") and "paper" in internal
    external = run_check(qtbot, page, "external")  # the test slip cannot print
    assert external.startswith("未通过") and "paper" in external
    qtbot.waitUntil(lambda: "需要处理" in page_text(page), timeout=2000)  # the state, live
    assert "打印机缺纸：装入新纸卷。" in page_text(page)  # what to do, beside the device's words
    site.printer().refill()
    qtbot.waitUntil(lambda: "正常" in page_text(page), timeout=5000)
    assert run_check(qtbot, page, "external").startswith("通过")
    assert site.printer().wait_for_receipts(1)  # the test slip came out


def test_an_unplugged_reader_fails_its_checks_and_says_which_port(qtbot: QtBot, site: Site) -> None:
    page = open_device(qtbot, site, "id_reader")
    site.id_reader().unplug()
    qtbot.waitUntil(lambda: "未连接" in page_text(page), timeout=2000)
    for level in ("internal", "external", "interactive"):
        result = run_check(qtbot, page, level)
        assert result.startswith("未通过"), f"{level}: {result}"
    assert "not open" in page.result.text() or "not polling" in page.result.text()


def test_the_interactive_reader_check_reads_a_placed_card_and_masks_its_number(
    qtbot: QtBot, site: Site
) -> None:
    page = open_device(qtbot, site, "id_reader")
    qtbot.mouseClick(page.checks["interactive"], Qt.MouseButton.LeftButton)
    assert "30 秒" in page.result.text()
    site.id_reader().place(CITIZENS[0])
    qtbot.waitUntil(lambda: page.checks["interactive"].isEnabled(), timeout=WAIT_MS)
    result = page.result.text()
    number = citizen_number(CITIZENS[0])
    assert result.startswith("通过")
    assert number[:6] in result and number not in result and not FULL_NUMBER.search(result)
    assert site.kiosk.visit.snapshot.phase is Phase.ATTRACT  # the test read starts no visit


def test_the_interactive_scanner_check_shows_the_scanned_code(qtbot: QtBot, site: Site) -> None:
    page = open_device(qtbot, site, "scanner")
    qtbot.mouseClick(page.checks["interactive"], Qt.MouseButton.LeftButton)
    qtbot.wait(200)
    site.scanner().scan("TEST-SCAN-42")
    qtbot.waitUntil(lambda: page.checks["interactive"].isEnabled(), timeout=WAIT_MS)
    assert page.result.text().startswith("通过") and "TEST-SCAN-42" in page.result.text()


def test_the_camera_preview_boxes_and_reads_a_code_and_counts_frames(
    qtbot: QtBot, site: Site
) -> None:
    page = open_page(qtbot, site, "摄像头预览")
    assert isinstance(page, CameraPreviewPage)
    site.camera().show_phone("KIOSK-CAMERA-TEST-7")
    qtbot.waitUntil(lambda: page.texts_seen == ["KIOSK-CAMERA-TEST-7"], timeout=WAIT_MS)
    assert "KIOSK-CAMERA-TEST-7" in page.decoded.text()
    qtbot.waitUntil(
        lambda: "每秒 0.0" not in page.rate.text() and "每秒" in page.rate.text(), timeout=5000
    )
    picture = page.findChild(QLabel, "CameraPreview")
    assert picture is not None and not picture.pixmap().isNull()
    tap(qtbot, site.kiosk, "返回菜单")
    camera = site.devices.supervisor.devices["camera"]
    assert isinstance(camera, Camera) and not camera._frame_listeners  # unsubscribed


# -- queue, platform, logs, config, ports --------------------------------------------------------


def test_the_queue_page_shows_refused_records_syncs_now_and_clears_a_block(
    qtbot: QtBot, site: Site
) -> None:
    refused = site.outbox.submit("rating", {"level": 9, "service_id": "x"}).result()
    qtbot.waitUntil(lambda: site.outbox.stats().result().counts["rejected"] == 1, timeout=WAIT_MS)
    page = open_page(qtbot, site, "上传队列")
    assert isinstance(page, QueuePage)
    qtbot.waitUntil(lambda: f"#{refused.seq} rating" in page_text(page), timeout=5000)
    assert "a rating needs a level" in page_text(page) and "被拒收 1" in page_text(page)
    assert not page.unblock_button.isEnabled()

    site.outbox._store.set_blocked("the platform found the record chain broken at 3").result()
    qtbot.waitUntil(lambda: "chain broken at 3" in page_text(page), timeout=5000)
    assert page.unblock_button.isEnabled()
    waiting = site.outbox.submit("audit", {"action": "test", "staff_id": "t"}).result()
    tap(qtbot, site.kiosk, "解除阻塞")
    qtbot.waitUntil(lambda: "没有阻塞" in page_text(page), timeout=5000)
    qtbot.waitUntil(lambda: any(r["seq"] == waiting.seq for r in site.arrived()), timeout=WAIT_MS)

    tap(qtbot, site.kiosk, "立即同步")
    assert "已请求立即同步" in page_text(page)
    qtbot.waitUntil(
        lambda: {"sync_now", "queue_unblocked"} <= {a for a, _ in audited(site)}, timeout=WAIT_MS
    )


def test_the_platform_page_walks_to_central_and_says_where_it_fails(
    qtbot: QtBot, site: Site, make_kiosk: KioskFactory
) -> None:
    page = open_page(qtbot, site, "平台连接")
    assert isinstance(page, PlatformPage)
    qtbot.waitUntil(lambda: "连接正常" in page.verdict.text(), timeout=WAIT_MS)
    assert "HTTP" in page_text(page)

    unreachable = replace(site.config, platform_url="http://127.0.0.1:9")  # discard port
    kiosk = make_kiosk(site_config=unreachable)
    unlock(qtbot, kiosk)
    tap(qtbot, kiosk, "平台连接")
    other = kiosk.window.overlay
    assert isinstance(other, PlatformPage)
    qtbot.waitUntil(lambda: "TCP" in other.verdict.text(), timeout=WAIT_MS)
    assert "refused" in page_text(other)


@pytest.mark.usefixtures("restored_logging")
def test_recent_logs_are_masked_and_the_config_keeps_its_pin_hashes(
    qtbot: QtBot, site: Site
) -> None:
    configure_logging(site.config.logging, site.config.data_dir / "logs")
    number = citizen_number(CITIZENS[0])
    logging.getLogger("test").warning("a card %s was read", number)
    page = open_page(qtbot, site, "最近日志")
    assert isinstance(page, LinesPage)
    qtbot.waitUntil(lambda: "a card" in page.text.toPlainText(), timeout=5000)
    logs = page.text.toPlainText()
    assert number not in logs and f"{number[:6]}********" in logs
    assert "technician: console_opened" in logs  # the console's own entry is there too
    tap(qtbot, site.kiosk, "返回菜单")

    tap(qtbot, site.kiosk, "当前配置")
    config = site.kiosk.window.overlay
    assert isinstance(config, LinesPage)
    qtbot.waitUntil(lambda: "platform_url" in config.text.toPlainText(), timeout=5000)
    shown = config.text.toPlainText()
    assert "scrypt$" not in shown and "technician_pin_hash = <removed>" in shown
    assert f"platform_url = '{site.config.platform_url}'" in shown


def test_the_ports_page_lists_each_device_port(qtbot: QtBot, site: Site) -> None:
    page = open_page(qtbot, site, "串口列表")
    assert isinstance(page, LinesPage)
    qtbot.waitUntil(lambda: "Serial ports on this machine" in page.text.toPlainText(), timeout=5000)
    shown = page.text.toPlainText()
    for status in site.devices.supervisor.statuses():
        assert f"{status.name} ({status.kind})" in shown


def test_pages_opened_before_the_devices_and_queue_say_so(
    qtbot: QtBot, make_kiosk: KioskFactory
) -> None:
    kiosk = make_kiosk()
    unlock(qtbot, kiosk)
    for name, says in (("设备状态", "设备还没有启动"), ("上传队列", "上传队列没有打开")):
        tap(qtbot, kiosk, name)
        page = kiosk.window.overlay
        assert isinstance(page, ConsolePage) and says in page_text(page)
        tap(qtbot, kiosk, "返回菜单")
    assert "摄像头预览" not in " ".join(shown_texts(kiosk.window))  # no camera known yet
