"""What the rest of the kiosk sees of the queue: submit a record, read the statistics.

`Outbox.open` assembles the layer from a data directory: the encrypted store, the key files
beside it, the platform client and the sync worker. Records are durable once the future of
`submit` is done; the sync worker is told at once, so a connected kiosk sends them within a
round trip, and an offline one keeps them until the platform is back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import JsonValue

from offline_queue.client import PlatformClient
from offline_queue.keys import load_or_create_signing_key, public_key_b64
from offline_queue.store import Enqueued, QueueStats, QueueStore
from offline_queue.sync import DeviceHealthSource, SyncSettings, SyncWorker
from offline_queue.wire import ChainHead

T = TypeVar("T")


@dataclass(frozen=True)
class QueuePaths:
    """Where a kiosk keeps its queue. The keys live apart from the database, owner-only, so
    a copy of the database alone reveals nothing."""

    database: Path
    data_key: Path
    signing_key: Path

    @classmethod
    def under(cls, data_dir: Path) -> QueuePaths:
        return cls(
            database=data_dir / "queue.sqlite",
            data_key=data_dir / "keys" / "queue.key",
            signing_key=data_dir / "keys" / "kiosk-ed25519.pem",
        )


class Outbox:
    def __init__(self, store: QueueStore, sync: SyncWorker) -> None:
        self._store, self._sync = store, sync

    @classmethod
    def open(
        cls,
        paths: QueuePaths,
        *,
        kiosk_id: str,
        site_id: str,
        platform_url: str,
        verify_tls: bool,
        publish: Callable[[object], None],
        device_health: DeviceHealthSource = lambda: (),
        settings: SyncSettings | None = None,
        timeout_s: float = 15.0,
        software: str = "kiosk-terminal",
    ) -> Outbox:
        """Open (or create) the queue and start syncing. Raises `QueueKeyError` and
        `KeyFileError` with a message for the technician when a key is missing or wrong."""
        signing_key = load_or_create_signing_key(paths.signing_key)
        store = QueueStore(paths.database, paths.data_key, kiosk_id)
        client = PlatformClient(
            platform_url, kiosk_id, signing_key, verify_tls=verify_tls, read_timeout_s=timeout_s
        )
        sync = SyncWorker(
            store,
            client,
            site_id=site_id,
            public_key_b64=public_key_b64(signing_key),
            publish=publish,
            device_health=device_health,
            settings=settings,
            software=software,
        )
        sync.start()
        return cls(store, sync)

    def submit(self, kind: str, payload: Mapping[str, JsonValue]) -> Future[Enqueued]:
        """Queue a record; the future is done once it is on disk (or failed: bad payload)."""
        return self._notify_when_done(self._store.enqueue(kind, payload))

    def submit_all(
        self, items: Sequence[tuple[str, Mapping[str, JsonValue]]]
    ) -> Future[list[Enqueued]]:
        """Queue linked records (a "一件事" bundle) in one transaction: all or none."""
        return self._notify_when_done(self._store.enqueue_many(items))

    def stats(self) -> Future[QueueStats]:
        return self._store.stats()

    def head(self) -> Future[ChainHead]:
        """The last record queued (seq and hash)."""
        return self._store.head()

    def close(self) -> None:
        self._sync.stop()
        self._store.close()

    def _notify_when_done(self, future: Future[T]) -> Future[T]:
        future.add_done_callback(lambda _: self._sync.notify())
        return future
