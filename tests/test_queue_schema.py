"""The queue database's schema versions and migrations, on real SQLite files."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import sqlite_utils

from offline_queue import wire
from offline_queue.schema import LATEST_VERSION, SchemaTooNewError, migrate, schema_version
from offline_queue.store import QueueStore
from offline_queue.writer import InlineWorker

KIOSK = "kiosk-01"


def open_store(directory: Path, database: str = "queue.sqlite") -> QueueStore:
    return QueueStore(
        directory / database, directory / "keys" / "queue.key", KIOSK, worker=InlineWorker()
    )


def rows(path: Path) -> list[dict[str, object]]:
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT * FROM records ORDER BY seq")]


def test_a_new_queue_is_at_the_latest_version(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    db = sqlite_utils.Database(tmp_path / "queue.sqlite")
    assert schema_version(db.conn) == LATEST_VERSION == 2
    assert set(db.table_names()) == {"meta", "records"}
    assert {"seq", "kind", "created", "sealed", "state", "size", "code", "reason"} <= set(
        db.table("records").columns_dict
    )
    db.close()


def test_migrating_a_database_at_the_latest_version_changes_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.enqueue("rating", {"level": 5}).result()
    path = tmp_path / "queue.sqlite"
    before = path.read_bytes()
    with closing(sqlite3.connect(path)) as conn:
        migrate(conn)
    assert path.read_bytes() == before


def test_a_version_1_queue_with_records_is_migrated_with_its_data_intact(tmp_path: Path) -> None:
    # Real records in every state, written by today's store, then copied into a database
    # built by the version 1 step alone: exactly what a kiosk on version 1 had on disk.
    with open_store(tmp_path, "today.sqlite") as store:
        store.enqueue_many([("application", {"姓名": "张伟", "n": i}) for i in range(6)]).result()
        taken = store.take_batch(3, 10**6).result()
        store.settle(
            [
                wire.RecordResult(
                    idempotency_key=taken[0].idempotency_key, seq=1, status="accepted"
                ),
                wire.RecordResult(
                    idempotency_key=taken[1].idempotency_key,
                    seq=2,
                    status="rejected",
                    code="bad_payload",
                    reason="表单缺少字段",
                ),
            ]
        ).result()
    today = rows(tmp_path / "today.sqlite")

    v1 = tmp_path / "queue.sqlite"
    with closing(sqlite3.connect(v1, isolation_level=None)) as conn:
        migrate(conn, target=1)
        columns = [c[1] for c in conn.execute("PRAGMA table_info(records)")]
        assert "size" not in columns
        conn.execute("ATTACH ? AS today", (str(tmp_path / "today.sqlite"),))
        conn.execute("INSERT INTO meta SELECT * FROM today.meta")
        conn.execute(f"INSERT INTO records SELECT {', '.join(columns)} FROM today.records")
        conn.execute("DETACH today")
        assert schema_version(conn) == 1

    with open_store(tmp_path) as store:  # migrates, and takes record 3 back from in flight
        migrated = rows(v1)
        assert store.head().result().seq == 6
        batch = store.take_batch(10, 10**6).result()
        stats = store.stats().result()
    with closing(sqlite3.connect(v1)) as conn:
        assert schema_version(conn) == LATEST_VERSION
    for old, new in zip(today, migrated, strict=True):
        assert new == old | {"state": "pending" if old["state"] == "in_flight" else old["state"]}
    assert [r.seq for r in batch] == [3, 4, 5, 6]
    assert [r.payload for r in batch] == [{"姓名": "张伟", "n": i} for i in range(2, 6)]
    assert [(r.seq, r.code, r.reason) for r in stats.rejected] == [
        (2, "bad_payload", "表单缺少字段")
    ]
    # The backfilled size is exactly what each record takes on the wire.
    sizes = {row["seq"]: row["size"] for row in migrated}
    for record in batch:
        assert sizes[record.seq] == len(wire.canonical_json(record.model_dump()))


def test_a_database_from_newer_software_is_refused_and_left_untouched(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.enqueue("ticket", {"number": "A017"}).result()
    path = tmp_path / "queue.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(SchemaTooNewError, match=f"schema version {LATEST_VERSION + 1}.*untouched"):
        open_store(tmp_path)
    with closing(sqlite3.connect(path)) as conn, pytest.raises(SchemaTooNewError):
        migrate(conn)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys", "queue.sqlite"]
