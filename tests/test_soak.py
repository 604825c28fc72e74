"""The soak, short (issue 8): every service played in full on the real window, simulators and a
real central, with faults striking often. Whatever the faults do, every visit ends (finished,
or told why), every record a visit made reaches the platform once, and nothing is raised in the
kiosk. Memory and thread growth need thousands of visits: `python -m bench soak` judges them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.soak import MIX, ROUND
from tests.conftest import ROOT

VISITS = len(ROUND)  # one round: every service of the mix
SOAK = (sys.executable, "-m", "bench", "soak", "--json")


def soak(*options: str) -> dict[str, Any]:
    """The document of `python -m bench soak` run with `options`."""
    result = subprocess.run(
        [*SOAK, *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_a_short_soak_with_frequent_faults_loses_and_repeats_nothing() -> None:
    document = soak("--visits", str(VISITS), "--fault-rate", "0.04", "--seed", "3")
    rows = {row["measure"]: row for row in document["rows"]}
    verdicts = ("visits finished", "records accepted by the platform",
                "records of finished visits lost", "records held twice",
                "errors raised in the kiosk",
                "longest a device stayed down after its fault was mended (s)")  # fmt: skip
    said = {k: document[k] for k in ("outcomes", "faults", "reasons", "lost", "errors")}
    for measure in verdicts:
        assert rows[measure]["pass"], (rows[measure], said)
    # The finished visits' case numbers (records, tickets, ratings) that were looked for.
    assert rows["records of finished visits lost"]["baseline"] >= 3, said
    assert set(document["outcomes"]) == set(MIX)  # every service played
    assert sum(document["faults"].values()) >= 2, said
    assert rows["visits finished"]["value"] >= VISITS // 3, said
    assert len(document["samples"]) == VISITS  # vitals after every visit of a short run
    device_faults = set(document["faults"]) - {"platform down", "platform slow"}
    assert set(document["recoveries"]) == device_faults, said
    assert document["never_recovered"] == []


def test_a_soak_can_strike_one_kind_of_fault_to_find_what_it_costs() -> None:
    document = soak("--visits", "4", "--fault-rate", "0.5", "--fault", "printer out of paper")
    assert set(document["faults"]) == {"printer out of paper"}, document["faults"]
    assert document["options"]["faults"] == ["printer out of paper"]
    assert all(s["rss_anon_mb"] < s["rss_mb"] for s in document["samples"])


def test_a_soak_stopped_by_sigterm_reports_what_it_played_and_leaves_no_central() -> None:
    soak = subprocess.Popen(
        [*SOAK, "--visits", "500"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        assert soak.stderr is not None
        for line in soak.stderr:  # progress every 5 visits
            if line.startswith("soak: 5/500 visits"):
                break
        children = Path(f"/proc/{soak.pid}/task/{soak.pid}/children").read_text().split()
        assert children, "the soak runs its central as a child"
        soak.send_signal(signal.SIGTERM)
        out, err = soak.communicate(timeout=300)
    finally:
        soak.kill()
    assert soak.returncode == 0, err[-3000:]
    document = json.loads(out)
    assert document["stopped_by_signal"] is True
    assert 5 <= document["visits"] < 500
    rows = {row["measure"]: row for row in document["rows"]}
    assert rows["records of finished visits lost"]["pass"], document["lost"]
    assert rows["records accepted by the platform"]["pass"]
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "central left running"


def test_a_fault_the_soak_does_not_know_is_refused_with_the_ones_it_does() -> None:
    result = subprocess.run(
        [*SOAK, "--fault", "meteor strike"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "invalid choice: 'meteor strike'" in result.stderr
    assert "camera unplugged" in result.stderr
