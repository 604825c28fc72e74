"""A serial code scanner on a pseudo-terminal: each scan is the code's bytes and a line end.

`python -m devices.sim scanner` prints the port to open, then sends every line typed on stdin
as a scan.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from devices.sim.pty_port import PtyPort

ENDINGS = {"cr": "\r", "lf": "\n", "crlf": "\r\n"}


class ScannerSimulator:
    def __init__(self, workdir: Path, name: str = "scanner") -> None:
        self.link = workdir / name
        self._pty: PtyPort | None = None

    @property
    def address(self) -> str:
        """The port the adapter opens: a symlink to the pty, like /dev/serial/by-id/..."""
        return str(self.link)

    def start(self) -> None:
        if self._pty is None:
            self._pty = PtyPort(self.link)

    def stop(self) -> None:
        if self._pty is not None:
            self._pty.close()
            self._pty = None

    def scan(self, code: str | bytes, ending: str = "\r\n") -> bool:
        """Send a code as the scanner does; False when unplugged or stopped."""
        data = code.encode() if isinstance(code, str) else code
        return self.send(data + ending.encode())

    def send(self, data: bytes) -> bool:
        """Send raw bytes (split codes, garbage, a wrong baud rate's noise)."""
        return self._pty is not None and self._pty.write(data)

    def unplug(self) -> None:
        if self._pty is not None:
            self._pty.unplug()

    def replug(self) -> None:
        if self._pty is not None:
            self._pty.replug()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", type=Path, help="where to put the port's link (default: a temp dir)"
    )
    parser.add_argument("--ending", choices=sorted(ENDINGS), default="crlf", help="line end")


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        simulator = ScannerSimulator(args.dir or Path(temporary))
        simulator.start()
        print(simulator.address, flush=True)
        try:
            for line in sys.stdin:
                simulator.scan(line.rstrip("\r\n"), ENDINGS[args.ending])
        except KeyboardInterrupt:
            pass
        finally:
            simulator.stop()
