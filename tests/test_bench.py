"""The benchmarks run and report their baseline; their numbers are judged in the notes, not here."""

from __future__ import annotations

import json
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
