"""Tampering with the kiosk's queue database is found by the platform, reported, not accepted.

The attacker here holds the disk and the key files, so can re-seal what they alter; the hash
chain and the platform's copy of it are what give them away.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from central.process import CentralProcess, stored_records
from offline_queue.keys import load_or_create_data_key
from offline_queue.outbox import Outbox, QueuePaths
from offline_queue.sealing import Sealer
from offline_queue.status import SyncStatus
from offline_queue.store import QueueStore, payload_aad
from offline_queue.sync import SyncSettings
from offline_queue.wire import idempotency_key
from tests.central_server import kiosk_summary
from tests.waiting import wait_until

KIOSK = "K-TAMPER-01"
SETTINGS = SyncSettings(backoff_base_s=0.05, backoff_cap_s=0.3, heartbeat_s=0.3)
Tamper = Callable[[sqlite3.Connection, Sealer], None]


def queue_five(paths: QueuePaths) -> None:
    with QueueStore(paths.database, paths.data_key, KIOSK) as store:
        store.enqueue_many(
            [("application", {"case": f"C-{n}", "姓名": "赵敏"}) for n in range(1, 6)]
        ).result()


def sync(paths: QueuePaths, url: str) -> tuple[Outbox, list[SyncStatus]]:
    statuses: list[SyncStatus] = []
    outbox = Outbox.open(
        paths,
        kiosk_id=KIOSK,
        site_id="test-site",
        platform_url=url,
        verify_tls=True,
        publish=lambda e: statuses.append(e) if isinstance(e, SyncStatus) else None,
        settings=SETTINGS,
    )
    return outbox, statuses


def reseal(conn: sqlite3.Connection, sealer: Sealer, seq: int, new_seq: int) -> bytes:
    kind, sealed = conn.execute("SELECT kind, sealed FROM records WHERE seq = ?", (seq,)).fetchone()
    plain = sealer.open(sealed, payload_aad(idempotency_key(KIOSK, seq), kind))
    return sealer.seal(plain, payload_aad(idempotency_key(KIOSK, new_seq), kind))


def edit_time(conn: sqlite3.Connection, sealer: Sealer) -> None:
    conn.execute("UPDATE records SET created = '2020-01-01T00:00:00.000Z' WHERE seq = 3")


def edit_payload(conn: sqlite3.Connection, sealer: Sealer) -> None:
    kind, sealed = conn.execute("SELECT kind, sealed FROM records WHERE seq = 3").fetchone()
    aad = payload_aad(idempotency_key(KIOSK, 3), kind)
    forged = sealer.open(sealed, aad).replace(b"C-3", b"C-9")
    conn.execute("UPDATE records SET sealed = ? WHERE seq = 3", (sealer.seal(forged, aad),))


def drop(conn: sqlite3.Connection, sealer: Sealer) -> None:
    conn.execute("DELETE FROM records WHERE seq = 3")


def swap(conn: sqlite3.Connection, sealer: Sealer) -> None:
    """Records 3 and 4 change places, each re-sealed for its new place."""
    three, four = reseal(conn, sealer, 3, 4), reseal(conn, sealer, 4, 3)
    conn.execute("UPDATE records SET seq = -4, sealed = ? WHERE seq = 3", (three,))
    conn.execute("UPDATE records SET seq = 3, sealed = ? WHERE seq = 4", (four,))
    conn.execute("UPDATE records SET seq = 4 WHERE seq = -4")


CASES: dict[str, tuple[Tamper, str]] = {
    "edited time": (edit_time, "hash_mismatch"),
    "edited payload": (edit_payload, "hash_mismatch"),
    "dropped": (drop, "gap"),
    "reordered": (swap, "chain_broken"),
}


@pytest.mark.parametrize(("tamper", "code"), CASES.values(), ids=CASES.keys())
def test_tampered_records_are_found_reported_and_not_accepted(
    tmp_path: Path, central: CentralProcess, tamper: Tamper, code: str
) -> None:
    paths = QueuePaths.under(tmp_path / "kiosk")
    queue_five(paths)
    sealer = Sealer(load_or_create_data_key(paths.data_key, create=False))
    with closing(sqlite3.connect(paths.database)) as conn, conn:
        tamper(conn, sealer)

    outbox, statuses = sync(paths, central.url)
    try:
        wait_until(lambda: any(s.blocked for s in statuses), "sync blocked")
        stats = outbox.stats().result()
        # The kiosk's heartbeat tells the platform that sync stopped, and why.
        wait_until(lambda: kiosk_summary(central.url, KIOSK)["queue"]["blocked"], "heartbeat")
    finally:
        outbox.close()

    # Only the records before the tampered one are on the platform.
    assert [r["seq"] for r in stored_records(central.url, KIOSK)] == [1, 2]
    [rejected] = stats.rejected
    assert rejected.code == code and rejected.seq in (3, 4)
    assert stats.counts["acked"] == 2 and stats.counts["pending"] == 5 - 2 - 1 - (code == "gap")
    assert code in (stats.blocked or "") or str(rejected.seq) in (stats.blocked or "")
    # The platform reports it in its kiosk list.
    summary = kiosk_summary(central.url, KIOSK)
    assert any(alert.startswith(f"{code} at seq {rejected.seq}") for alert in summary["alerts"])


def test_a_delivered_record_altered_and_sent_again_is_refused_by_its_key(
    tmp_path: Path, central: CentralProcess
) -> None:
    paths = QueuePaths.under(tmp_path / "kiosk")
    queue_five(paths)
    outbox, _ = sync(paths, central.url)
    wait_until(lambda: outbox.stats().result().counts["acked"] == 5, "delivered")
    outbox.close()
    with closing(sqlite3.connect(paths.database)) as conn, conn:  # as if its answer was lost
        conn.execute(
            "UPDATE records SET state = 'pending', created = '2020-01-01T00:00:00.000Z'"
            " WHERE seq = 2"
        )

    outbox, _ = sync(paths, central.url)
    try:
        wait_until(lambda: outbox.stats().result().rejected, "refused")
        [rejected] = outbox.stats().result().rejected
    finally:
        outbox.close()
    assert (rejected.seq, rejected.code) == (2, "idempotency_conflict")
    stored = stored_records(central.url, KIOSK)
    assert stored[1]["created"] != "2020-01-01T00:00:00.000Z"  # the platform kept the original
    summary = kiosk_summary(central.url, KIOSK)
    assert any(alert.startswith("idempotency_conflict at seq 2") for alert in summary["alerts"])
