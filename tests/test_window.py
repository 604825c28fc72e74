"""The real window driven by taps: a whole visit, help, language, time-outs, the technician."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget

from kiosk.catalog import Service, load_catalog
from kiosk.config import Config
from kiosk.technician import MAX_FAILURES
from kiosk.timers import ManualScheduler
from kiosk.visit import Phase, ServiceRated
from screens.keypad import Keypad
from tests.conftest import DEMO_PIN, ROOT


def buttons(window: QWidget) -> dict[str, QAbstractButton]:
    """Visible buttons by their text and by their accessible name (what a reader says)."""
    shown = [b for b in window.findChildren(QAbstractButton) if b.isVisible() and b.isEnabled()]
    return {name: b for b in shown for name in {b.text(), b.accessibleName()} - {""}}


def shown_texts(window: QWidget) -> list[str]:
    return [
        w.text()
        for w in window.findChildren(QWidget)
        if isinstance(w, (QLabel, QAbstractButton)) and w.isVisible()
    ]


def tap(qtbot, kiosk, text: str) -> None:
    """Tap the visible button whose text (or accessible name) contains `text`."""
    matches = list({id(b): b for name, b in buttons(kiosk.window).items() if text in name}.values())
    assert len(matches) == 1, f"{text!r} among {sorted(buttons(kiosk.window))}"
    qtbot.mouseClick(matches[0], Qt.MouseButton.LeftButton)
    settle(qtbot, kiosk)


def touch(qtbot, window: QWidget, position: QPoint) -> None:
    """A press as the platform delivers it: to the QWindow first, which passes it to a widget."""
    qtbot.mouseClick(window.windowHandle(), Qt.MouseButton.LeftButton, pos=position)


def settle(qtbot, kiosk) -> None:
    """Wait until the window shows the visit's latest snapshot (it arrives by a queued event)."""
    qtbot.waitUntil(lambda: kiosk.window.snapshot is kiosk.visit.snapshot, timeout=2000)


@pytest.fixture(scope="module")
def confirm_only_services(tmp_path_factory) -> list[Service]:
    """A catalog whose one service runs on the steps this build has screens for."""
    directory = tmp_path_factory.mktemp("services")
    text = (ROOT / "config" / "services" / "40-queue-ticket.toml").read_text(encoding="utf-8")
    text = text.replace('steps = ["form", "submit", "print"]', 'steps = ["confirm"]')
    text = text.replace('produces = ["ticket", "record"]', 'produces = ["record"]')
    (directory / "ticket.toml").write_text(text, encoding="utf-8")
    return load_catalog(directory)


@pytest.fixture
def rating_kiosk(
    make_kiosk, confirm_only_services: list[Service]
) -> tuple[Any, list[ServiceRated]]:
    """A kiosk with the one confirm-only service, and the ratings it publishes."""
    kiosk = make_kiosk(service_list=confirm_only_services)
    ratings: list[ServiceRated] = []
    kiosk.bus.subscribe(ServiceRated, ratings.append)
    return kiosk, ratings


def test_a_citizen_goes_through_a_whole_visit_and_rates_it(
    qtbot, rating_kiosk: tuple[Any, list[ServiceRated]]
) -> None:
    kiosk, ratings = rating_kiosk
    tap(qtbot, kiosk, "开始办理")
    assert "请选择要办理的事项" in shown_texts(kiosk.window)
    assert "本机即将开放" not in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "取号")
    assert "需要准备" in shown_texts(kiosk.window)  # the guide
    tap(qtbot, kiosk, "开始办理")
    tap(qtbot, kiosk, "确认办理")
    assert "办理完成" in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "评价本次服务")
    assert kiosk.visit.snapshot.phase is Phase.RATE
    tap(qtbot, kiosk, "基本满意")
    assert ratings == []  # not yet: the four indicators come first, none chosen for them
    tap(qtbot, kiosk, "服务态度 4 星")
    tap(qtbot, kiosk, "提交评价")
    assert [(r.service_id, r.level, dict(r.indicators)) for r in ratings] == [
        ("queue-ticket", 3, {"attitude": 4})
    ]
    assert "欢迎使用政务服务自助终端" in shown_texts(kiosk.window)


