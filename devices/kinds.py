"""Which adapter and which simulator serve each device kind of the config.

Modules are imported only for the kinds a site configures: a kiosk without a camera never
loads OpenCV, and one without an A4 printer never loads the PDF library.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from devices.device import Device

ADAPTERS = {
    "id_card_reader": "devices.idcard.reader",
    "serial_scanner": "devices.scanner",
    "wedge_scanner": "devices.wedge",
    "camera": "devices.camera",
    "receipt_printer": "devices.printing.receipt",
    "a4_printer": "devices.printing.a4",
}


class Simulator(Protocol):
    @property
    def address(self) -> str: ...  # the port or URL the adapter opens

    def start(self) -> None: ...

    def stop(self) -> None: ...


def build(kind: str, name: str, port: str, options: Mapping[str, object]) -> Device:
    """The adapter for one `[devices.NAME]` table; `ValueError("option ...")` for bad options."""
    module = importlib.import_module(ADAPTERS[kind])
    device: Device = module.build(name, port, options)
    return device


def simulator(kind: str, workdir: Path) -> Simulator | None:
    """A simulator for `simulated = true`, started; None for kinds that need none."""
    sim: Simulator
    workdir.mkdir(parents=True, exist_ok=True)
    if kind == "id_card_reader":
        from devices.sim.idcard import IdCardSimulator

        sim = IdCardSimulator(workdir)
    elif kind == "serial_scanner":
        from devices.sim.scanner import ScannerSimulator

        sim = ScannerSimulator(workdir)
    elif kind == "camera":
        from devices.sim.camera import CameraSimulator

        sim = CameraSimulator()
    elif kind == "receipt_printer":
        from devices.sim.printer import PrinterSimulator

        sim = PrinterSimulator(workdir / "receipts")
    else:  # a wedge scanner is the keyboard; an A4 printer simulates itself by writing PDFs
        return None
    sim.start()
    return sim
