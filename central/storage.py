"""The platform's SQLite database: kiosks, their record chains, alerts, citizens, e-ID state.

One connection, guarded by a lock; every write is one `BEGIN IMMEDIATE` transaction, WAL with
`synchronous=FULL`, so an answered request survives a crash or a power cut. Idempotency lives
here, not in memory: a retry after a restart finds the records it sent before.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from central.ingest import Alert, Link, Outcome
from central.models import StoredRecord
from central.queues import Issued
from offline_queue.wire import (
    GENESIS_HASH,
    ChainHead,
    Citizen,
    DeviceHealth,
    FaceVerdict,
    Heartbeat,
    KioskSummary,
    QueueHealth,
    idempotency_key,
)

SCHEMA_VERSION = 3
ALERTS_SHOWN = 20  # the most recent ones per kiosk in the list

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE kiosks (
    kiosk_id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    enrolled TEXT NOT NULL,
    head_seq INTEGER NOT NULL DEFAULT 0,
    head_hash TEXT NOT NULL,
    accepted INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    last_heartbeat TEXT,
    devices TEXT NOT NULL DEFAULT '[]',
    queue TEXT
);
CREATE TABLE records (
    kiosk_id TEXT NOT NULL REFERENCES kiosks,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    created TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    code TEXT,
    reason TEXT,
    received TEXT NOT NULL,
    UNIQUE (kiosk_id, seq)
);
CREATE TABLE alerts (
    kiosk_id TEXT NOT NULL REFERENCES kiosks,
    seq INTEGER NOT NULL,
    code TEXT NOT NULL,
    detail TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    times INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (kiosk_id, seq, code)
);
CREATE TABLE citizens (id_number TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE eid_used (jti TEXT PRIMARY KEY, expires INTEGER NOT NULL);
CREATE INDEX eid_used_expires ON eid_used (expires);
"""
# Version n is reached by running MIGRATIONS[n] on version n - 1 (SCHEMA is version 1).
MIGRATIONS = {
    # Ticket queues are counted per site and day (`ticket_rows`).
    2: "CREATE INDEX records_by_kind_date ON records (kind, json_extract(payload, '$.date'));",
    # The platform's comparison of a face a kiosk left to it (offline), by the record.
    3: "CREATE TABLE face_verdicts (kiosk_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    " verdict TEXT NOT NULL, decided TEXT NOT NULL, PRIMARY KEY (kiosk_id, seq));",
}

Enrolled = Literal["new", "same", "conflict"]


class StorageError(Exception):
    """The database cannot be opened or used; the message says which file and why."""


@dataclass(frozen=True)
class KioskKey:
    kiosk_id: str
    public_key: str  # base64
    site_id: str


