"""`python -m bench NAME [--json]`: run one benchmark."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import decode, idcard, queue, report, soak, startup, ui
from bench.faults import FAULT_NAMES
from bench.output import emit


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
    codes.add_argument("--samples", type=int, help="only the first N dataset images (default: all)")
    codes.add_argument("--frames", type=int, default=60, help="generated phone frames")
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
    month = commands.add_parser(
        "soak", help="full visits of every service with random faults: records, memory, threads"
    )
    month.add_argument("--visits", type=int, default=10_000)
    month.add_argument("--minutes", type=float, help="stop after this long, if sooner")
    month.add_argument("--seed", type=int, default=1)
    month.add_argument(
        "--fault-rate", type=float, default=0.01, help="chance of a fault before each tap"
    )
    month.add_argument(
        "--fault",
        action="append",
        choices=FAULT_NAMES,
        help="strike only this fault (repeatable; default: every fault)",
    )
    month.add_argument("--json", action="store_true", help="print JSON instead of a table")
    everything = commands.add_parser(
        "report", help="run every benchmark; write docs/PERFORMANCE.md and its charts"
    )
    everything.add_argument("--quick", action="store_true", help="small runs: checks the report")
    everything.add_argument(
        "--soak-visits", type=int, help="run a soak this long (default: the last soak's result)"
    )
    everything.add_argument("--out", type=Path, default=report.DOCS, help="where to write")
    args = parser.parse_args()
    if args.name == "startup":
        emit("startup", startup.run(args.runs), args.json)
    elif args.name == "idcard":
        emit("idcard", idcard.run(args.reads), args.json)
    elif args.name == "decode":
        emit("decode", decode.run(frames=args.frames, samples=args.samples), args.json)
    elif args.name == "queue":
        document = queue.run(args.enqueues, args.backlog)
        emit("queue", document.pop("rows"), args.json, document)
    elif args.name == "ui":
        emit("ui", ui.run(args.visits, args.voice), args.json)
    elif args.name == "report":
        sys.exit(report.run(args.quick, args.soak_visits, args.out))
    elif args.name == "soak":
        document = soak.run(args.visits, args.seed, args.fault_rate, args.minutes, args.fault)
        emit("soak", document.pop("rows"), args.json, document)


if __name__ == "__main__":
    main()
