"""The kiosk's durable, encrypted queue, on real SQLite files (DESIGN.md §4)."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import JsonValue

from offline_queue import wire
from offline_queue.keys import KeyFileError, load_or_create_data_key
from offline_queue.store import (
    MAX_PAYLOAD_BYTES,
    QueueDamagedError,
    QueueKeyError,
    QueueOwnerError,
    QueueStore,
)
from offline_queue.writer import InlineWorker, SerialWorker, Worker
from tests.conftest import ROOT

KIOSK = "kiosk-01"
START = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[QueueStore]:
    with open_store(tmp_path, clock=clock) as store:
        yield store


def open_store(
    directory: Path, *, kiosk: str = KIOSK, worker: Worker | None = None, clock: Clock | None = None
) -> QueueStore:
    return QueueStore(
        directory / "queue.sqlite",
        directory / "keys" / "queue.key",
        kiosk,
        worker=worker or InlineWorker(),
        clock=clock or Clock(),
    )


def results(records: list[wire.Record], status: wire.RecordStatus) -> list[wire.RecordResult]:
    return [
        wire.RecordResult(idempotency_key=r.idempotency_key, seq=r.seq, status=status)
        for r in records
    ]


def column(directory: Path, name: str) -> list[object]:
    """One column of every record, as a technician's sqlite3 shell would show it."""
    with closing(sqlite3.connect(directory / "queue.sqlite")) as conn:
        return [row[0] for row in conn.execute(f"SELECT {name} FROM records ORDER BY seq")]


