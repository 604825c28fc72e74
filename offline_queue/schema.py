"""The queue database's schema and its migrations.

`PRAGMA user_version` holds the version. Each step runs in its own `BEGIN IMMEDIATE`
transaction together with the version bump, so a crash leaves the database at one version or
the next, never in between. A database written by newer code is refused before anything in it
is touched: older code cannot know what its columns mean.

Version 1: `meta` (name → value: kiosk id, key check, chain head, sync state) and `records`.
A record's idempotency key is not stored: it is `kiosk_id:seq`, and a file holds one kiosk.
Version 2: `records.size`, the bytes a record takes on the wire, so batches are bounded in
bytes without decrypting records that will not be sent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from offline_queue import wire
from offline_queue.sealing import OVERHEAD_BYTES


class SchemaTooNewError(Exception):
    """The database was written by a newer version of the kiosk software."""


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, *, target: int | None = None) -> None:
    """Bring the database to `target` (the latest version by default), one step at a time."""
    target = LATEST_VERSION if target is None else target
    refuse_newer(conn)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    for version in range(schema_version(conn) + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have taken this step while we waited for the lock.
            if schema_version(conn) < version:
                _STEPS[version - 1](db)
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def refuse_newer(conn: sqlite3.Connection) -> None:
    """Raise SchemaTooNewError for a database of a version this code does not know."""
    version = schema_version(conn)
    if version > LATEST_VERSION:
        raise SchemaTooNewError(
            f"the queue database is at schema version {version}, this software knows up to "
            f"{LATEST_VERSION}; it was left untouched: run the newer kiosk software again, or "
            "have a technician move the database aside"
        )


def record_wire_bytes(
    seq: int, key: str, kind: str, created: str, prev_hash: str, hash_: str, payload_bytes: int
) -> int:
    """The length of a record's canonical JSON when its payload's canonical JSON has
    `payload_bytes` bytes: what the record adds to a batch."""
    shell = {
        "idempotency_key": key,
        "seq": seq,
        "kind": kind,
        "created": created,
        "payload": {},
        "prev_hash": prev_hash,
        "hash": hash_,
    }
    return len(wire.canonical_json(shell)) - len(b"{}") + payload_bytes


def _v1_records_and_meta(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"name": str, "value": str}, pk="name")
    db.table("records").create(
        {
            "seq": int,
            "kind": str,
            "created": str,
            "sealed": bytes,  # the whole payload, canonical JSON, sealed with AES-GCM
            "prev_hash": str,
            "hash": str,
            "state": str,  # pending, in_flight, acked, rejected
            "attempts": int,
            "next_attempt": str,
            "last_error": str,
            "code": str,  # why the platform rejected it
            "reason": str,
            "acked": str,
        },
        pk="seq",
        not_null={
            "kind",
            "created",
            "sealed",
            "prev_hash",
            "hash",
            "state",
            "attempts",
        },
        defaults={"state": "pending", "attempts": 0},
    )
    db.table("records").create_index(["state", "seq"])


def _v2_record_size(db: sqlite_utils.Database) -> None:
    records = db.table("records")
    records.add_column("size", int)
    # AES-GCM keeps lengths, so a payload's size is its sealed size less nonce and tag: the
    # backfill needs no key.
    owner = db.execute("SELECT value FROM meta WHERE name = 'kiosk_id'").fetchone()
    rows = db.execute("SELECT seq, kind, created, prev_hash, hash, length(sealed) FROM records")
    for seq, kind, created, prev_hash, hash_, sealed_bytes in rows.fetchall():
        key = wire.idempotency_key(owner[0], seq)
        payload_bytes = sealed_bytes - OVERHEAD_BYTES
        size = record_wire_bytes(seq, key, kind, created, prev_hash, hash_, payload_bytes)
        db.conn.execute("UPDATE records SET size = ? WHERE seq = ?", (size, seq))
    records.transform(not_null={"size"})


_STEPS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _v1_records_and_meta,
    _v2_record_size,
)
LATEST_VERSION = len(_STEPS)