class Storage:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as e:
            hint = " (does its folder exist, and may this user write there?)"
            raise StorageError(
                f"cannot use the database {self.path}: {e}{hint if 'open' in str(e) else ''}"
            ) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"the database {self.path} has schema version {version}; this central knows "
                f"up to {SCHEMA_VERSION}: use a newer central or another --db"
            )
        steps = [SCHEMA] if version == 0 else []
        steps += [MIGRATIONS[n] for n in range(max(version, 1) + 1, SCHEMA_VERSION + 1)]
        with self._lock:
            self._db.executescript(
                "BEGIN IMMEDIATE;"
                + "".join(steps)
                + f"PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    # --- kiosks ----------------------------------------------------------------------------

    def enrol(
        self, kiosk_id: str, site_id: str, public_key: str, now: str
    ) -> tuple[Enrolled, ChainHead]:
        with self.transaction() as db:
            row = db.execute(
                "SELECT public_key, head_seq, head_hash FROM kiosks WHERE kiosk_id = ?",
                (kiosk_id,),
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO kiosks (kiosk_id, site_id, public_key, enrolled, head_hash)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (kiosk_id, site_id, public_key, now, GENESIS_HASH),
                )
                return "new", ChainHead(seq=0, hash=GENESIS_HASH)
            head = ChainHead(seq=row[1], hash=row[2])
            if row[0] != public_key:
                return "conflict", head
            # A kiosk moved to another site re-enrols with its key.
            db.execute("UPDATE kiosks SET site_id = ? WHERE kiosk_id = ?", (site_id, kiosk_id))
            return "same", head

    def kiosk_key(self, kiosk_id: str) -> KioskKey | None:
        with self._read() as db:
            row = db.execute(
                "SELECT public_key, site_id FROM kiosks WHERE kiosk_id = ?", (kiosk_id,)
            ).fetchone()
        return None if row is None else KioskKey(kiosk_id, row[0], row[1])

    def record_heartbeat(self, heartbeat: Heartbeat, now: str) -> None:
        devices = json.dumps([device.model_dump() for device in heartbeat.devices])
        with self.transaction() as db:
            db.execute(
                "UPDATE kiosks SET last_heartbeat = ?, devices = ?, queue = ? WHERE kiosk_id = ?",
                (now, devices, heartbeat.queue.model_dump_json(), heartbeat.kiosk_id),
            )

    def kiosks(self) -> list[KioskSummary]:
        with self._read() as db:
            rows = db.execute(
                "SELECT kiosk_id, site_id, enrolled, last_heartbeat, head_seq, head_hash,"
                " accepted, rejected, devices, queue FROM kiosks ORDER BY kiosk_id"
            ).fetchall()
            alert_rows = db.execute(
                "SELECT kiosk_id, seq, code, detail, last_seen, times FROM alerts"
                " ORDER BY kiosk_id, last_seen DESC, seq DESC"
            ).fetchall()
        alerts: dict[str, list[str]] = {}
        for kiosk_id, seq, code, detail, last_seen, times in alert_rows:
            shown = alerts.setdefault(kiosk_id, [])
            if len(shown) < ALERTS_SHOWN:
                repeated = f", {times} times" if times > 1 else ""
                shown.append(f"{code} at seq {seq}: {detail} (last {last_seen}{repeated})")
        return [
            KioskSummary(
                kiosk_id=row[0],
                site_id=row[1],
                enrolled=row[2],
                last_heartbeat=row[3],
                head=ChainHead(seq=row[4], hash=row[5]),
                accepted=row[6],
                rejected=row[7],
                alerts=alerts.get(row[0], []),
                devices=[DeviceHealth.model_validate(item) for item in json.loads(row[8])],
                queue=None if row[9] is None else QueueHealth.model_validate_json(row[9]),
            )
            for row in rows
        ]

    # --- records ---------------------------------------------------------------------------

    def apply_batch(
        self,
        kiosk_id: str,
        first_seq: int,
        last_seq: int,
        decide: Callable[[ChainHead, dict[int, Link]], Outcome],
        now: str,
    ) -> Outcome:
        """Decide on a batch against the stored chain and store the outcome, in one transaction.

        On an idempotency conflict only the alert is stored.
        """
        with self.transaction() as db:
            head_seq, head_hash = db.execute(
                "SELECT head_seq, head_hash FROM kiosks WHERE kiosk_id = ?", (kiosk_id,)
            ).fetchone()
            stored = {
                row[0]: Link(*row)
                for row in db.execute(
                    "SELECT seq, kind, created, payload, prev_hash, hash, status, code, reason"
                    " FROM records WHERE kiosk_id = ? AND seq BETWEEN ? AND ?",
                    (kiosk_id, first_seq, min(last_seq, head_seq)),
                )
            }
            outcome = decide(ChainHead(seq=head_seq, hash=head_hash), stored)
            self._store_alerts(db, kiosk_id, outcome.alerts, now)
            if outcome.conflicts or not outcome.links:
                return outcome
            db.executemany(
                "INSERT INTO records (kiosk_id, seq, kind, created, payload, prev_hash, hash,"
                " status, code, reason, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        kiosk_id,
                        link.seq,
                        link.kind,
                        link.created,
                        link.payload,
                        link.prev_hash,
                        link.hash,
                        link.status,
                        link.code,
                        link.reason,
                        now,
                    )
                    for link in outcome.links
                ],
            )
            rejected = sum(link.status == "rejected" for link in outcome.links)
            db.execute(
                "UPDATE kiosks SET head_seq = ?, head_hash = ?, accepted = accepted + ?,"
                " rejected = rejected + ? WHERE kiosk_id = ?",
                (
                    outcome.head.seq,
                    outcome.head.hash,
                    len(outcome.links) - rejected,
                    rejected,
                    kiosk_id,
                ),
            )
        return outcome

    @staticmethod
    def _store_alerts(db: sqlite3.Connection, kiosk_id: str, alerts: list[Alert], now: str) -> None:
        db.executemany(
            "INSERT INTO alerts (kiosk_id, seq, code, detail, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kiosk_id, seq, code) DO UPDATE SET"
            " detail = excluded.detail, last_seen = excluded.last_seen, times = times + 1",
            [(kiosk_id, alert.seq, alert.code, alert.detail, now, now) for alert in alerts],
        )

    def records(
        self, kiosk_id: str, after: int, limit: int
    ) -> tuple[ChainHead, list[StoredRecord]] | None:
        """The kiosk's head and its records after seq `after`, or None for an unknown kiosk."""
        with self._read() as db:
            head = db.execute(
                "SELECT head_seq, head_hash FROM kiosks WHERE kiosk_id = ?", (kiosk_id,)
            ).fetchone()
            if head is None:
                return None
            rows = db.execute(
                "SELECT r.seq, kind, created, payload, prev_hash, hash, status, code, reason,"
                " received, verdict FROM records r LEFT JOIN face_verdicts f"
                " ON f.kiosk_id = r.kiosk_id AND f.seq = r.seq"
                " WHERE r.kiosk_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?",
                (kiosk_id, after, limit),
            ).fetchall()
        return ChainHead(seq=head[0], hash=head[1]), [
            StoredRecord(
                idempotency_key=idempotency_key(kiosk_id, row[0]),
                seq=row[0],
                kind=row[1],
                created=row[2],
                payload=json.loads(row[3]),
                prev_hash=row[4],
                hash=row[5],
                status=row[6],
                code=row[7],
                reason=row[8],
                received=row[9],
                face_verdict=FaceVerdict.model_validate_json(row[10]) if row[10] else None,
            )
            for row in rows
        ]

    def store_face_verdict(self, kiosk_id: str, seq: int, verdict: FaceVerdict, now: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO face_verdicts (kiosk_id, seq, verdict, decided)"
                " VALUES (?, ?, ?, ?)",
                (kiosk_id, seq, verdict.model_dump_json(), now),
            )

    def ticket_rows(self, site_id: str, date: str) -> tuple[list[Issued], list[str]]:
        """The accepted tickets issued at the site's kiosks on `date`, and the numbers of
        those called there that day (`central.queues.tally` counts them)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT r.kind, json_extract(r.payload, '$.business'),"
                " json_extract(r.payload, '$.ticket'), r.created"
                " FROM records r JOIN kiosks k ON k.kiosk_id = r.kiosk_id"
                " WHERE r.kind IN ('ticket', 'ticket_call')"
                " AND json_extract(r.payload, '$.date') = ?"
                " AND r.status = 'accepted' AND k.site_id = ?",
                (date, site_id),
            ).fetchall()
        # Records accepted before tickets were checked (schema 1) may lack the fields.
        rows = [row for row in rows if isinstance(row[2], str)]
        issued = [
            Issued(row[1], row[2], row[3])
            for row in rows
            if row[0] == "ticket" and isinstance(row[1], str)
        ]
        return issued, [row[2] for row in rows if row[0] == "ticket_call"]

    def latest_calls(self, site_id: str, limit: int) -> list[tuple[str, str, str]]:
        """(ticket, window, created) of the site's latest calls and recalls, newest first."""
        with self._read() as db:
            rows = db.execute(
                "SELECT json_extract(r.payload, '$.ticket'), json_extract(r.payload, '$.window'),"
                " r.created FROM records r JOIN kiosks k ON k.kiosk_id = r.kiosk_id"
                " WHERE r.kind = 'ticket_call' AND r.status = 'accepted' AND k.site_id = ?"
                " AND coalesce(json_extract(r.payload, '$.action'), 'call') IN ('call', 'recall')"
                " ORDER BY r.created DESC, r.seq DESC LIMIT ?",
                (site_id, limit),
            ).fetchall()
        return [
            (ticket, window, created)
            for ticket, window, created in rows
            if isinstance(ticket, str) and isinstance(window, str)
        ]

    def pending_applications(self, id_number: str) -> list[tuple[str, str, str]]:
        """(case number, service id, created) of the citizen's accepted applications that no
        `case_closure` has taken in, oldest first. A bundle's items count one by one."""
        with self._read() as db:
            rows = db.execute(
                "SELECT coalesce(json_extract(payload, '$.item_case_number'),"
                " json_extract(payload, '$.case_number')),"
                " json_extract(payload, '$.service_id'), created FROM records"
                " WHERE kind = 'application' AND status = 'accepted'"
                " AND json_extract(payload, '$.subject.id_number') = ? ORDER BY created, seq",
                (id_number,),
            ).fetchall()
            taken = {
                row[0]
                for row in db.execute(
                    "SELECT j.value FROM records r, json_each(r.payload, '$.accepted') j"
                    " WHERE r.kind = 'case_closure' AND r.status = 'accepted'"
                )
            }
        return [
            (case, service, created)
            for case, service, created in rows
            if isinstance(case, str) and isinstance(service, str) and case not in taken
        ]

    # --- citizens --------------------------------------------------------------------------

    def add_citizens_if_none(self, citizens: list[Citizen]) -> None:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM citizens LIMIT 1").fetchone():
                return
            db.executemany(
                "INSERT INTO citizens (id_number, data) VALUES (?, ?)",
                [(citizen.id_number, citizen.model_dump_json()) for citizen in citizens],
            )

    def citizen(self, id_number: str) -> Citizen | None:
        with self._read() as db:
            row = db.execute(
                "SELECT data FROM citizens WHERE id_number = ?", (id_number,)
            ).fetchone()
        return None if row is None else Citizen.model_validate_json(row[0])

    # --- e-ID ------------------------------------------------------------------------------

    def secret(self, name: str, create: Callable[[], str]) -> str:
        """A value kept in the database, made by `create` the first time it is asked for."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
            if row is not None:
                return str(row[0])
            value = create()
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (name, value))
            return value

    def first_use(self, jti: str, expires: int, now: int) -> bool:
        """Marks an e-ID code used; False if it was used before.

        Codes past their expiry are forgotten: they are refused as expired anyway.
        """
        with self.transaction() as db:
            db.execute("DELETE FROM eid_used WHERE expires < ?", (now,))
            inserted = db.execute(
                "INSERT INTO eid_used (jti, expires) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (jti, expires),
            ).rowcount
        return inserted == 1