def files(directory: Path) -> dict[str, str]:
    """Every database file next to the queue, by name, with a digest of its bytes."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in directory.iterdir()
        if path.is_file()
    }


def assert_chain(records: list[wire.Record], kiosk: str = KIOSK) -> None:
    """What the platform checks: gapless seqs from 1, each hash over its plaintext, linked."""
    prev = wire.GENESIS_HASH
    for seq, record in enumerate(records, start=1):
        assert record.seq == seq
        assert record.idempotency_key == wire.idempotency_key(kiosk, seq)
        assert record.prev_hash == prev
        expected = wire.record_hash(prev, kiosk, seq, record.kind, record.created, record.payload)
        assert record.hash == expected
        prev = record.hash


# --- the worker --------------------------------------------------------------------------------


def test_a_serial_worker_runs_work_in_order_on_its_own_thread() -> None:
    worker = SerialWorker("test-writer")
    ran: list[tuple[int, threading.Thread]] = []

    def note(i: int) -> None:
        ran.append((i, threading.current_thread()))

    futures = [worker.submit(functools.partial(note, i)) for i in range(50)]
    failed = worker.submit(lambda: 1 // 0)
    worker.close()  # finishes what was submitted
    assert all(f.done() for f in futures)
    assert [i for i, _ in ran] == list(range(50))
    assert len({thread for _, thread in ran}) == 1
    assert ran[0][1] is not threading.current_thread()
    assert isinstance(failed.exception(), ZeroDivisionError)
    with pytest.raises(RuntimeError, match="'test-writer' is closed"):
        worker.submit(lambda: None)


def test_an_inline_worker_runs_work_at_once_in_the_caller_thread() -> None:
    worker = InlineWorker()
    future = worker.submit(threading.current_thread)
    assert future.done() and future.result() is threading.current_thread()
    assert isinstance(worker.submit(lambda: 1 // 0).exception(), ZeroDivisionError)
    worker.close()
    with pytest.raises(RuntimeError, match="is closed"):
        worker.submit(lambda: None)


# --- the chain ---------------------------------------------------------------------------------


def test_concurrent_enqueues_get_gapless_seqs_and_a_valid_chain(tmp_path: Path) -> None:
    store = open_store(tmp_path, worker=SerialWorker("queue"))
    seen: dict[int, list[int]] = {}

    def kiosk_thread(n: int) -> None:
        seqs = [
            store.enqueue("rating", {"level": 5, "thread": n, "i": i}).result().seq
            for i in range(25)
        ]
        bundle = store.enqueue_many([("application", {"thread": n, "part": p}) for p in range(3)])
        linked = [e.seq for e in bundle.result()]
        assert linked == list(range(linked[0], linked[0] + 3))  # a bundle stays together
        seen[n] = seqs + linked

    threads = [threading.Thread(target=kiosk_thread, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = sorted(seq for seqs in seen.values() for seq in seqs)
    assert every == list(range(1, 4 * 28 + 1))
    assert all(seqs == sorted(seqs) for seqs in seen.values())  # each caller's order is kept

    batch = store.take_batch(1000, 10**7).result()
    assert_chain(batch)
    head = store.head().result()
    assert (head.seq, head.hash) == (112, batch[-1].hash)
    store.close()


def test_a_record_carries_what_was_enqueued(store: QueueStore) -> None:
    done = store.enqueue("application", {"service": "老年人优待证申领", "姓名": "李秀英"}).result()
    assert (done.seq, done.key, done.created) == (1, "kiosk-01:1", "2025-03-01T08:30:00.000Z")
    [record] = store.take_batch(10, 10**6).result()
    assert record.kind == "application"
    assert record.created == done.created
    assert record.payload == {"service": "老年人优待证申领", "姓名": "李秀英"}
    assert_chain([record])


def test_changing_a_payload_after_enqueue_does_not_change_the_record(tmp_path: Path) -> None:
    store = open_store(tmp_path, worker=SerialWorker("queue"))
    payload: dict[str, JsonValue] = {"phone": "13800138000", "items": [1, 2]}
    future = store.enqueue("application", payload)
    payload["phone"] = "changed"
    payload["items"].append(3)  # type: ignore[union-attr]
    future.result()
    assert store.take_batch(1, 10**6).result()[0].payload == {
        "phone": "13800138000",
        "items": [1, 2],
    }
    store.close()


def test_seqs_continue_after_reopening_and_after_a_purge(tmp_path: Path, clock: Clock) -> None:
    with open_store(tmp_path, clock=clock) as store:
        store.enqueue_many([("ticket", {"n": i}) for i in range(3)]).result()
        store.settle(results(store.take_batch(10, 10**6).result(), "accepted")).result()
        clock.now += timedelta(days=8)
        assert store.purge_acked(timedelta(days=7)).result() == 3
    with open_store(tmp_path, clock=clock) as store:
        assert store.head().result().seq == 3
        assert store.enqueue("ticket", {"n": 3}).result().seq == 4
        [record] = store.take_batch(10, 10**6).result()
        assert record.prev_hash == column(tmp_path, "prev_hash")[0]  # linked to purged record 3


# --- durability --------------------------------------------------------------------------------


def test_an_enqueued_record_survives_closing_and_reopening(tmp_path: Path) -> None:
    with open_store(tmp_path, worker=SerialWorker("queue")) as store:
        store.enqueue("assist_request", {"where": "2号机"}).result()
    with open_store(tmp_path) as store:
        [record] = store.take_batch(10, 10**6).result()
        assert record.payload == {"where": "2号机"}


KILLED_KIOSK = """
import sys
from pathlib import Path
from offline_queue.store import QueueStore

store = QueueStore(Path(sys.argv[1]), Path(sys.argv[2]), "kiosk-01")
i = 0
while True:
    done = store.enqueue("application", {"姓名": "王芳", "i": i}).result()
    print(done.seq, flush=True)
    i += 1
