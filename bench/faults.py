"""Faults a soak strikes at random, in the middle of visits: a device unplugged, the printer out
of paper, the platform down or slow. Each lasts a few visits, then is mended, as a technician or
the network would."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from central.fault_proxy import FaultProxy, Slow
from devices.sim.camera import CameraSimulator
from devices.sim.idcard import IdCardSimulator
from devices.sim.printer import PrinterSimulator
from devices.sim.scanner import ScannerSimulator

SLOW_PLATFORM = Slow(delay_s=3.0)  # longer than a citizen likes, shorter than the client's limit
FAULT_NAMES = (
    "card reader unplugged",
    "printer out of paper",
    "printer unplugged",
    "scanner unplugged",
    "camera unplugged",
    "platform down",
    "platform slow",
)


@dataclass(frozen=True)
class Fault:
    name: str
    strike: Callable[[], None]
    mend: Callable[[], None]
    device: str = ""  # the kind of kiosk device it takes down, which must come back once mended


def site_faults(
    reader: IdCardSimulator,
    printer: PrinterSimulator,
    scanner: ScannerSimulator,
    camera: CameraSimulator,
    platform: FaultProxy,
) -> list[Fault]:
    strike_mend_device = (
        (reader.unplug, reader.replug, "id_card_reader"),
        (printer.paper_out, printer.refill, "receipt_printer"),
        (printer.unplug, printer.replug, "receipt_printer"),
        (scanner.unplug, scanner.replug, "serial_scanner"),
        (camera.unplug, camera.replug, "camera"),
        (platform.down, platform.up, ""),  # the queue's drain and the records judge these
        (lambda: platform.set_mode(SLOW_PLATFORM), platform.clear, ""),
    )
    return [
        Fault(name, strike, mend, device)
        for name, (strike, mend, device) in zip(FAULT_NAMES, strike_mend_device, strict=True)
    ]


class FaultPlan:
    """Before each tap, strikes a fault with probability `per_tap` when none is on; a fault is
    mended after 1 to `longest` visits have ended. `recoveries` is told of both."""

    def __init__(
        self,
        faults: list[Fault],
        rng: random.Random,
        per_tap: float,
        recoveries: Recoveries,
        longest: int = 3,
    ):
        self.faults, self.rng, self.per_tap, self.longest = faults, rng, per_tap, longest
        self.recoveries = recoveries
        self.struck: Counter[str] = Counter()
        self.active: Fault | None = None
        self._visits_left = 0

    def before_tap(self) -> None:
        if self.active is None and self.rng.random() < self.per_tap:
            self.active = self.rng.choice(self.faults)
            self._visits_left = self.rng.randint(1, self.longest)
            self.struck[self.active.name] += 1
            self.recoveries.struck(self.active)
            self.active.strike()

    def visit_ended(self) -> None:
        if self.active is not None:
            self._visits_left -= 1
            if self._visits_left <= 0:
                self.mend()

    def mend(self) -> None:
        if self.active is not None:
            self.active.mend()
            self.recoveries.mended(self.active)
            self.active = None


class Recoveries:
    """Seconds from a fault mended to its device online again, as the kiosk's supervisor finds
    it by itself, to within how often `look` is called. A device that never comes back would
    pass every other verdict: the visits that need it end with "device unavailable", which is
    an honest answer."""

    def __init__(self, online: Callable[[str], bool]) -> None:
        self._online = online  # is the kiosk's device of this kind online?
        self._waiting: dict[str, tuple[str, float]] = {}  # device -> (fault, mended at)
        self.seconds: dict[str, list[float]] = {}  # fault -> each recovery's time

    def mended(self, fault: Fault) -> None:
        if fault.device:
            self._waiting[fault.device] = (fault.name, time.monotonic())

    def struck(self, fault: Fault) -> None:
        """Struck again before it came back: how long it had been down counts as it is."""
        self._end(fault.device)

    def look(self) -> None:
        for device in [d for d in self._waiting if self._online(d)]:
            self._end(device)

    @property
    def pending(self) -> list[str]:
        """Faults mended whose devices are still down."""
        return [name for name, _ in self._waiting.values()]

    def longest_s(self) -> float:
        """The longest recovery, counting those still waiting."""
        now = time.monotonic()
        waiting = [now - since for _, since in self._waiting.values()]
        return max((*waiting, *(s for times in self.seconds.values() for s in times)), default=0.0)

    def summary(self) -> dict[str, dict[str, float]]:
        """Per fault: how many recoveries, their median and longest seconds."""
        return {
            name: {"count": len(s), "median_s": statistics.median(s), "longest_s": max(s)}
            for name, s in self.seconds.items()
        }

    def _end(self, device: str) -> None:
        if device in self._waiting:
            name, since = self._waiting.pop(device)
            self.seconds.setdefault(name, []).append(time.monotonic() - since)
