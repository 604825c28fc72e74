"""The sync worker: sends queued records to the platform in batches, on its own thread.

One loop, one record chain: enrol once, send the lowest pending records as a signed batch,
settle each record by the platform's per-record result, and back off when the platform cannot
be reached (full jitter, `sleep = uniform(0, min(cap, base·2^attempt))`, or exactly the
`Retry-After` it asked for). The retry time is written on the records, so a restarted kiosk
does not hammer a platform that asked it to wait. Nothing is ever dropped here: a record leaves
the queue only as acked (then purged after the retention period) or stays as rejected, with
the platform's reason, for a technician.

After enrolling, and then every few hours, it also caches the e-ID issuer keys beside the
queue (`eid_check.save_keys`), so the kiosk can check e-ID codes while offline.

Status goes out as `SyncStatus` events whenever it changes, for the screens ("offline, 37
waiting") and the technician.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from offline_queue import wire
from offline_queue.client import PlatformClient, PlatformError, Refused
from offline_queue.eid_check import save_keys
from offline_queue.status import SyncStatus
from offline_queue.store import QueueDamagedError, QueueStats, QueueStore

log = logging.getLogger(__name__)

# Platform verdicts that mean the chain itself is broken: nothing after can be accepted
# until a technician has looked, so sending stops instead of failing record after record.
CHAIN_FAULTS = frozenset({"chain_broken", "hash_mismatch", "gap"})


@dataclass(frozen=True)
class SyncSettings:
    batch_records: int = 500
    batch_bytes: int = 1_000_000
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    heartbeat_s: float = 60.0
    retention: timedelta = timedelta(days=7)
    purge_every_s: float = 3600.0
    eid_keys_every_s: float = 4 * 3600.0  # issuers rotate keys rarely, and announce it
    eid_keys_retry_s: float = 300.0


DeviceHealthSource = Callable[[], Sequence[wire.DeviceHealth]]


class SyncWorker:
    def __init__(
        self,
        store: QueueStore,
        client: PlatformClient,
        *,
        site_id: str,
        public_key_b64: str,
        publish: Callable[[object], None],
        device_health: DeviceHealthSource = lambda: (),
        settings: SyncSettings | None = None,
        software: str = "kiosk-terminal",
        rng: random.Random | None = None,
        eid_keys_path: Path | None = None,
    ) -> None:
        self._store, self._client = store, client
        self._site_id, self._public_key = site_id, public_key_b64
        self._publish, self._device_health = publish, device_health
        self._settings = settings or SyncSettings()
        self._software = software
        self._rng = rng or random.Random()
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._now_requested = threading.Event()
        self._thread: threading.Thread | None = None
        self._enrolled = False
        self._enrol_after = 0.0  # monotonic time of the next enrolment attempt
        self._failures = 0  # consecutive failed attempts, the backoff exponent
        self._batch_limit = self._settings.batch_records
        self._connected: bool | None = None
        self._last_error: str | None = None  # of the last attempt, cleared by a success
        self._next_heartbeat = 0.0
        self._next_purge = 0.0
        self._eid_keys_path = eid_keys_path
        self._next_eid_keys = 0.0 if eid_keys_path is not None else math.inf
        self.status: SyncStatus | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="queue-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the request in progress (bounded by the client's timeouts)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        self._client.close()

    def notify(self) -> None:
        """Something was queued: look at once."""
        self._wake.set()

    def sync_now(self) -> None:
        """A technician asks: forget the backoff, send a heartbeat and every waiting record."""
        self._now_requested.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                wait_s = self._step()
            except Exception:  # a bug must not end syncing for good: log it and retry later
                log.exception("sync step failed")
                wait_s = self._settings.backoff_cap_s
            self._wake.wait(wait_s)
            self._wake.clear()

    def _step(self) -> float:
        """One round of work; returns how long to wait before the next."""
        now = time.monotonic()
        if self._now_requested.is_set():
            self._now_requested.clear()
            self._failures, self._enrol_after, self._next_heartbeat = 0, now, now
            self._store.retry_now().result()
        if now >= self._next_purge:
            self._store.purge_acked(self._settings.retention).result()
            self._next_purge = now + self._settings.purge_every_s
        if not self._enrolled:
            if now < self._enrol_after:
                return self._enrol_after - now
            if (wait_s := self._enrol()) is not None:
                self._enrol_after = now + wait_s
                self._report(self._store.stats().result())
                return wait_s
        if now >= self._next_eid_keys:
            self._refresh_eid_keys()
        if now >= self._next_heartbeat:
            self._send_heartbeat()
        stats = self._store.stats().result()
        if stats.blocked:
            self._report(stats)
            return self._until_chores()
        try:
            records = self._store.take_batch(self._batch_limit, self._settings.batch_bytes).result()
        except QueueDamagedError as error:  # the store has blocked sync; the heartbeat tells
            log.error("sync blocked: %s", error)
            self._next_heartbeat = 0.0
            self._report(self._store.stats().result())
            return 0.0
        if not records:
            self._report(stats)
            return min(self._until_due(stats), self._until_chores())
        wait_s = self._send(records)
        self._report(self._store.stats().result())
        return wait_s

    def _enrol(self) -> float | None:
        """Enrol with the platform; None when done, else how long to wait before retrying."""
        try:
            head = self._client.enrol(self._site_id, self._public_key)
        except PlatformError as error:
            wait_s = self._backoff_s(error.retry_after_s)
            self._failed(error)
            if isinstance(error, Refused) and error.problem.code == "key_conflict":
                self._store.set_blocked(f"enrolment refused: {error}").result()
            return wait_s
        log.info("enrolled; the platform holds this kiosk's records up to %d", head.seq)
        self._enrolled, self._connected = True, True
        return None

    def _send(self, records: Sequence[wire.Record]) -> float:
        seqs = [record.seq for record in records]
        try:
            result = self._client.send_batch(records)
        except Refused as error:
            return self._refused(error, seqs)
        except PlatformError as error:
            wait_s = self._backoff_s(error.retry_after_s)
            self._failed(error)
            self._release(seqs, str(error), wait_s)
            return wait_s
        self._failures, self._connected, self._last_error = 0, True, None
        self._batch_limit = self._settings.batch_records
        self._store.settle(result.results).result()
        settled = {r.seq for r in result.results}
        if unsettled := [seq for seq in seqs if seq not in settled]:
            self._release(unsettled, "not processed: an earlier record was rejected", 0.0)
        if broken := [
            r for r in result.results if r.status == "rejected" and r.code in CHAIN_FAULTS
        ]:
            first = broken[0]
            reason = f"the platform found the record chain broken at record {first.seq}: "
            self._store.set_blocked(reason + (first.reason or first.code or "")).result()
            log.error("sync blocked: %s (%s)", reason, first.code)
        return 0.0

    def _refused(self, error: Refused, seqs: list[int]) -> float:
        """A 4xx: nothing is dropped; what can be fixed here is, the rest waits for a person."""
        self._connected = True
        code = error.problem.code
        if error.status == 413 and len(seqs) > 1:
            self._batch_limit = max(1, len(seqs) // 2)
            self._release(seqs, str(error), 0.0)
            return 0.0
        if code == "not_enrolled":
            self._enrolled = False
            self._release(seqs, str(error), 0.0)
            return 0.0
        if code == "idempotency_conflict":
            # The platform holds different records under these keys: ours were altered here.
            named = set(error.problem.keys)
            key = partial(wire.idempotency_key, self._client.kiosk_id)
            if conflicting := [seq for seq in seqs if key(seq) in named]:
                verdict = partial(wire.RecordResult, status="rejected", code=code)
                self._store.settle(
                    [
                        verdict(idempotency_key=key(seq), seq=seq, reason=error.problem.detail)
                        for seq in conflicting
                    ]
                ).result()
                if others := [seq for seq in seqs if seq not in conflicting]:
                    self._release(others, str(error), 0.0)
                return 0.0
        # Anything else is an incompatibility a person must look at; keep trying, slowly.
        wait_s = self._backoff_s(error.retry_after_s)
        self._failed(error)
        self._release(seqs, str(error), wait_s)
        return wait_s

    def _refresh_eid_keys(self) -> None:
        assert self._eid_keys_path is not None
        try:
            changed = save_keys(self._eid_keys_path, self._client.eid_keys())
        except (PlatformError, OSError) as error:
            # Not a sync failure: records still flow, and the cached keys stay in use.
            log.warning("e-ID keys not refreshed: %s", error)
            self._next_eid_keys = time.monotonic() + self._settings.eid_keys_retry_s
            return
        if changed:
            log.info("cached new e-ID issuer keys in %s", self._eid_keys_path)
        self._next_eid_keys = time.monotonic() + self._settings.eid_keys_every_s

    def _send_heartbeat(self) -> None:
        stats = self._store.stats().result()
        heartbeat = wire.Heartbeat(
            kiosk_id=self._client.kiosk_id,
            sent=wire.utc_timestamp(),
            software=self._software,
            devices=list(self._device_health()),
            queue=wire.QueueHealth(
                pending=stats.counts.get("pending", 0),
                in_flight=stats.counts.get("in_flight", 0),
                rejected=stats.counts.get("rejected", 0),
                oldest_pending=stats.oldest_pending,
                blocked=stats.blocked[:1024] if stats.blocked else None,
            ),
        )
        try:
            self._client.heartbeat(heartbeat)
        except PlatformError as error:
            self._failed(error)
            self._next_heartbeat = time.monotonic() + self._backoff_s(error.retry_after_s)
            return
        self._connected = True
        self._next_heartbeat = time.monotonic() + self._settings.heartbeat_s

    def _failed(self, error: PlatformError) -> None:
        self._failures += 1
        self._last_error = str(error)
        if not isinstance(error, Refused):
            self._connected = False
        log.warning("sync: %s", error)

    def _backoff_s(self, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return retry_after_s
        ceiling = self._settings.backoff_base_s * 2 ** min(self._failures, 32)
        return self._rng.uniform(0, min(self._settings.backoff_cap_s, ceiling))

    def _release(self, seqs: Sequence[int], error: str, wait_s: float) -> None:
        retry_at = datetime.now(UTC) + timedelta(seconds=wait_s)
        self._store.release(seqs, error, retry_at).result()

    def _until_due(self, stats: QueueStats) -> float:
        if stats.next_attempt is None:
            return self._settings.heartbeat_s
        due = wire.parse_timestamp(stats.next_attempt) - datetime.now(UTC)
        return max(due.total_seconds(), 0.0)

    def _until_chores(self) -> float:
        """Until the next heartbeat or key refresh is due."""
        return max(min(self._next_heartbeat, self._next_eid_keys) - time.monotonic(), 0.0)

    def _report(self, stats: QueueStats) -> None:
        status = SyncStatus(
            connected=self._connected,
            waiting=stats.counts.get("pending", 0) + stats.counts.get("in_flight", 0),
            rejected=stats.counts.get("rejected", 0),
            last_sync=stats.last_sync,
            last_error=self._last_error or stats.last_error,
            blocked=stats.blocked,
        )
        if status != self.status:
            self.status = status
            self._publish(status)
