"""Crash test: kill the kiosk-side process with SIGKILL at random moments while it queues and
syncs, restart it, again and again; then let it drain. The platform must end with every record
whose enqueue returned, exactly once, in sequence, its chain intact.

Two kiosks run side by side against one real `central`, so the run uses both cores and the
platform sees interleaved batches. Kill moments are drawn from the whole life of the process,
so some land while it starts (creating its keys and database), most while it commits records
and sends batches.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from central.process import CentralProcess, stored_records
from tests.central_server import assert_chain_intact

ROOT = Path(__file__).resolve().parent.parent
KIOSKS = ("K-CRASH-A", "K-CRASH-B")
KILLS_PER_KIOSK = 105  # 210 in all
LIFETIME_S = (0.05, 0.7)  # a process lives this long before its SIGKILL (start-up is ~0.3 s)
BUSY_S = (0.0, 0.4)  # or this long after it says it is ready and starts queuing


@dataclass
class Lane:
    kiosk_id: str
    data_dir: Path
    queued: set[tuple[int, int]] = field(default_factory=set)  # (run, i) whose enqueue returned
    kills: int = 0
    drained: str = ""


def spawn(lane: Lane, url: str, run: int, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.crash_kiosk", str(lane.data_dir), url, lane.kiosk_id]
    return subprocess.Popen(
        [*command, str(run), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def crash_repeatedly(lane: Lane, url: str, seed: int) -> None:
    rng = random.Random(seed)
    for run in range(KILLS_PER_KIOSK):
        process = spawn(lane, url, run)
        if rng.random() < 0.5:  # anywhere: opening the store, migrating, the first records
            time.sleep(rng.uniform(*LIFETIME_S))
        else:  # while it is busy queuing, however long start-up takes on a loaded machine
            assert process.stdout is not None
            process.stdout.readline()  # "ready" (or nothing, if it died by itself)
            time.sleep(rng.uniform(*BUSY_S))
        process.kill()
        output, _ = process.communicate()
        lane.kills += 1
        for line in output.splitlines():  # a line cut by the kill has no newline: not counted
            words = line.split()
            if len(words) == 3 and words[0] == "queued":
                lane.queued.add((int(words[1]), int(words[2])))


@pytest.mark.timeout(600)
def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    with CentralProcess(tmp_path / "central.sqlite") as central:
        lanes = [Lane(kiosk_id, tmp_path / kiosk_id) for kiosk_id in KIOSKS]
        threads = [
            threading.Thread(target=crash_repeatedly, args=(lane, central.url, seed))
            for seed, lane in enumerate(lanes)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        for lane in lanes:
            drain = spawn(lane, central.url, KILLS_PER_KIOSK, "--drain")
            output, _ = drain.communicate(timeout=180)
            assert drain.returncode == 0, output
            lane.drained = output.splitlines()[-1]

        assert sum(lane.kills for lane in lanes) >= 200
        for lane in lanes:
            records = stored_records(central.url, lane.kiosk_id)
            # Every record is on the platform once, in sequence, chained, accepted.
            assert_chain_intact(records, lane.kiosk_id)
            assert {r["status"] for r in records} == {"accepted"}
            assert lane.drained == f"drained {len(records)} rejected 0"
            # No enqueue happened twice, and every one that returned is there.
            made = [(r["payload"]["run"], r["payload"]["i"]) for r in records]
            assert len(made) == len(set(made))
            assert lane.queued <= set(made), sorted(lane.queued - set(made))[:10]
            assert len(lane.queued) > 200  # the kills fell while it was busy queuing
