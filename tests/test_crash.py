"""An unexpected error: the citizen sees "restarting", never a traceback; the kiosk exits 70."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from screens.crash import EXIT_RESTART, install_crash_handler
from tests.conftest import KioskFactory
from tests.test_window import shown_texts, tap


@pytest.fixture
def own_excepthook() -> Iterator[None]:
    kept = sys.excepthook
    yield
    sys.excepthook = kept


@pytest.mark.qt_no_exception_capture
@pytest.mark.usefixtures("own_excepthook")
def test_an_error_in_a_slot_shows_restarting_and_exits_for_a_restart(
    qtbot: QtBot, make_kiosk: KioskFactory, caplog: pytest.LogCaptureFixture
) -> None:
    kiosk = make_kiosk()
    tap(qtbot, kiosk, "开始办理")
    exits: list[int] = []
    install_crash_handler(kiosk.window.show_restarting, exits.append, delay_ms=50)

    def broken() -> None:
        raise RuntimeError("a bug nobody foresaw, holding 110101195803120023")

    QTimer.singleShot(0, broken)
    QTimer.singleShot(0, broken)  # a second one while the first is shown changes nothing
    qtbot.waitUntil(lambda: exits == [EXIT_RESTART], timeout=3000)
    shown = " ".join(shown_texts(kiosk.window))
    assert "本机正在重新启动，请稍候" in shown and "已安全保存" in shown
    assert "Traceback" not in shown and "RuntimeError" not in shown
    assert "unexpected error, restarting the kiosk" in caplog.text
    qtbot.wait(200)
    assert exits == [EXIT_RESTART]
