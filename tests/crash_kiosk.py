"""A kiosk-side process for the crash test: it queues records and syncs them until killed.

    python -m tests.crash_kiosk DATA_DIR PLATFORM_URL KIOSK_ID RUN [--drain]

Prints `ready` once the queue is open, then `queued RUN I` for every record whose enqueue has
returned (every tenth round queues a linked bundle of three at once). With `--drain` it queues
nothing, waits until the platform has every record and prints `drained HEAD_SEQ`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pydantic import JsonValue

from offline_queue.outbox import Outbox, QueuePaths
from offline_queue.sync import SyncSettings

SETTINGS = SyncSettings(batch_records=20, backoff_base_s=0.02, backoff_cap_s=0.2, heartbeat_s=1.0)
DRAIN_TIMEOUT_S = 120.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("platform_url")
    parser.add_argument("kiosk_id")
    parser.add_argument("run", type=int)
    parser.add_argument("--drain", action="store_true")
    args = parser.parse_args()
    outbox = Outbox.open(
        QueuePaths.under(args.data_dir),
        kiosk_id=args.kiosk_id,
        site_id="crash-test",
        platform_url=args.platform_url,
        verify_tls=True,
        publish=lambda event: None,
        settings=SETTINGS,
        timeout_s=2.0,
    )
    print("ready", flush=True)
    if args.drain:
        return _drain(outbox)
    i = 0
    while True:
        if i % 10 == 9:
            bundle = [("application", _payload(args.run, i + n)) for n in range(3)]
            outbox.submit_all(bundle).result()
            numbers = range(i, i + 3)
        else:
            outbox.submit("audit", _payload(args.run, i)).result()
            numbers = range(i, i + 1)
        print("".join(f"queued {args.run} {n}\n" for n in numbers), end="", flush=True)
        i += len(numbers)


def _payload(run: int, i: int) -> dict[str, JsonValue]:
    return {"run": run, "i": i, "name": "王秀英", "id_number": "11010119580312002X"}


def _drain(outbox: Outbox) -> int:
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        stats = outbox.stats().result()
        if stats.counts["pending"] == stats.counts["in_flight"] == 0:
            head = outbox.head().result()
            print(f"drained {head.seq} rejected {stats.counts['rejected']}", flush=True)
            outbox.close()
            return 0
        time.sleep(0.05)
    print(f"not drained: {outbox.stats().result()}", flush=True)
    outbox.close()
    return 1


if __name__ == "__main__":
    sys.exit(main())
