"""Running slow work (imports, opening devices) off the GUI thread, with the outcome delivered
back on the GUI thread, where widgets and the event loop may be touched."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar, cast

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

T = TypeVar("T")


class _Relay(QObject):
    finished = Signal(object, object)  # result, exception


def run_in_background(
    name: str,
    work: Callable[[], T],
    done: Callable[[T], None],
    failed: Callable[[Exception], None],
) -> threading.Thread:
    """Run `work` on a thread; then `done(result)` or `failed(error)` on the GUI thread."""
    relay = _Relay(QCoreApplication.instance())  # lives on the GUI thread

    def deliver(result: object, error: Exception | None) -> None:
        relay.deleteLater()
        if error is None:
            done(cast(T, result))
        else:
            failed(error)

    relay.finished.connect(deliver, Qt.ConnectionType.QueuedConnection)

    def run() -> None:
        try:
            relay.finished.emit(work(), None)
        except Exception as error:
            relay.finished.emit(None, error)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


class BackgroundRunner:
    """The flow engine's `Runner` (kiosk.ports): one thread per piece of blocking work."""

    def run(
        self,
        name: str,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None],
    ) -> None:
        run_in_background(name, work, done, failed)
