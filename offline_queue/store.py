"""The kiosk's durable, encrypted queue of records for the platform (DESIGN.md §4).

One SQLite file holds one kiosk's chain. Its connection lives on one worker: every public call
hands a small function to it and returns a future. Writes run in `BEGIN IMMEDIATE … COMMIT` with
WAL and `synchronous=FULL`, so a future that completes means the record survives power loss.

Each payload is stored only sealed (AES-GCM, bound to its idempotency key and kind); the hash
chain is computed over the plaintext, as the platform recomputes it. The chain head (next seq,
last hash) lives in `meta` and moves in the same transaction as the records, so seqs stay
gapless through purges and crashes.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import JsonValue, TypeAdapter, ValidationError

from offline_queue import wire
from offline_queue.keys import KeyFileError, load_or_create_data_key
from offline_queue.schema import migrate, record_wire_bytes, refuse_newer, schema_version
from offline_queue.sealing import Sealer, SealError, key_check, verify_key_check
from offline_queue.writer import SerialWorker, Worker

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_PAYLOAD_BYTES = 256 * 1024  # of canonical JSON: a form with an ID photo fits
BUSY_TIMEOUT_MS = 10_000  # a technician's tool reading the file must not fail our writes

STATES = ("pending", "in_flight", "acked", "rejected")

_KIOSK_ID = TypeAdapter(wire.KioskId)
_RECORD_COLUMNS = "seq, kind, created, sealed, prev_hash, hash, size, next_attempt"


class QueueKeyError(KeyFileError):
    """The data key does not open this queue (missing or another key); `waiting` records
    would be lost without the right one."""

    def __init__(self, path: Path, problem: str, what_to_do: str, waiting: int) -> None:
        super().__init__(path, problem, what_to_do)
        self.waiting = waiting


class QueueOwnerError(Exception):
    """The queue database belongs to another kiosk id."""


class QueueDamagedError(Exception):
    """The queue database, or a record in it, cannot be read."""


@dataclass(frozen=True)
class Enqueued:
    seq: int
    key: str
    created: str


@dataclass(frozen=True)
class RejectedRecord:
    seq: int
    key: str
    kind: str
    created: str
    code: str | None
    reason: str | None


@dataclass(frozen=True)
class QueueStats:
    """What a technician or a heartbeat sees of the queue; never a payload."""

    counts: dict[str, int]  # records per state, every state present
    oldest_pending: str | None  # created time of the lowest pending record
    next_attempt: str | None  # when the lowest pending record may be sent (None: now)
    last_sync: str | None
    last_error: str | None
    blocked: str | None
    rejected: list[RejectedRecord]


@dataclass(frozen=True)
class _Item:
    """A record to insert, checked and copied in the caller's thread."""

    kind: str
    payload: dict[str, JsonValue]
    canonical: bytes


def utc_now() -> datetime:
    return datetime.now(UTC)


