"""Keeps devices open: reopens unplugged or failed ones with backoff (hot-plug, DESIGN.md §3).

Each device gets its own watcher thread, so a device whose open hangs (a camera URL that does
not answer) delays nobody else, and nothing here ever runs on the GUI thread. The backoff
starts at `first_delay_s` and doubles up to `max_delay_s`, with jitter so that devices behind
one USB hub do not all retry at once; the cap keeps re-plug recovery within a few seconds.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterable

from devices.device import Device
from devices.model import RECOVERABLE, DeviceEvent, DeviceStatus, StatusChanged

log = logging.getLogger(__name__)


class Supervisor:
    def __init__(
        self,
        devices: Iterable[Device],
        first_delay_s: float = 0.25,
        max_delay_s: float = 2.0,
    ) -> None:
        self.devices = {device.name: device for device in devices}
        self._first_delay_s, self._max_delay_s = first_delay_s, max_delay_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def statuses(self) -> list[DeviceStatus]:
        """Every device's state, detail, last error, counters and info, for technicians."""
        return [device.status() for device in self.devices.values()]

    def start(self) -> None:
        for device in self.devices.values():
            thread = threading.Thread(
                target=self._watch, args=(device,), name=f"supervise-{device.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
        self._threads.clear()
        for device in self.devices.values():
            device.close()

    def _watch(self, device: Device) -> None:
        changed = threading.Event()

        def on_event(event: DeviceEvent) -> None:
            if isinstance(event, StatusChanged):
                changed.set()

        unsubscribe = device.subscribe(on_event)
        try:
            device.open()
            failures = 0
            while not self._stop.is_set():
                if device.state not in RECOVERABLE:
                    failures = 0
                    changed.wait(1.0)
                    changed.clear()
                    continue
                # Cap the exponent too: 2**1024 overflows a float after ~30 min unplugged.
                delay = min(self._max_delay_s, self._first_delay_s * 2 ** min(failures, 16))
                if self._stop.wait(delay * random.uniform(0.5, 1.0)):
                    break
                failures += 1
                log.info("%s: reopening (attempt %d)", device.name, failures)
                device.reopen()
        finally:
            unsubscribe()
