"""What the running kiosk tells `doctor` (issue 6): a status file in the data directory.

Part of the composition root with `main.py` and `adapters.py`: it knows the devices and the
queue. While the kiosk runs it owns the serial ports and the queue's writer, so `doctor`, run
by a technician over SSH, reads this file instead of opening them: every few seconds a worker
thread writes the devices' states and the queue's statistics (never a payload, never a
citizen) to `status.json`, atomically, with the time it was written.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devices.supervisor import Supervisor
    from offline_queue.outbox import Outbox

log = logging.getLogger(__name__)

STATUS_FILE = "status.json"
EVERY_S = 5.0


def status_path(data_dir: Path) -> Path:
    return data_dir / STATUS_FILE


def snapshot(supervisor: Supervisor | None, outbox: Outbox | None) -> dict[str, Any]:
    queue = dataclasses.asdict(outbox.stats().result(10)) if outbox is not None else None
    devices = [dataclasses.asdict(s) for s in supervisor.statuses()] if supervisor else None
    return {"written": time.time(), "pid": os.getpid(), "devices": devices, "queue": queue}


def write_status(path: Path, status: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(status, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(path)


class StatusWriter:
    """Writes the status file every `every_s` seconds until stopped; removes it on stop, so a
    kiosk that ended cleanly is not taken for a running one. The devices and the queue come
    up on their own workers: `supervisor` and `outbox` give them once they are there."""

    def __init__(
        self,
        data_dir: Path,
        supervisor: Callable[[], Supervisor | None],
        outbox: Callable[[], Outbox | None],
        every_s: float = EVERY_S,
    ) -> None:
        self.path = status_path(data_dir)
        self._supervisor, self._outbox, self._every_s = supervisor, outbox, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="status-file", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)
        self.path.unlink(missing_ok=True)

    def _run(self) -> None:
        while True:
            try:
                write_status(self.path, snapshot(self._supervisor(), self._outbox()))
            except (
                Exception
            ):  # a full disk must not end the kiosk; the technician sees a stale file
                log.exception("cannot write %s", self.path)
            if self._stop.wait(self._every_s):
                return
