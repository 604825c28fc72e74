"""`python -m devices.sim idcard|scanner|printer|camera ...`: run one simulator by hand."""

from __future__ import annotations

import argparse
import importlib
import signal

KINDS = {
    "idcard": "an ID card reader (SAM protocol) on a pseudo-terminal",
    "scanner": "a serial code scanner on a pseudo-terminal",
    "printer": "an ESC/POS receipt printer on a pseudo-terminal or TCP port",
    "camera": "a camera streaming images or video as MJPEG over HTTP",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devices.sim")
    kinds = parser.add_subparsers(dest="kind", required=True)
    for kind, help_text in KINDS.items():
        module = importlib.import_module(f"devices.sim.{kind}")
        module.add_arguments(kinds.add_parser(kind, help=help_text))
    args = parser.parse_args()
    # Ctrl-C or a plain `kill` stops a simulator cleanly (each ends its run on
    # KeyboardInterrupt), even one started in the background or by a process that ignores
    # SIGINT: a child inherits that, and Python then never raises KeyboardInterrupt.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.default_int_handler)
    importlib.import_module(f"devices.sim.{args.kind}").run(args)


if __name__ == "__main__":
    main()
