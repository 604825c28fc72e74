"""`python -m bench NAME [--json]`: run one benchmark."""

from __future__ import annotations

import argparse

from bench import decode, idcard, queue, startup, ui
from bench.report import emit


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    commands = parser.add_subparsers(dest="name", required=True)
    start = commands.add_parser("startup", help="start-up to first paint vs a bare PySide6 window")
    start.add_argument("--runs", type=int, default=9)
    start.add_argument("--json", action="store_true", help="print JSON instead of a table")
    read = commands.add_parser("idcard", help="a full ID card read vs the serial wire time")
    read.add_argument("--reads", type=int, default=30)
    read.add_argument("--json", action="store_true", help="print JSON instead of a table")
    codes = commands.add_parser("decode", help="QR decoder chain vs each library alone")
    codes.add_argument("--json", action="store_true", help="print JSON instead of a table")
    records = commands.add_parser(
        "queue", help="durable enqueue rate vs raw SQLite; drain time of a backlog to central"
    )
    records.add_argument("--enqueues", type=int, default=1500)
    records.add_argument("--backlog", type=int, default=100_000)
    records.add_argument("--json", action="store_true", help="print JSON instead of a table")
    taps = commands.add_parser(
        "ui", help="tap to painted screen over scripted elder-mode visits with voice on"
    )
    taps.add_argument("--visits", type=int, default=10)
    taps.add_argument(
        "--voice",
        choices=("auto", "qt", "espeak", "silent", "record"),
        default="auto",
        help="the speech engine (auto: as the kiosk picks it)",
    )
    taps.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    if args.name == "startup":
        emit("startup", startup.run(args.runs), args.json)
    elif args.name == "idcard":
        emit("idcard", idcard.run(args.reads), args.json)
    elif args.name == "decode":
        emit("decode", decode.run(), args.json)
    elif args.name == "queue":
        emit("queue", queue.run(args.enqueues, args.backlog), args.json)
    elif args.name == "ui":
        emit("ui", ui.run(args.visits, args.voice), args.json)


if __name__ == "__main__":
    main()
