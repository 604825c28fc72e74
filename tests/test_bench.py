"""The benchmarks run and report their baseline; their numbers are judged in the notes, not here."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def test_the_startup_benchmark_reports_kiosk_and_baseline_as_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "startup", "--runs", "1", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    rows = {row["measure"]: row for row in json.loads(result.stdout)["rows"]}
    assert set(rows) == {"bare PySide6 window", "kiosk attract screen"}
    assert rows["bare PySide6 window"]["ratio"] == 1.0
    assert rows["kiosk attract screen"]["median_s"] > 0


def test_the_queue_benchmark_compares_with_raw_sqlite_and_drains_to_central() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "queue", "--enqueues", "100", "--backlog", "600"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads((ROOT / "bench" / "results" / "queue.json").read_text("utf-8"))
    enqueue, drain = document["rows"]
    assert enqueue["baseline"] > 0 and enqueue["value"] > 0 and enqueue["n"] == 100
    assert drain["n"] == 600  # every record of the backlog was accepted by the platform
    assert "durable enqueue" in result.stdout and "drain 600" in result.stdout


def test_the_ui_benchmark_times_taps_of_a_scripted_visit_against_a_bare_window() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "ui", "--visits", "1", "--voice", "record", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    bare, kiosk = json.loads(result.stdout)["rows"]
    assert bare["target"] == "baseline" and bare["taps"] >= 20
    assert kiosk["taps"] >= 15  # every tap of the visit painted a new screen
    assert 0 < kiosk["p50_ms"] <= kiosk["p95_ms"] <= kiosk["max_ms"]
