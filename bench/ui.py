"""Tap to painted screen (DESIGN.md §8, issue 5) over scripted visits in elder mode, voice on.

Each tap is a real mouse click on a button of the real window: the kiosk built as `main`
builds it, its devices on their simulators, the encrypted queue (offline: nothing answers at
the platform address, so records wait, as they would in an outage), and the configured voice
engine speaking every screen. A tap is timed from just before the click to the end of the
event-loop pass that painted the screen it leads to. Baseline, in the same run and timed the
same way: a bare window whose tap replaces one label with another through a queued signal.
Target: p95 at most 50 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, Qt, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import main
from bench.driving import WAIT_S, Finger, run_until, running_kiosk
from kiosk.catalog import Service
from kiosk.config import load_config
from kiosk.visit import Phase
from screens.input_method import prepare_environment
from screens.qt_scheduler import QtScheduler
from screens.voice import RecordingEngine, Voice, choose_engine

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 50.0
OFFLINE_PLATFORM = "http://127.0.0.1:9"  # the discard port: nothing answers


class PaintProbe(QObject):
    """Sees every paint in the application; `painted(widget)` says whether `widget` has been
    painted since the probe was last armed."""

    def __init__(self) -> None:
        super().__init__()
        self._painted: set[int] = set()

    def arm(self) -> None:
        self._painted.clear()

    def painted(self, widget: QWidget | None) -> bool:
        return widget is not None and id(widget) in self._painted

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._painted.add(id(watched))
        return False


def timed_tap(
    probe: PaintProbe, target: QWidget, new_screen: Callable[[], QWidget | None]
) -> float:
    """Milliseconds from the click on `target` to the end of the pass that painted the screen
    `new_screen` returns once the tap has replaced the old one."""
    old = new_screen()
    probe.arm()
    start = time.perf_counter()
    QTest.mouseClick(target, Qt.MouseButton.LeftButton)
    deadline = start + WAIT_S
    while True:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
        screen = new_screen()
        if screen is not old and probe.painted(screen):
            return (time.perf_counter() - start) * 1000
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no new screen painted {WAIT_S} s after tapping {target!r}")


# -- the kiosk ------------------------------------------------------------------------------


class ScriptedVisits:
    def __init__(self, kiosk: main.Kiosk, probe: PaintProbe) -> None:
        self.kiosk, self.probe = kiosk, probe
        self.finger = Finger(kiosk.window)
        self.samples: list[float] = []

    def tap(self, text: str) -> None:
        self.finger.settle()
        button = self.finger.button(text)
        self.samples.append(timed_tap(self.probe, button, lambda: self.kiosk.window.screen_widget))

    def wait_for(self, done: Callable[[], bool]) -> None:
        run_until(done, "end of the visit's wait", WAIT_S)

    def visit(self) -> None:
        """Browse the catalog and its guides, ask for help, take a ticket, rate, in elder mode."""
        snapshot = lambda: self.kiosk.visit.snapshot  # noqa: E731
        self.tap("长辈模式")
        self.tap("开始办理")
        self.tap("社保参保证明打印")
        self.tap("返回")
        self.tap("求助")
        self.tap("返回继续办理")
        self.tap("下一页")
        self.tap("取号")
        self.tap("开始办理")
        self.tap("社保医保")  # the ticket is saved and printed: the tap shows "please wait"
        self.wait_for(lambda: snapshot().phase is Phase.FINISH)
        self.tap("评价本次服务")
        self.tap("非常满意")
        while snapshot().phase is Phase.RATE:
            self.tap("提交评价" if self.finger.offers("提交评价") else "跳过此项")
        self.wait_for(lambda: snapshot().phase is Phase.ATTRACT)


def kiosk_samples(visits: int, engine: str) -> list[float]:
    with tempfile.TemporaryDirectory() as data:
        base = load_config(ROOT / "config" / "default.toml")
        config = replace(base, platform_url=OFFLINE_PLATFORM, data_dir=Path(data))
        voice = Voice(RecordingEngine() if engine == "record" else choose_engine(engine))
        with running_kiosk(config, voice, QtScheduler()) as (kiosk, _, _):
            probe = PaintProbe()
            QApplication.instance().installEventFilter(probe)  # type: ignore[union-attr]
            script = ScriptedVisits(kiosk, probe)
            # Devices and the queue come up on workers; the ticket service needs both.
            script.wait_for(lambda: kiosk.visit.available(_service(kiosk, "queue-ticket")))
            script.visit()  # warm-up: first imports, font caches, the first speech process
            script.samples.clear()
            for _ in range(visits):
                script.visit()
            return script.samples


def _service(kiosk: main.Kiosk, service_id: str) -> Service:
    return next(s for s in kiosk.visit.services if s.id == service_id)


# -- the baseline ---------------------------------------------------------------------------


class BareWindow(QWidget):
    """One button; a tap replaces the label under it, through a queued signal as the kiosk's
    bridge does."""

    replaced = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        layout = self._layout = QVBoxLayout(self)
        self.tap_button = QPushButton("下一步")
        self.tap_button.clicked.connect(self.replaced.emit)
        layout.addWidget(self.tap_button)
        self.label = QLabel("欢迎使用政务服务自助终端")
        layout.addWidget(self.label, 1)
        self.replaced.connect(self._replace, Qt.ConnectionType.QueuedConnection)

    def _replace(self) -> None:
        self.count += 1
        old, self.label = self.label, QLabel(f"第 {self.count} 屏")
        self._layout.replaceWidget(old, self.label)
        old.deleteLater()
        self.label.show()


def baseline_samples(taps: int) -> list[float]:
    window = BareWindow()
    window.resize(1080, 1920)
    window.show()
    probe = PaintProbe()
    QApplication.instance().installEventFilter(probe)  # type: ignore[union-attr]
    samples = [timed_tap(probe, window.tap_button, lambda: window.label) for _ in range(taps)]
    window.close()
    return samples[5:]  # the first paints warm caches


def _row(name: str, samples: list[float], judged: bool) -> dict[str, object]:
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1]
    return {
        "measure": name,
        "taps": len(samples),
        "p50_ms": statistics.median(samples),
        "p95_ms": p95,
        "max_ms": max(samples),
        "target": f"p95 <= {TARGET_P95_MS:g} ms" if judged else "baseline",
        "pass": (p95 <= TARGET_P95_MS) if judged else "",
    }


def run(visits: int, engine: str) -> list[dict[str, object]]:
    prepare_environment()
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("kiosk-bench")
    kiosk = kiosk_samples(visits, engine)
    bare = baseline_samples(max(len(kiosk), 25) + 5)
    return [
        _row("bare window, label replaced", bare, judged=False),
        _row(f"kiosk elder mode, voice {engine}", kiosk, judged=True),
    ]
