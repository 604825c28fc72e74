"""Durable enqueue rate against raw SQLite, and the drain time of a backlog (DESIGN.md §8).

Enqueue: records through `QueueStore` (one writer thread, canonical JSON, hash chain, AES-GCM,
`BEGIN IMMEDIATE`, one commit per record, the caller waiting for each commit) against plain
`sqlite3` inserts of rows of the same size with the same settings (WAL, `synchronous=FULL`,
one `BEGIN IMMEDIATE … COMMIT` per row), in the same run, on the same disk, rounds alternating.
Target: at least 0.5× the raw rate.

Drain: a backlog of records queued while offline, then the sync worker sending it to a local
`central` (a real server process over loopback) until the platform has accepted every record.
Target: 100,000 records in under 60 s.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import JsonValue

from central.process import CentralProcess
from offline_queue.outbox import Outbox, QueuePaths
from offline_queue.store import QueueStore
from offline_queue.sync import SyncSettings
from offline_queue.wire import canonical_json

KIOSK = "K-BENCH-0001"
PAYLOAD: dict[str, JsonValue] = {
    "service": "elder_card",
    "case": "C-20261122-000123",
    "name": "王秀英",
    "id_number": "11010119580312002X",
    "phone": "13800138000",
    "address": "北京市东城区景山前街4号",
    "items": ["老年人优待证"],
}
ROUNDS = 5
ENQUEUE_TARGET = 0.5
DRAIN_TARGET_S = 60.0


def run(enqueues: int, backlog: int) -> dict[str, Any]:
    """`rows`, and `drain_progress`: [seconds, records accepted] while the backlog drains."""
    with tempfile.TemporaryDirectory(dir=_disk_dir()) as workdir:
        work = Path(workdir)
        enqueue = _enqueue_row(work, enqueues)
        drain, progress = _drain(work, backlog)
        return {"rows": [enqueue, drain], "drain_progress": progress}


def _disk_dir() -> Path | None:
    """A directory on the disk the kiosk writes to (not a RAM-backed /tmp), if writable."""
    var = Path(__file__).resolve().parent.parent / "var"
    try:
        var.mkdir(exist_ok=True)
    except OSError:
        return None
    return var


def _enqueue_row(work: Path, enqueues: int) -> dict[str, object]:
    per_round = max(1, enqueues // ROUNDS)
    raw = _RawTable(work / "raw.sqlite", len(canonical_json(PAYLOAD)) + 28)  # + nonce and tag
    store = QueueStore(work / "queue.sqlite", work / "keys" / "queue.key", KIOSK)
    raw_rates, queue_rates = [], []
    try:
        for _ in range(ROUNDS):
            raw_rates.append(raw.rate(per_round))
            started = time.perf_counter()
            for _ in range(per_round):
                store.enqueue("application", PAYLOAD).result()
            queue_rates.append(per_round / (time.perf_counter() - started))
    finally:
        store.close()
        raw.close()
    value, baseline = statistics.median(queue_rates), statistics.median(raw_rates)
    ratio = value / baseline
    return {
        "measure": "durable enqueue (records/s)",
        "value": value,
        "baseline": baseline,
        "ratio": ratio,
        "target": f">= {ENQUEUE_TARGET}x raw",
        "pass": ratio >= ENQUEUE_TARGET,
        "n": per_round * ROUNDS,
        "baseline_is": "raw sqlite3 insert, WAL, synchronous=FULL, a commit per row",
    }


class _RawTable:
    def __init__(self, path: Path, payload_bytes: int) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(
            "CREATE TABLE records (seq INTEGER PRIMARY KEY, kind TEXT, created TEXT,"
            " payload BLOB, prev_hash TEXT, hash TEXT, state TEXT)"
        )
        self._payload = b"x" * payload_bytes
        self._seq = 0

    def rate(self, count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            self._seq += 1
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute(
                "INSERT INTO records VALUES (?, 'application', '2026-11-22T10:00:00.000Z', ?,"
                " ?, ?, 'pending')",
                (self._seq, self._payload, "0" * 64, "1" * 64),
            )
            self._conn.execute("COMMIT")
        return count / (time.perf_counter() - started)

    def close(self) -> None:
        self._conn.close()


def _drain(work: Path, backlog: int) -> tuple[dict[str, object], list[tuple[float, int]]]:
    paths = QueuePaths.under(work / "kiosk")
    store = QueueStore(paths.database, paths.data_key, KIOSK)
    try:
        for start in range(0, backlog, 1000):
            chunk = min(1000, backlog - start)
            store.enqueue_many([("application", PAYLOAD)] * chunk).result()
    finally:
        store.close()
    with CentralProcess(work / "central.sqlite") as central:
        started = time.perf_counter()
        outbox = Outbox.open(
            paths,
            kiosk_id=KIOSK,
            site_id="bench",
            platform_url=central.url,
            verify_tls=True,
            publish=lambda event: None,
            settings=SyncSettings(heartbeat_s=3600.0),
        )
        progress: list[tuple[float, int]] = []
        try:
            while True:
                counts = outbox.stats().result().counts
                progress.append((time.perf_counter() - started, counts["acked"]))
                if counts["pending"] == counts["in_flight"] == 0:
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            acked = counts["acked"]
        finally:
            outbox.close()
    scaled = elapsed * 100_000 / backlog
    row = {
        "measure": f"drain {backlog} records to a local central (s)",
        "value": elapsed,
        "baseline": DRAIN_TARGET_S * backlog / 100_000,
        "ratio": scaled / DRAIN_TARGET_S,
        "target": f"100,000 in < {DRAIN_TARGET_S:.0f} s",
        "pass": scaled < DRAIN_TARGET_S and acked == backlog,
        "n": acked,
        "baseline_is": "the target, scaled to the backlog",
    }
    return row, progress
