"""`python -m bench NAME [--json]`: run one benchmark."""

from __future__ import annotations

import argparse

from bench import startup
from bench.report import emit


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    commands = parser.add_subparsers(dest="name", required=True)
    start = commands.add_parser("startup", help="start-up to first paint vs a bare PySide6 window")
    start.add_argument("--runs", type=int, default=9)
    start.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    if args.name == "startup":
        emit("startup", startup.run(args.runs), args.json)


if __name__ == "__main__":
    main()