class QueueStore:
    def __init__(
        self,
        path: Path,
        key_path: Path,
        kiosk_id: str,
        *,
        worker: Worker | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Open (or create) the queue in `path`, sealed with the data key in `key_path`.

        Blocks until the database is open and migrated. Raises QueueKeyError, KeyFileError,
        QueueOwnerError, QueueDamagedError or SchemaTooNewError, leaving the database as it was.
        A worker given here is the caller's to close; without one the store runs its own.
        """
        try:
            _KIOSK_ID.validate_python(kiosk_id)
        except ValidationError:
            raise ValueError(
                f"kiosk id {kiosk_id!r}: use 1 to 64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            ) from None
        self.path = path
        self.key_path = key_path
        self.kiosk_id = kiosk_id
        self._clock = clock
        self._owns_worker = worker is None
        self._worker: Worker = worker or SerialWorker(f"queue-{kiosk_id}")
        self._conn: sqlite3.Connection | None = None
        self._sealer: Sealer | None = None
        self._closed = False
        try:
            self._worker.submit(self._open).result()
        except BaseException:
            if self._owns_worker:
                self._worker.close()
            raise

    # --- public API: each call runs on the worker and answers through a future ---------------

    def enqueue(self, kind: str, payload: Mapping[str, JsonValue]) -> Future[Enqueued]:
        """Append one record; the future completes once it is committed to disk."""
        try:
            item = _check_item(kind, payload)
        except ValueError as e:
            return _failed(e)
        return self._submit(lambda: self._insert([item])[0])

    def enqueue_many(
        self, items: Sequence[tuple[str, Mapping[str, JsonValue]]]
    ) -> Future[list[Enqueued]]:
        """Append several records atomically, with consecutive seqs: all or none."""
        try:
            checked = [_check_item(kind, payload) for kind, payload in items]
        except ValueError as e:
            return _failed(e)
        return self._submit(lambda: self._insert(checked))

    def take_batch(self, max_records: int, max_bytes: int) -> Future[list[wire.Record]]:
        """The lowest pending records, now `in_flight`, ready to send.

        Consecutive seqs, at most `max_records`, at most `max_bytes` of records' canonical JSON
        (but always the first one, whatever its size). Empty when nothing is pending, the lowest
        pending record is not due yet, a batch is already in flight (one at a time keeps the
        chain in order), or sync is blocked.
        """
        if max_records < 1 or max_bytes < 1:
            return _failed(ValueError("a batch takes at least one record and one byte"))
        return self._submit(lambda: self._take(max_records, max_bytes))

    def settle(self, results: Sequence[wire.RecordResult]) -> Future[None]:
        """Record the platform's answers: accepted and duplicate records are acked, rejected
        ones kept with the platform's code and reason. In-flight records without an answer
        stay in flight until `release` (no new batch is taken meanwhile)."""
        return self._submit(lambda: self._settle(results))

    def release(self, seqs: Sequence[int], error: str, retry_at: datetime) -> Future[None]:
        """Put in-flight records back to pending after a failed send, to retry at `retry_at`.

        `error` is kept for technicians: it must not contain personal data.
        """
        return self._submit(lambda: self._release(seqs, error, retry_at))

    def set_blocked(self, reason: str | None) -> Future[None]:
        """Stop sync (the platform found the chain broken) until a technician clears it (None)."""
        return self._submit(lambda: self._set_meta(blocked=reason))

    def retry_now(self) -> Future[None]:
        """Make every waiting record due now (a technician's "sync now" after a repair)."""
        return self._submit(self._retry_now)

    def purge_acked(self, older_than: timedelta) -> Future[int]:
        """Delete records acked more than `older_than` ago; how many went."""
        if older_than < timedelta(0):
            return _failed(ValueError("a retention period cannot be negative"))
        return self._submit(lambda: self._purge(older_than))

    def stats(self) -> Future[QueueStats]:
        return self._submit(self._stats)

    def head(self) -> Future[wire.ChainHead]:
        """The last record in the chain (seq 0 and the genesis hash when there is none)."""
        return self._submit(self._head)

    def close(self) -> None:
        """Finish the work already handed over, then close the database (and own worker)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._worker.submit(self._close_connection).result()
        finally:
            if self._owns_worker:
                self._worker.close()

    def __enter__(self) -> QueueStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- on the worker ----------------------------------------------------------------------

    def _submit(self, fn: Callable[[], T]) -> Future[T]:
        if self._closed:
            return _failed(RuntimeError(f"the queue store {self.path} is closed"))
        return self._worker.submit(fn)

    def _open(self) -> None:
        # The worker serialises every use of the connection; InlineWorker may be called from
        # several threads (one at a time), so sqlite3's same-thread check is not ours to need.
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # first start
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Everything up to the key check only reads: a refused database stays as it was.
            sealer, is_new = self._check_existing(conn)
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise QueueDamagedError(
                    f"queue database {self.path}: cannot use WAL (journal mode stays {mode}); "
                    "keep it on a local disk"
                )
            conn.execute("PRAGMA synchronous = FULL")
            migrate(conn)
            with _immediate(conn):
                if is_new:
                    _upsert_meta(
                        conn,
                        kiosk_id=self.kiosk_id,
                        key_check=key_check(sealer).hex(),
                        next_seq="1",
                        last_hash=wire.GENESIS_HASH,
                    )
                requeued = conn.execute(
                    "UPDATE records SET state = 'pending' WHERE state = 'in_flight'"
                ).rowcount
            if requeued:
                log.info("%d records left in flight by the last run are pending again", requeued)
        except BaseException:
            conn.close()
            raise
        self._conn, self._sealer = conn, sealer

    def _check_existing(self, conn: sqlite3.Connection) -> tuple[Sealer, bool]:
        """The sealer for this queue and whether the queue is new; refuses a database that is
        not ours to open, without writing to it."""
        # Before migrating, so read only what every schema version has: meta, records.state.
        try:
            refuse_newer(conn)
            meta = (
                dict(conn.execute("SELECT name, value FROM meta")) if schema_version(conn) else {}
            )
            stored, waiting = (
                conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE state != 'acked') FROM records"
                ).fetchone()
                if meta
                else (0, 0)
            )
        except sqlite3.DatabaseError as e:
            raise QueueDamagedError(
                f"queue database {self.path} cannot be read ({e}); it was left untouched: "
                "move it aside for a technician to examine (a kiosk without it starts a new "
                "record chain, which the platform must be told about)"
            ) from None
        if "kiosk_id" not in meta:
            return Sealer(load_or_create_data_key(self.key_path, create=True)), True
        if meta["kiosk_id"] != self.kiosk_id:
            raise QueueOwnerError(
                f"queue database {self.path} belongs to kiosk {meta['kiosk_id']!r}, not "
                f"{self.kiosk_id!r}; it was left untouched: fix the kiosk id in the config, or "
                "give this kiosk its own queue database"
            )
        held = f"{stored} records sealed with it ({waiting} not yet delivered)"
        if not self.key_path.exists():
            raise QueueKeyError(
                self.key_path,
                f"missing, and the queue database {self.path} holds {held}",
                "restore the key file from the kiosk's backup; the database was left untouched",
                waiting,
            )
        sealer = Sealer(load_or_create_data_key(self.key_path, create=False))
        if not verify_key_check(sealer, bytes.fromhex(meta["key_check"])):
            raise QueueKeyError(
                self.key_path,
                f"holds another key than the one that sealed the {held} in {self.path}",
                "restore the right key file from the kiosk's backup; the database was left "
                "untouched",
                waiting,
            )
        return sealer, False

    def _connection(self) -> tuple[sqlite3.Connection, Sealer]:
        if self._conn is None or self._sealer is None:
            raise RuntimeError(f"the queue store {self.path} is closed")
        return self._conn, self._sealer

    def _insert(self, items: list[_Item]) -> list[Enqueued]:
        conn, sealer = self._connection()
        if not items:
            return []
        created = wire.utc_timestamp(self._clock())
        done: list[Enqueued] = []
        rows: list[tuple[Any, ...]] = []
        with _immediate(conn):
            seq, last_hash = _read_head(conn)
            for item in items:
                seq += 1
                key = wire.idempotency_key(self.kiosk_id, seq)
                hash_ = wire.record_hash(
                    last_hash, self.kiosk_id, seq, item.kind, created, item.payload
                )
                sealed = sealer.seal(item.canonical, payload_aad(key, item.kind))
                size = record_wire_bytes(
                    seq, key, item.kind, created, last_hash, hash_, len(item.canonical)
                )
                rows.append((seq, item.kind, created, sealed, last_hash, hash_, size))
                done.append(Enqueued(seq, key, created))
                last_hash = hash_
            conn.executemany(
                "INSERT INTO records (seq, kind, created, sealed, prev_hash, hash, size)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            _upsert_meta(conn, next_seq=str(seq + 1), last_hash=last_hash)
        return done

    def _take(self, max_records: int, max_bytes: int) -> list[wire.Record]:
        conn, _ = self._connection()
        now = wire.utc_timestamp(self._clock())
        try:
            with _immediate(conn):
                if (
                    _read_meta(conn, "blocked") is not None
                    or conn.execute(
                        "SELECT 1 FROM records WHERE state = 'in_flight' LIMIT 1"
                    ).fetchone()
                ):
                    return []
                records = self._unseal(self._choose(conn, now, max_records, max_bytes))
                if records:
                    conn.execute(
                        "UPDATE records SET state = 'in_flight' WHERE seq BETWEEN ? AND ?",
                        (records[0].seq, records[-1].seq),
                    )
                return records
        except QueueDamagedError as e:
            # The chain cannot go past a record that cannot be sent: stop sync, visibly.
            self._set_meta(blocked=str(e))
            raise

    @staticmethod
    def _choose(
        conn: sqlite3.Connection, now: str, max_records: int, max_bytes: int
    ) -> list[tuple[Any, ...]]:
        # Row by row, so records beyond the byte bound are never read.
        rows = conn.execute(
            f"SELECT {_RECORD_COLUMNS} FROM records WHERE state = 'pending' ORDER BY seq LIMIT ?",
            (max_records,),
        )
        chosen: list[tuple[Any, ...]] = []
        total = 0
        try:
            for row in rows:
                seq, size, next_attempt = row[0], row[6], row[7]
                if not chosen and next_attempt is not None and next_attempt > now:
                    break
                if chosen and (seq != chosen[-1][0] + 1 or total + size > max_bytes):
                    break
                chosen.append(row)
                total += size
        finally:
            rows.close()
        return chosen

    def _unseal(self, rows: list[tuple[Any, ...]]) -> list[wire.Record]:
        _, sealer = self._connection()
        records: list[wire.Record] = []
        for seq, kind, created, sealed, prev_hash, hash_, _size, _next in rows:
            key = wire.idempotency_key(self.kiosk_id, seq)
            try:
                payload = json.loads(sealer.open(sealed, payload_aad(key, kind)))
            except SealError:
                raise _damaged(seq, "its payload does not open") from None
            # Links and hashes are the platform's to check: it records what it finds, where
            # a check here would hide an altered record from the one party that must know.
            records.append(
                wire.Record(
                    idempotency_key=key,
                    seq=seq,
                    kind=kind,
                    created=created,
                    payload=payload,
                    prev_hash=prev_hash,
                    hash=hash_,
                )
            )
        return records

    def _settle(self, results: Sequence[wire.RecordResult]) -> None:
        conn, _ = self._connection()
        now = wire.utc_timestamp(self._clock())
        with _immediate(conn):
            for result in results:
                if result.status == "rejected":
                    values: tuple[Any, ...] = ("rejected", None, result.code, result.reason)
                else:
                    values = ("acked", now, None, None)
                ours = result.idempotency_key == wire.idempotency_key(self.kiosk_id, result.seq)
                if (
                    not ours
                    or not conn.execute(
                        "UPDATE records SET state = ?, acked = ?, code = ?, reason = ?,"
                        " last_error = NULL WHERE seq = ? AND state = 'in_flight'",
                        (*values, result.seq),
                    ).rowcount
                ):
                    log.warning(
                        "result %s for %s ignored: that record is not in flight",
                        result.status,
                        result.idempotency_key,
                    )
            _upsert_meta(conn, last_sync=now, last_error=None)

    def _release(self, seqs: Sequence[int], error: str, retry_at: datetime) -> None:
        conn, _ = self._connection()
        retry = wire.utc_timestamp(retry_at)
        with _immediate(conn):
            conn.executemany(
                "UPDATE records SET state = 'pending', attempts = attempts + 1, last_error = ?,"
                " next_attempt = ? WHERE seq = ? AND state = 'in_flight'",
                [(error, retry, seq) for seq in seqs],
            )
            _upsert_meta(conn, last_error=error)

    def _retry_now(self) -> None:
        conn, _ = self._connection()
        with _immediate(conn):
            conn.execute("UPDATE records SET next_attempt = NULL WHERE state = 'pending'")

    def _set_meta(self, **values: str | None) -> None:
        conn, _ = self._connection()
        with _immediate(conn):
            _upsert_meta(conn, **values)

    def _purge(self, older_than: timedelta) -> int:
        conn, _ = self._connection()
        cutoff = wire.utc_timestamp(self._clock() - older_than)
        with _immediate(conn):
            return conn.execute(
                "DELETE FROM records WHERE state = 'acked' AND acked < ?", (cutoff,)
            ).rowcount

    def _stats(self) -> QueueStats:
        conn, _ = self._connection()
        counts = dict.fromkeys(STATES, 0)
        counts.update(conn.execute("SELECT state, count(*) FROM records GROUP BY state"))
        lowest = conn.execute(
            "SELECT created, next_attempt FROM records WHERE state = 'pending' ORDER BY seq LIMIT 1"
        ).fetchone()
        rejected = [
            RejectedRecord(seq, wire.idempotency_key(self.kiosk_id, seq), *rest)
            for seq, *rest in conn.execute(
                "SELECT seq, kind, created, code, reason FROM records"
                " WHERE state = 'rejected' ORDER BY seq"
            )
        ]
        return QueueStats(
            counts=counts,
            oldest_pending=lowest[0] if lowest else None,
            next_attempt=lowest[1] if lowest else None,
            last_sync=_read_meta(conn, "last_sync"),
            last_error=_read_meta(conn, "last_error"),
            blocked=_read_meta(conn, "blocked"),
            rejected=rejected,
        )

    def _head(self) -> wire.ChainHead:
        conn, _ = self._connection()
        seq, last_hash = _read_head(conn)
        return wire.ChainHead(seq=seq, hash=last_hash)

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = self._sealer = None


# --- helpers ----------------------------------------------------------------------------------


def _check_item(kind: str, payload: Mapping[str, JsonValue]) -> _Item:
    """A checked copy of a record to enqueue; ValueError says what is wrong (never a value)."""
    if kind not in wire.RECORD_KINDS:
        raise ValueError(f"unknown record kind {kind!r}; the platform takes {wire.RECORD_KINDS}")
    if not isinstance(payload, Mapping):
        raise ValueError(f"a payload is a mapping of field names, not a {type(payload).__name__}")
    try:
        copy = _plain_json(payload, "payload")
        canonical = wire.canonical_json(copy)
    except RecursionError:
        raise ValueError("the payload is nested too deeply") from None
    except UnicodeEncodeError:
        raise ValueError("the payload holds text that is not valid Unicode") from None
    if len(canonical) > MAX_PAYLOAD_BYTES:
        raise ValueError(
            f"the payload has {len(canonical)} bytes of JSON, more than the {MAX_PAYLOAD_BYTES} "
            "a record may carry"
        )
    assert isinstance(copy, dict)
    return _Item(kind, copy, canonical)


def _plain_json(value: object, where: str) -> JsonValue:
    """A copy of `value` made of dicts, lists, str, int, bool and None only.

    Copied so that a caller changing its dict after `enqueue` cannot change what is hashed.
    """
    if value is None or isinstance(value, str | int):  # bool is an int
        return value
    if isinstance(value, float):
        raise ValueError(f"{where} is a float, which has no canonical JSON form: send a string")
    if isinstance(value, Mapping):
        copy: dict[str, JsonValue] = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise ValueError(f"{where} has a {type(name).__name__} key; keys are strings")
            copy[name] = _plain_json(item, f"{where}[{name!r}]")
        return copy
    if isinstance(value, list | tuple):
        return [_plain_json(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise ValueError(f"{where} is a {type(value).__name__}, which is not a JSON value")


def payload_aad(key: str, kind: str) -> bytes:
    """What binds a sealed payload to its row: moved elsewhere, it no longer opens."""
    return f"{key}\x00{kind}".encode()


def _damaged(seq: int, what: str) -> QueueDamagedError:
    return QueueDamagedError(
        f"queued record {seq} is damaged ({what}); sync is blocked because the chain cannot "
        "go past it: have a technician check the disk and the queue database"
    )


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction that takes the write lock at once (no upgrade deadlocks)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _read_head(conn: sqlite3.Connection) -> tuple[int, str]:
    """(seq of the last record, its hash)."""
    meta = dict(
        conn.execute("SELECT name, value FROM meta WHERE name IN ('next_seq', 'last_hash')")
    )
    return int(meta["next_seq"]) - 1, meta["last_hash"]


def _read_meta(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def _upsert_meta(conn: sqlite3.Connection, **values: str | None) -> None:
    conn.executemany(
        "INSERT INTO meta (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        values.items(),
    )


def _failed(error: BaseException) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_exception(error)
    return future