def test_a_poor_rating_takes_a_reason_and_a_call_back_number_keyed_in(
    qtbot, rating_kiosk: tuple[Any, list[ServiceRated]]
) -> None:
    kiosk, ratings = rating_kiosk
    for step in ("开始办理", "取号", "开始办理", "确认办理", "评价本次服务", "非常不满意"):
        tap(qtbot, kiosk, step)
    tap(qtbot, kiosk, "等候时间长")
    assert "不需要回电" in buttons(kiosk.window)
    for digit in "13800000003":
        tap(qtbot, kiosk, digit)
    tap(qtbot, kiosk, "确定")
    tap(qtbot, kiosk, "提交评价")
    assert [(r.level, r.reason, r.callback) for r in ratings] == [(1, "waiting", "13800000003")]


def test_services_say_why_they_cannot_start_before_the_citizen_starts(qtbot, make_kiosk) -> None:
    kiosk = make_kiosk()  # no platform, no queue, no printer
    tap(qtbot, kiosk, "开始办理")
    texts = shown_texts(kiosk.window)
    assert texts.count("需联网，暂不可用") == 2  # the certificate and the e-ID check
    assert texts.count("暂不可用") == 4
    tap(qtbot, kiosk, "社保参保证明打印")
    assert "此事项需要联网，网络暂时不通，请到人工窗口办理或稍后再试。" in shown_texts(kiosk.window)
    assert "开始办理" not in buttons(kiosk.window)
    tap(qtbot, kiosk, "返回")
    assert kiosk.visit.snapshot.phase is Phase.CATALOG


def test_a_finger_dragging_a_guide_scrolls_it(qtbot, make_kiosk) -> None:
    """No wheel on a touch screen: the elder-mode guide, longer than a landscape screen,
    follows a finger dragging its text up."""
    kiosk = make_kiosk(portrait=False)
    tap(qtbot, kiosk, "长辈模式")
    tap(qtbot, kiosk, "开始办理")
    tap(qtbot, kiosk, "社保参保证明打印")
    (area,) = [a for a in kiosk.window.findChildren(QScrollArea) if a.isVisible()]
    bar = area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 300, timeout=2000)  # laid out
    assert bar.value() == 0
    text = next(w for w in area.widget().findChildren(QLabel) if w.isVisible())
    start = text.mapTo(area.viewport(), text.rect().center())
    qtbot.mousePress(area.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(area.viewport(), start - QPoint(0, 150))
    qtbot.mouseRelease(area.viewport(), Qt.MouseButton.LeftButton, pos=start - QPoint(0, 150))
    assert bar.value() == 150
    qtbot.mouseMove(area.viewport(), start - QPoint(0, 300))  # no finger down: no scrolling
    assert bar.value() == 150


def test_the_language_switches_on_every_screen(qtbot, make_kiosk) -> None:
    kiosk = make_kiosk()
    tap(qtbot, kiosk, "English")
    assert "Welcome to the public service kiosk" in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "Start")
    tap(qtbot, kiosk, "Take a queue number")
    assert "What to bring" in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "中文")
    assert "需要准备" in shown_texts(kiosk.window)
    assert kiosk.visit.snapshot.service is not None  # the visit goes on


def test_elder_mode_is_one_tap_away_and_makes_everything_bigger(qtbot, make_kiosk) -> None:
    kiosk = make_kiosk()
    normal = buttons(kiosk.window)["开始办理"].height()
    normal_font = buttons(kiosk.window)["开始办理"].font().pixelSize()
    tap(qtbot, kiosk, "长辈模式")
    assert kiosk.visit.snapshot.elder
    start = buttons(kiosk.window)["开始办理"]
    assert start.height() > normal and start.font().pixelSize() > normal_font * 1.4
    tap(qtbot, kiosk, "退出长辈模式")
    assert not kiosk.visit.snapshot.elder


def test_help_is_one_tap_from_any_screen_and_comes_back(qtbot, make_kiosk) -> None:
    kiosk = make_kiosk()
    tap(qtbot, kiosk, "开始办理")
    tap(qtbot, kiosk, "取号")
    tap(qtbot, kiosk, "求助")
    assert "已呼叫工作人员" in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "返回继续办理")
    assert "需要准备" in shown_texts(kiosk.window)


