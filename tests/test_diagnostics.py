"""The technician's console (issue 6): the gesture and PIN lead to the devices' states, live."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from screens.diagnostics import DevicePage
from tests.conftest import DEMO_PIN
from tests.kiosk_site import Site
from tests.test_window import tap, touch


def open_device_page(qtbot: QtBot, site: Site) -> DevicePage:
    kiosk = site.kiosk
    for _ in range(5):
        touch(qtbot, kiosk.window, QPoint(10, 10))
    for digit in DEMO_PIN:
        tap(qtbot, kiosk, digit)
    tap(qtbot, kiosk, "确定")
    tap(qtbot, kiosk, "设备状态")
    page = kiosk.window.overlay
    assert isinstance(page, DevicePage)
    return page


def state_of(page: DevicePage, device: str) -> str:
    """The state the page shows in the row of `device` (its second column)."""
    cells = [w for w in page.findChildren(QLabel) if w.isVisible()]
    for name, state in itertools.pairwise(cells):
        if name.text() == device and state.property("deviceState"):
            return state.text()
    return ""


def test_the_device_page_shows_an_unplugged_reader_within_two_seconds(
    qtbot: QtBot, site: Site
) -> None:
    page = open_device_page(qtbot, site)
    qtbot.waitUntil(lambda: state_of(page, "id_reader") == "正常", timeout=3000)
    assert state_of(page, "receipt_printer") == "正常"

    site.id_reader().unplug()
    qtbot.waitUntil(lambda: state_of(page, "id_reader") == "未连接", timeout=2000)
    shown = " ".join(w.text() for w in page.findChildren(QLabel) if w.isVisible())
    assert "id_reader" in shown and "未连接" in shown

    site.id_reader().replug()  # the supervisor reopens it, and the page says so
    qtbot.waitUntil(lambda: state_of(page, "id_reader") == "正常", timeout=10_000)

    tap(qtbot, site.kiosk, "返回自助服务")
    assert site.kiosk.window.overlay is None
