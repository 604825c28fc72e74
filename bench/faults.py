"""Faults a soak strikes at random, in the middle of visits: a device unplugged, the printer out
of paper, the platform down or slow. Each lasts a few visits, then is mended, as a technician or
the network would."""

from __future__ import annotations

import random
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


def site_faults(
    reader: IdCardSimulator,
    printer: PrinterSimulator,
    scanner: ScannerSimulator,
    camera: CameraSimulator,
    platform: FaultProxy,
) -> list[Fault]:
    strike_and_mend = (
        (reader.unplug, reader.replug),
        (printer.paper_out, printer.refill),
        (printer.unplug, printer.replug),
        (scanner.unplug, scanner.replug),
        (camera.unplug, camera.replug),
        (platform.down, platform.up),
        (lambda: platform.set_mode(SLOW_PLATFORM), platform.clear),
    )
    return [
        Fault(name, strike, mend)
        for name, (strike, mend) in zip(FAULT_NAMES, strike_and_mend, strict=True)
    ]


class FaultPlan:
    """Before each tap, strikes a fault with probability `per_tap` when none is on; a fault is
    mended after 1 to `longest` visits have ended."""

    def __init__(self, faults: list[Fault], rng: random.Random, per_tap: float, longest: int = 3):
        self.faults, self.rng, self.per_tap, self.longest = faults, rng, per_tap, longest
        self.struck: Counter[str] = Counter()
        self.active: Fault | None = None
        self._visits_left = 0

    def before_tap(self) -> None:
        if self.active is None and self.rng.random() < self.per_tap:
            self.active = self.rng.choice(self.faults)
            self._visits_left = self.rng.randint(1, self.longest)
            self.struck[self.active.name] += 1
            self.active.strike()

    def visit_ended(self) -> None:
        if self.active is not None:
            self._visits_left -= 1
            if self._visits_left <= 0:
                self.mend()

    def mend(self) -> None:
        if self.active is not None:
            self.active.mend()
            self.active = None