def test_a_time_out_warns_then_one_tap_gives_more_time(qtbot, make_kiosk) -> None:
    clock = ManualScheduler()
    kiosk = make_kiosk(scheduler=clock)
    tap(qtbot, kiosk, "开始办理")
    clock.advance(60)
    settle(qtbot, kiosk)
    assert kiosk.window.overlay is not None
    assert "30 秒后将结束办理，并清除您的信息。" in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "需要，继续办理")
    assert kiosk.window.overlay is None
    assert kiosk.visit.snapshot.phase is Phase.CATALOG


def test_an_abandoned_visit_is_cleared_from_every_widget(qtbot, make_kiosk) -> None:
    clock = ManualScheduler()
    kiosk = make_kiosk(scheduler=clock)
    tap(qtbot, kiosk, "English")
    tap(qtbot, kiosk, "Start")
    tap(qtbot, kiosk, "Apply for a senior citizen card")
    clock.advance(60 + 30)
    settle(qtbot, kiosk)
    assert "欢迎使用政务服务自助终端" in shown_texts(kiosk.window)
    assert kiosk.visit.snapshot.language == "zh"

    def remains() -> list[str]:
        return [
            w.text()
            for w in kiosk.window.findChildren(QLabel)
            if "senior" in w.text().lower() or "优待" in w.text()
        ]

    qtbot.waitUntil(lambda: remains() == [], timeout=2000)  # the old screen's deleteLater


def test_five_corner_taps_and_the_pin_let_a_technician_quit_a_locked_kiosk(
    qtbot, make_kiosk
) -> None:
    kiosk = make_kiosk(kiosk_mode=True)
    window = kiosk.window
    window.close()
    assert window.isVisible()  # no way out without the PIN
    for _ in range(5):
        touch(qtbot, window, QPoint(10, 10))
    keypad = window.findChild(Keypad)
    assert keypad is not None and keypad.isVisible()
    for digit in "111111":
        tap(qtbot, kiosk, digit)
    tap(qtbot, kiosk, "确定")
    assert "密码错误，请重试。" in shown_texts(window)
    for digit in DEMO_PIN:
        tap(qtbot, kiosk, digit)
    tap(qtbot, kiosk, "确定")
    tap(qtbot, kiosk, "退出程序")
    assert not window.isVisible()


def test_a_technician_pin_locked_out_stays_locked_when_the_kiosk_is_restarted(
    qtbot, make_kiosk, config: Config, tmp_path: Path
) -> None:
    """Pulling the plug must not give a guesser five more tries."""
    site = replace(config, data_dir=tmp_path / "site")
    kiosk = make_kiosk(kiosk_mode=True, site_config=site)
    for _ in range(5):
        touch(qtbot, kiosk.window, QPoint(10, 10))
    for _ in range(MAX_FAILURES):
        for digit in "111111":
            tap(qtbot, kiosk, digit)
        tap(qtbot, kiosk, "确定")
    assert "错误次数过多，已锁定，请 5 分钟后再试。" in shown_texts(kiosk.window)

    restarted = make_kiosk(kiosk_mode=True, site_config=site)
    for _ in range(5):
        touch(qtbot, restarted.window, QPoint(10, 10))
    assert "错误次数过多，已锁定，请 5 分钟后再试。" in shown_texts(restarted.window)
    keypad = restarted.window.findChild(Keypad)
    assert keypad is not None and not keypad.isEnabled()


def test_taps_elsewhere_do_not_open_the_technician_pin(qtbot, make_kiosk) -> None:
    kiosk = make_kiosk()
    for _ in range(5):
        touch(qtbot, kiosk.window, QPoint(500, 900))
    assert kiosk.window.overlay is None


def test_four_corner_taps_do_not_open_the_technician_pin(qtbot, make_kiosk) -> None:
    kiosk = make_kiosk()
    for _ in range(4):
        touch(qtbot, kiosk.window, QPoint(10, 10))
    assert kiosk.window.overlay is None