"""


def test_records_whose_enqueue_returned_survive_a_kill(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_KIOSK,
            str(tmp_path / "queue.sqlite"),
            str(tmp_path / "keys" / "queue.key"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    confirmed = [int(process.stdout.readline()) for _ in range(30)]
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    with open_store(tmp_path) as store:
        records = store.take_batch(1000, 10**7).result()
    assert_chain(records)  # whatever the kill interrupted left no gap and no torn record
    assert {r.seq for r in records} >= set(confirmed)
    assert all(r.payload == {"姓名": "王芳", "i": r.seq - 1} for r in records)


def test_records_left_in_flight_are_pending_again_after_a_restart(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.enqueue_many([("rating", {"level": i}) for i in range(1, 4)]).result()
        assert len(store.take_batch(2, 10**6).result()) == 2
        assert store.stats().result().counts["in_flight"] == 2
    with open_store(tmp_path) as store:
        assert store.stats().result().counts == {
            "pending": 3,
            "in_flight": 0,
            "acked": 0,
            "rejected": 0,
        }
        assert [r.seq for r in store.take_batch(10, 10**6).result()] == [1, 2, 3]
        assert column(tmp_path, "attempts") == [0, 0, 0]  # a crash is not a failed attempt


# --- batches -----------------------------------------------------------------------------------


def test_a_batch_takes_the_lowest_pending_records_up_to_the_count(store: QueueStore) -> None:
    store.enqueue_many([("ticket", {"n": i}) for i in range(5)]).result()
    batch = store.take_batch(2, 10**6).result()
    assert [r.seq for r in batch] == [1, 2]
    assert store.take_batch(2, 10**6).result() == []  # one batch in flight at a time
    store.settle(results(batch, "accepted")).result()
    assert [r.seq for r in store.take_batch(10, 10**6).result()] == [3, 4, 5]


def test_a_batch_stays_within_its_byte_bound(store: QueueStore) -> None:
    store.enqueue_many([("application", {"text": "办" * n}) for n in (10, 200, 10, 10)]).result()
    sizes = [len(wire.canonical_json(r.model_dump())) for r in store.take_batch(10, 10**6).result()]
    store.release([1, 2, 3, 4], "test", START).result()

    def take(max_bytes: int) -> list[int]:
        batch = store.take_batch(10, max_bytes).result()
        store.release([r.seq for r in batch], "test", START).result()
        return [r.seq for r in batch]

    assert take(sizes[0] + sizes[1]) == [1, 2]
    assert take(sizes[0] + sizes[1] - 1) == [1]
    assert take(sum(sizes)) == [1, 2, 3, 4]
    assert take(1) == [1]  # a record larger than the bound still goes, alone


def test_a_batch_waits_until_the_lowest_pending_record_is_due(
    store: QueueStore, clock: Clock
) -> None:
    store.enqueue_many([("ticket", {"n": i}) for i in range(3)]).result()
    batch = store.take_batch(10, 10**6).result()
    retry_at = START + timedelta(seconds=30)
    store.release([r.seq for r in batch], "platform unreachable", retry_at).result()
    assert store.take_batch(10, 10**6).result() == []
    stats = store.stats().result()
    assert stats.next_attempt == wire.utc_timestamp(retry_at)
    assert stats.last_error == "platform unreachable"
    clock.now = retry_at
    assert [r.seq for r in store.take_batch(10, 10**6).result()] == [1, 2, 3]


def test_a_release_counts_the_attempt_and_keeps_the_error(
    tmp_path: Path, store: QueueStore
) -> None:
    store.enqueue_many([("ticket", {"n": i}) for i in range(2)]).result()
    for attempt in range(3):
        store.take_batch(10, 10**6).result()
        store.release([1, 2], f"HTTP 503 (try {attempt})", START).result()
    assert column(tmp_path, "attempts") == [3, 3]
    assert column(tmp_path, "last_error") == ["HTTP 503 (try 2)"] * 2
    assert column(tmp_path, "state") == ["pending", "pending"]


@pytest.mark.parametrize("bad", [(0, 100), (10, 0), (-1, -1)])
def test_a_batch_with_no_room_is_refused(store: QueueStore, bad: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="at least one record"):
        store.take_batch(*bad).result()


# --- results -----------------------------------------------------------------------------------


def test_accepted_and_duplicate_records_are_acked_rejected_ones_kept(
    store: QueueStore, clock: Clock
) -> None:
    store.enqueue_many([("application", {"n": i}) for i in range(3)]).result()
    store.take_batch(10, 10**6).result()
    store.release([1, 2, 3], "timeout", START).result()
    batch = store.take_batch(10, 10**6).result()
    clock.now += timedelta(minutes=1)
    store.settle(
        [
            *results(batch[:1], "accepted"),
            *results(batch[1:2], "duplicate"),
            wire.RecordResult(
                idempotency_key="kiosk-01:3",
                seq=3,
                status="rejected",
                code="unknown_service",
                reason="事项已下线",
            ),
        ]
    ).result()
    stats = store.stats().result()
    assert stats.counts == {"pending": 0, "in_flight": 0, "acked": 2, "rejected": 1}
    assert stats.last_sync == "2025-03-01T08:31:00.000Z"
    assert stats.last_error is None  # cleared by a successful exchange
    [rejected] = stats.rejected
    assert (rejected.seq, rejected.key, rejected.kind, rejected.created) == (
        3,
        "kiosk-01:3",
        "application",
        "2025-03-01T08:30:00.000Z",
    )
    assert (rejected.code, rejected.reason) == ("unknown_service", "事项已下线")
    assert store.take_batch(10, 10**6).result() == []  # rejected records are not resent


def test_results_for_records_not_in_flight_are_ignored_with_a_warning(
    store: QueueStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.enqueue_many([("ticket", {"n": i}) for i in range(3)]).result()
    [first] = store.take_batch(1, 10**6).result()
    store.settle(
        [
            *results([first], "accepted"),
            wire.RecordResult(idempotency_key="kiosk-01:2", seq=2, status="accepted"),  # pending
            wire.RecordResult(idempotency_key="kiosk-01:99", seq=99, status="rejected"),  # none
            wire.RecordResult(idempotency_key="other:1", seq=1, status="accepted"),  # not ours
        ]
    ).result()
    assert store.stats().result().counts == {
        "pending": 2,
        "in_flight": 0,
        "acked": 1,
        "rejected": 0,
    }
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert "kiosk-01:99" in warnings[1] and "not in flight" in warnings[1]


def test_records_left_without_a_result_wait_in_flight_until_released(store: QueueStore) -> None:
    store.enqueue_many([("ticket", {"n": i}) for i in range(3)]).result()
    batch = store.take_batch(10, 10**6).result()
    store.settle(results(batch[:1], "accepted")).result()  # the platform stopped after 1
    assert store.take_batch(10, 10**6).result() == []
    store.release([2, 3], "not processed", START).result()
    assert [r.seq for r in store.take_batch(10, 10**6).result()] == [2, 3]


def test_a_blocked_queue_sends_nothing_until_cleared_even_after_a_restart(
    tmp_path: Path,
) -> None:
    with open_store(tmp_path) as store:
        store.enqueue("ticket", {"n": 1}).result()
        store.set_blocked("the platform found the chain broken at record 1").result()
        assert store.take_batch(10, 10**6).result() == []
    with open_store(tmp_path) as store:
        assert store.stats().result().blocked == "the platform found the chain broken at record 1"
        assert store.take_batch(10, 10**6).result() == []
        store.set_blocked(None).result()
        assert store.stats().result().blocked is None
        assert len(store.take_batch(10, 10**6).result()) == 1


def test_acked_records_are_purged_after_retention_others_never(
    tmp_path: Path, store: QueueStore, clock: Clock
) -> None:
    store.enqueue_many([("ticket", {"n": i}) for i in range(4)]).result()
    old = store.take_batch(3, 10**6).result()
    store.settle(
        [
            *results(old[:2], "accepted"),
            wire.RecordResult(idempotency_key="kiosk-01:3", seq=3, status="rejected", code="x"),
        ]
    ).result()
    clock.now += timedelta(days=6)
    store.settle(results(store.take_batch(3, 10**6).result(), "accepted")).result()
    clock.now += timedelta(days=2)
    store.enqueue("ticket", {"n": 5}).result()
    assert store.purge_acked(timedelta(days=7)).result() == 2
    assert column(tmp_path, "seq") == [3, 4, 5]  # rejected, recently acked, pending
    assert store.purge_acked(timedelta(days=7)).result() == 0
    with pytest.raises(ValueError, match="negative"):
        store.purge_acked(timedelta(days=-1)).result()


def test_stats_show_the_queue_without_payloads(store: QueueStore, clock: Clock) -> None:
    empty = store.stats().result()
    assert empty.counts == {"pending": 0, "in_flight": 0, "acked": 0, "rejected": 0}
    assert (empty.oldest_pending, empty.next_attempt, empty.last_sync) == (None, None, None)
    store.enqueue("application", {"姓名": "赵敏", "证件号": "110105194912310025"}).result()
    clock.now += timedelta(minutes=5)
    store.enqueue("rating", {"level": 4}).result()
    stats = store.stats().result()
    assert stats.counts["pending"] == 2
    assert stats.oldest_pending == "2025-03-01T08:30:00.000Z"
    assert stats.next_attempt is None  # due now
    assert "赵敏" not in repr(stats) and "110105194912310025" not in repr(stats)


# --- bad input ---------------------------------------------------------------------------------


class NotJson:
    pass


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("application", {"amount": 12.5}, r"payload\['amount'\] is a float"),
        ("application", {"a": {"b": [1, 2.0]}}, r"payload\['a'\]\['b'\]\[1\] is a float"),
        ("application", {"nan": float("nan")}, "is a float"),
        ("application", {"photo": b"\xff\xd8"}, r"payload\['photo'\] is a bytes"),
        ("application", {"tags": {"a", "b"}}, "is a set"),
        ("application", {"when": START}, "is a datetime"),
        ("application", {"x": NotJson()}, "is a NotJson"),
        ("application", {1: "one"}, "has a int key"),
        ("application", {"a": {None: 1}}, r"payload\['a'\] has a NoneType key"),
        ("application", {"name": "\ud800"}, "not valid Unicode"),
        ("application", {"photo": "x" * MAX_PAYLOAD_BYTES}, "more than the 262144"),
        ("application", ["not", "a", "mapping"], "not a list"),
        ("heartbeat", {"n": 1}, "unknown record kind 'heartbeat'"),
        ("", {"n": 1}, "unknown record kind"),
    ],
)
def test_a_bad_record_fails_its_future_and_nothing_is_written(
    tmp_path: Path, store: QueueStore, kind: str, payload: object, message: str
) -> None:
    future = store.enqueue(kind, payload)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        future.result()
    bundle = store.enqueue_many([("ticket", {"n": 1}), (kind, payload)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=message):
        bundle.result()
    assert store.head().result() == wire.ChainHead(seq=0, hash=wire.GENESIS_HASH)
    assert column(tmp_path, "seq") == []
    assert store.enqueue("ticket", {"n": 1}).result().seq == 1  # and the queue still works


def test_a_payload_just_under_the_limit_is_taken(store: QueueStore) -> None:
    text = "x" * (MAX_PAYLOAD_BYTES - len('{"photo":""}'))
    store.enqueue("application", {"photo": text}).result()
    assert store.take_batch(1, 1).result()[0].payload == {"photo": text}


def test_an_invalid_kiosk_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="kiosk id 'kiosk 01'"):
        open_store(tmp_path, kiosk="kiosk 01")
    assert not (tmp_path / "queue.sqlite").exists()


def test_a_closed_store_refuses_work(tmp_path: Path) -> None:
    store = open_store(tmp_path, worker=SerialWorker("queue"))
    store.close()
    store.close()
    with pytest.raises(RuntimeError, match="is closed"):
        store.enqueue("ticket", {"n": 1}).result()
    with pytest.raises(RuntimeError, match="is closed"):
        store.stats().result()


# --- keys and ownership ------------------------------------------------------------------------


def fill(directory: Path) -> None:
    with open_store(directory) as store:
        store.enqueue_many([("application", {"姓名": "周杰", "n": i}) for i in range(3)]).result()
        store.settle(results(store.take_batch(1, 10**6).result(), "accepted")).result()


def test_the_data_key_is_made_owner_only_outside_the_database(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    key = tmp_path / "keys" / "queue.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert oct(key.parent.stat().st_mode & 0o777) == "0o700"
    assert key.read_bytes() not in (tmp_path / "queue.sqlite").read_bytes()


def test_a_wrong_key_is_refused_untouched_and_the_right_one_still_opens(tmp_path: Path) -> None:
    fill(tmp_path)
    key = tmp_path / "keys" / "queue.key"
    right = key.read_bytes()
    before = files(tmp_path)
    key.unlink()
    load_or_create_data_key(key, create=True)  # another kiosk's key, say
    with pytest.raises(QueueKeyError, match=f"key file {key}: holds another key") as caught:
        open_store(tmp_path)
    assert "3 records sealed with it (2 not yet delivered)" in str(caught.value)
    assert caught.value.waiting == 2
    assert files(tmp_path) == before
    key.write_bytes(right)
    with open_store(tmp_path) as store:
        records = store.take_batch(10, 10**6).result()
    assert [r.payload for r in records] == [{"姓名": "周杰", "n": 1}, {"姓名": "周杰", "n": 2}]


def test_a_missing_key_is_not_replaced_while_records_wait_for_it(tmp_path: Path) -> None:
    fill(tmp_path)
    key = tmp_path / "keys" / "queue.key"
    key.unlink()
    before = files(tmp_path)
    with pytest.raises(QueueKeyError, match=f"key file {key}: missing.*restore the key file"):
        open_store(tmp_path)
    assert not key.exists()
    assert files(tmp_path) == before


def test_a_key_others_can_read_is_refused_and_the_queue_left_alone(tmp_path: Path) -> None:
    fill(tmp_path)
    key = tmp_path / "keys" / "queue.key"
    key.chmod(0o644)
    before = files(tmp_path)
    with pytest.raises(KeyFileError, match="chmod 600"):
        open_store(tmp_path)
    assert files(tmp_path) == before
    key.chmod(0o600)
    open_store(tmp_path).close()


def test_another_kiosks_queue_is_refused_untouched(tmp_path: Path) -> None:
    fill(tmp_path)
    before = files(tmp_path)
    with pytest.raises(QueueOwnerError, match="belongs to kiosk 'kiosk-01', not 'kiosk-02'"):
        open_store(tmp_path, kiosk="kiosk-02")
    assert files(tmp_path) == before


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "queue.sqlite").write_bytes(b"this is not SQLite at all" * 100)
    before = files(tmp_path)
    with pytest.raises(QueueDamagedError, match=r"cannot be read.*move it aside"):
        open_store(tmp_path)
    assert files(tmp_path) == before


# Byte 21 of the sealed record changed (to 00, or to 01 where it was 00: it is random).
FLIP_A_BYTE = (
    "CAST(substr(sealed, 1, 20)"
    " || CASE WHEN substr(sealed, 21, 1) = x'00' THEN x'01' ELSE x'00' END"
    " || substr(sealed, 22) AS BLOB)"
)


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (f"UPDATE records SET sealed = {FLIP_A_BYTE} WHERE seq = 2", "record 2 .*does not open"),
        (  # a payload moved to another row
            "UPDATE records SET sealed = (SELECT sealed FROM records WHERE seq = 1) WHERE seq = 2",
            "record 2 .*does not open",
        ),
    ],
)
def test_a_damaged_record_blocks_sync_and_says_which(tmp_path: Path, damage: str, why: str) -> None:
    fill(tmp_path)
    with closing(sqlite3.connect(tmp_path / "queue.sqlite")) as conn, conn:
        conn.execute(damage)
    with open_store(tmp_path) as store:
        with pytest.raises(QueueDamagedError, match=f"queued {why}.*sync is blocked"):
            store.take_batch(10, 10**6).result()
        stats = store.stats().result()
    assert stats.blocked is not None and "is damaged" in stats.blocked
    assert stats.counts["in_flight"] == 0


def test_an_altered_link_is_sent_as_it_is_for_the_platform_to_find(tmp_path: Path) -> None:
    fill(tmp_path)
    with closing(sqlite3.connect(tmp_path / "queue.sqlite")) as conn, conn:
        conn.execute("UPDATE records SET created = '2025-01-01T00:00:00.000Z' WHERE seq = 2")
    with open_store(tmp_path) as store:
        batch = store.take_batch(10, 10**6).result()
    assert (batch[0].seq, batch[0].created) == (2, "2025-01-01T00:00:00.000Z")  # sent, as it is


# --- nothing personal at rest or in the logs ---------------------------------------------------

PEOPLE: list[dict[str, JsonValue]] = [
    {
        "姓名": "欧阳秀兰",
        "id_number": "11010519491231002X",
        "phone": "13912345678",
        "address": "北京市朝阳区建国路88号院3号楼",
        "photo": wire.b64encode(bytes(range(7, 250))),
    },
    {
        "姓名": "司马建国",
        "id_number": "370102195807161234",
        "phone": "15866661234",
        "address": "山东省济南市历下区泉城路1号",
        "photo": wire.b64encode(bytes(range(3, 200))),
    },
    {
        "姓名": "李娜",
        "id_number": "440304198812120018",
        "phone": "18600001111",
        "address": "广东省深圳市福田区深南大道6008号",
        "photo": wire.b64encode(bytes(range(11, 240))),
    },
    {
        "姓名": "张小明",
        "id_number": "51010720200101003X",  # a newborn, in a 一件事 bundle
        "phone": "13700007777",
        "address": "四川省成都市武侯区人民南路四段9号",
        "photo": wire.b64encode(bytes(range(0, 180))),
    },
]


def secrets_of(person: dict[str, JsonValue]) -> list[bytes]:
    """Every form a value of `person` could take in the files."""
    found: list[bytes] = []
    for value in person.values():
        assert isinstance(value, str)
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            found.append(value.encode(encoding))
    id_number = person["id_number"]
    assert isinstance(id_number, str)
    found += [id_number.encode("ascii"), id_number[:17].encode("ascii")]  # without the check
    return found


def test_personal_data_is_nowhere_in_the_database_its_wal_or_shm(
    tmp_path: Path, clock: Clock
) -> None:
    store = open_store(tmp_path, clock=clock)
    database = tmp_path / "queue.sqlite"
    store.enqueue_many([("application", PEOPLE[0]), ("authentication", PEOPLE[1])]).result()
    store.settle(results(store.take_batch(1, 10**6).result(), "accepted")).result()
    with closing(sqlite3.connect(database)) as conn:  # as SQLite would on its own, later
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0
    clock.now += timedelta(hours=1)
    store.enqueue_many([("application", PEOPLE[2]), ("application", PEOPLE[3])]).result()
    store.release([r.seq for r in store.take_batch(1, 10**6).result()], "timeout", START).result()

    first, later = wire.utc_timestamp(START).encode(), wire.utc_timestamp(clock.now).encode()
    raw = {name: (tmp_path / name).read_bytes() for name in files(tmp_path)}
    assert set(raw) == {"queue.sqlite", "queue.sqlite-wal", "queue.sqlite-shm"}
    assert first in raw["queue.sqlite"]  # checkpointed records are in the main file
    assert later in raw["queue.sqlite-wal"]  # the newest are still only in the WAL
    assert later not in raw["queue.sqlite"]
    for person in PEOPLE:
        for secret in secrets_of(person):
            for name, content in raw.items():
                assert secret not in content, f"{secret!r} in {name}"
    store.close()
    closed = database.read_bytes()  # everything checkpointed into the main file on close
    assert later in closed
    for person in PEOPLE:
        for secret in secrets_of(person):
            assert secret not in closed


def test_the_logs_hold_no_personal_data(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with open_store(tmp_path) as store:
        store.enqueue_many([("application", person) for person in PEOPLE]).result()
        batch = store.take_batch(2, 10**6).result()
        store.settle([*results(batch, "accepted"), *results(batch, "duplicate")]).result()
        store.take_batch(2, 10**6).result()
        with pytest.raises(ValueError):
            store.enqueue("application", {**PEOPLE[0], "score": 1.5}).result()
    with open_store(tmp_path) as store:  # logs the records left in flight
        store.stats().result()
    assert "not in flight" in caplog.text and "left in flight" in caplog.text
    for person in PEOPLE:
        for value in person.values():
            assert isinstance(value, str)
            assert value not in caplog.text
