"""`python -m bench report`: runs every benchmark and writes docs/PERFORMANCE.md, a table per
benchmark (value, baseline, ratio, target, pass) and charts beside it in docs/performance/.

Each benchmark runs in a process of its own, as `python -m bench NAME --json` (each needs its
own QApplication, and start-up is measured from a fresh process anyway). The soak takes hours
at full length, so the report uses the last `python -m bench soak` result unless told to run
one (`--soak-visits N`).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import charts
from bench.output import RESULTS, provenance
from bench.queue import DRAIN_TARGET_S
from bench.verdicts import Verdict, verdicts

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RUN_TIMEOUT_S = 3 * 3600
DRAIN_TARGET_RECORDS = 100_000  # the queue issue's backlog


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    args: tuple[str, ...]  # the full run
    quick: tuple[str, ...]  # a run that only shows the report works


BENCHMARKS = (
    Benchmark("startup", "Start-up", ("--runs", "15"), ("--runs", "1")),
    Benchmark("ui", "Tap to painted screen", ("--visits", "10"), ("--visits", "1")),
    Benchmark("decode", "QR decoding", (), ("--samples", "12", "--frames", "6")),
    Benchmark("idcard", "ID card reads", ("--reads", "30"), ("--reads", "3")),
    Benchmark(
        "queue",
        "Durable queue and drain",
        ("--enqueues", "1500", "--backlog", "100000"),
        ("--enqueues", "100", "--backlog", "600"),
    ),
)

_DEVICES_UP_OR_DOWN = (
    "a sample counts the threads and open files of the moment, and a device a fault has taken "
    "down has no worker thread and no open port: with faults striking all through the run, "
    "the counts move by one or two either way (the series stays within the same band from "
    "warm-up to end, and the last sample is below the warm-up's median; a leak would climb). "
    "What would fix it: take the vitals only while every device is online."
)

# Why a target is missed, and what would fix it, by the start of its measure. A miss without an
# entry here is reported as unexplained.
EXPLAINED: dict[str, str] = {
    "visits played": (
        "the soak played less than a month of visits: it was asked for fewer (`--visits`) or "
        "stopped by `--minutes` or a signal. A visit takes the time its devices and citizen "
        "take (a card read, a print, an elder turning her head): this 2-core machine plays "
        "3,300 to 3,600 visits an hour with faults, so 10,000 visits take about 3 hours, as "
        "long as the work sessions this report is written in. What would fix it: "
        "`python -m bench soak` on a machine left to run for longer, then `python -m bench "
        "report`."
    ),
    "thread growth": _DEVICES_UP_OR_DOWN,
    "open file growth": _DEVICES_UP_OR_DOWN,
}


def run(quick: bool, soak_visits: int | None, out: Path) -> int:
    """Writes the report into `out` (PERFORMANCE.md, performance/*.png); 1 if a target was
    missed without an explanation."""
    documents = {b.name: _run(b.name, b.quick if quick else b.args) for b in BENCHMARKS}
    documents["soak"] = _soak(soak_visits, quick)
    charts_dir = out / "performance"
    _charts(documents, charts_dir)
    text = _markdown(documents, quick, charts_dir.relative_to(out))
    out.mkdir(parents=True, exist_ok=True)
    (out / "PERFORMANCE.md").write_text(text, encoding="utf-8")
    print(f"bench report: wrote {out / 'PERFORMANCE.md'} and {charts_dir}/", file=sys.stderr)
    unexplained = [v for v in _all_verdicts(documents) if v.passed is False and not _why(v)]
    for verdict in unexplained:
        print(f"bench report: missed, unexplained: {verdict.measure}", file=sys.stderr)
    return 1 if unexplained else 0


def _run(name: str, args: tuple[str, ...]) -> dict[str, Any]:
    print(f"bench report: running {name} {' '.join(args)}", file=sys.stderr, flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "bench", name, "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")},
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench {name} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _soak(visits: int | None, quick: bool) -> dict[str, Any]:
    saved = RESULTS / "soak.json"
    if visits is None and saved.exists():
        document: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8"))
        return document
    faults = ("--fault-rate", "0") if quick else ()  # faults get their own test
    return _run("soak", ("--visits", str(visits or 600), *faults))


def _charts(documents: dict[str, dict[str, Any]], directory: Path) -> None:
    charts.soak_vitals(documents["soak"]["samples"], directory / "soak-vitals.png")
    charts.decode_rates(documents["decode"]["rows"], directory / "decode-rates.png")
    progress = documents["queue"]["drain_progress"]
    charts.drain(progress, DRAIN_TARGET_S, DRAIN_TARGET_RECORDS, directory / "drain.png")


# -- the document ----------------------------------------------------------------------------


def _markdown(documents: dict[str, dict[str, Any]], quick: bool, charts_dir: Path) -> str:
    lines = [
        "# Performance",
        "",
        "Written by `python -m bench report`; do not edit by hand. "
        "How each benchmark measures is in its module's docstring, quoted below.",
        "",
        *_machine(),
        "",
    ]
    if quick:
        lines += ["**A quick run** (`--quick`): every benchmark made small; not the figures.", ""]
    every = [(name, v) for name, document in documents.items() for v in verdicts(name, document)]
    lines += ["## Every target", "", *_table([v for _, v in every], [name for name, _ in every])]
    missed = [v for v in _all_verdicts(documents) if v.passed is False]
    if missed:
        lines += ["", "## Missed targets", ""]
        lines += [f"- **{v.measure}**: {_why(v) or 'not explained yet.'}" for v in missed]
    for benchmark in (*BENCHMARKS, Benchmark("soak", "Soak", (), ())):
        document = documents[benchmark.name]
        lines += ["", f"## {benchmark.title}", "", _command(benchmark, document, quick), ""]
        lines += [_docstring(benchmark.name), ""]
        lines += _table(verdicts(benchmark.name, document))
        lines += _details(benchmark.name, document, charts_dir)
    return "\n".join(lines) + "\n"


def _machine() -> list[str]:
    import PySide6

    now = provenance()
    return [
        f"- When: {now['ended']}, commit `{now['commit']}`",
        f"- Machine: {os.cpu_count()} cores ({_cpu()}), {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, PySide6 {PySide6.__version__}",
    ]


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _table(found: list[Verdict], benchmarks: list[str] | None = None) -> list[str]:
    """A Markdown table of `found`; with `benchmarks`, a first column naming each one's."""
    head = ["measure", "value", "baseline", "ratio", "target", "result"]
    rows = [[v.measure, v.value, v.baseline, v.ratio, v.target, v.mark] for v in found]
    if benchmarks is not None:
        head = ["benchmark", *head]
        rows = [[name, *row] for name, row in zip(benchmarks, rows, strict=True)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return lines


def _all_verdicts(documents: dict[str, dict[str, Any]]) -> list[Verdict]:
    return [v for name, document in documents.items() for v in verdicts(name, document)]


def _why(verdict: Verdict) -> str:
    return next((why for start, why in EXPLAINED.items() if verdict.measure.startswith(start)), "")


def _command(benchmark: Benchmark, document: dict[str, Any], quick: bool) -> str:
    if benchmark.name == "soak":  # run on its own, maybe long before the report
        options = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in document["options"].items())
        run = f"ended {document['ended']} at commit `{document['commit']}`"
        return f"`python -m bench soak {options}`, {run}"
    args = benchmark.quick if quick else benchmark.args
    return f"`python -m bench {' '.join((benchmark.name, *args))}`"


def _docstring(name: str) -> str:
    module = importlib.import_module(f"bench.{name}")
    return (module.__doc__ or "").strip()


def _details(name: str, document: dict[str, Any], charts_dir: Path) -> list[str]:
    if name == "decode":
        return [
            "",
            *_raw_table(document["rows"]),
            "",
            f"![decode rates]({charts_dir}/decode-rates.png)",
        ]
    if name == "queue":
        return ["", f"![drain]({charts_dir}/drain.png)"]
    if name == "soak":
        return _soak_details(document, charts_dir)
    return ["", *_raw_table(document["rows"])]


def _soak_details(document: dict[str, Any], charts_dir: Path) -> list[str]:
    hours, rate = document["seconds"] / 3600, document["visits_per_hour"]
    lines = [
        "",
        f"{document['visits']:,} visits in {hours:.1f} h ({rate:,.0f} an hour); the queue "
        f"drained in {document['drain_s']:.1f} s after the last fault was mended.",
        "",
        "| service | " + " | ".join(OUTCOMES) + " | median visit (s) |",
        "|" + "---|" * (len(OUTCOMES) + 2),
    ]
    for service, outcome in document["outcomes"].items():
        counts = " | ".join(str(int(outcome.get(o, 0))) for o in OUTCOMES)
        lines.append(f"| {service} | {counts} | {outcome['median_s']:.1f} |")
    lines += ["", "Faults struck: " + ", ".join(f"{k} {v}" for k, v in document["faults"].items())]
    if "recoveries" in document:  # older soak documents lack it
        lines += ["", "Devices back after their fault was mended (median / longest seconds): "]
        lines[-1] += ", ".join(
            f"{name} {r['median_s']:.1f} / {r['longest_s']:.1f}"
            for name, r in document["recoveries"].items()
        )
        if document["never_recovered"]:
            lines[-1] += "; never back: " + ", ".join(document["never_recovered"])
    if document["reasons"]:
        lines += ["", "Why visits did not finish (what the screen said, most common first):", ""]
        lines += [f"- {count} × {reason}" for reason, count in document["reasons"]]
    lines += ["", f"![soak vitals]({charts_dir}/soak-vitals.png)"]
    return lines


OUTCOMES = ("finished", "turned away", "interrupted")


def _raw_table(rows: list[dict[str, Any]]) -> list[str]:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{row[c]:.3g}" if isinstance(row[c], float) else str(row[c]) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
